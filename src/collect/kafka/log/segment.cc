#include "collect/kafka/log/segment.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <iterator>
#include <limits>

#include <fmt/format.h>

namespace loch::kafka {

std::string Segment::file_stem(int64_t base_offset) { return fmt::format("{:020d}", base_offset); }

Segment::Segment(std::string dir, int64_t base_offset, uint32_t index_interval_bytes)
    : dir_(std::move(dir)),
      log_path_(dir_ + "/" + file_stem(base_offset) + ".log"),
      base_offset_(base_offset),
      index_interval_bytes_(index_interval_bytes),
      next_offset_(base_offset) {}

Segment::~Segment() = default;

Status Segment::open_files() {
  std::string stem = dir_ + "/" + file_stem(base_offset_);
  LOCH_ASSIGN_OR_RETURN(offset_index_, OffsetIndex::open(stem + ".index"));
  LOCH_ASSIGN_OR_RETURN(time_index_, TimeIndex::open(stem + ".timeindex"));
  return Status::ok();
}

Result<std::shared_ptr<Segment>> Segment::create(const std::string& dir, int64_t base_offset,
                                                 uint32_t index_interval_bytes, int64_t now_ms) {
  std::shared_ptr<Segment> segment(new Segment(dir, base_offset, index_interval_bytes));
  LOCH_ASSIGN_OR_RETURN(segment->log_fd_, open_file(segment->log_path_, O_RDWR | O_CREAT | O_EXCL));
  LOCH_RETURN_IF_ERROR(segment->open_files());
  LOCH_RETURN_IF_ERROR(segment->offset_index_.reset({}));
  LOCH_RETURN_IF_ERROR(segment->time_index_.reset({}));
  segment->rolling_timestamp_ms_ = now_ms;
  // The new name must be durable before any batch in it is acknowledged:
  // fdatasync of the file alone does not persist its directory entry.
  LOCH_RETURN_IF_ERROR(sync_directory(dir));
  return segment;
}

Result<std::shared_ptr<Segment>> Segment::open(const std::string& dir, int64_t base_offset,
                                               uint32_t index_interval_bytes, OpenMode mode, int64_t now_ms,
                                               SegmentRecovery* recovery) {
  std::shared_ptr<Segment> segment(new Segment(dir, base_offset, index_interval_bytes));
  LOCH_ASSIGN_OR_RETURN(segment->log_fd_, open_file(segment->log_path_, O_RDWR));
  LOCH_RETURN_IF_ERROR(segment->open_files());
  LOCH_ASSIGN_OR_RETURN(uint64_t size, file_size(segment->log_fd_.get(), segment->log_path_));
  SegmentRecovery ignored;
  if (recovery == nullptr) recovery = &ignored;
  bool trusted = mode == OpenMode::kTrustData && segment->indexes_look_consistent(size) &&
                 segment->load_tail_from_index(size).is_ok();
  if (!trusted) {
    if (mode == OpenMode::kTrustData) recovery->indexes_rebuilt = true;
    LOCH_RETURN_IF_ERROR(segment->validate_and_rebuild(size, mode != OpenMode::kValidateEveryBatch, recovery));
  }
  segment->rolling_timestamp_ms_ = now_ms;
  if (!segment->empty()) {
    LOCH_ASSIGN_OR_RETURN(auto first, segment->find_batch(0, segment->size_, base_offset));
    if (first) segment->rolling_timestamp_ms_ = first->header.max_timestamp;
  }
  return segment;
}

bool Segment::indexes_look_consistent(uint64_t file_size) const {
  if (offset_index_.damaged() || time_index_.damaged()) return false;
  const auto& offsets = offset_index_.entries();
  for (size_t i = 0; i < offsets.size(); ++i) {
    if (offsets[i].position >= file_size) return false;
    if (i > 0 && (offsets[i].relative_offset <= offsets[i - 1].relative_offset ||
                  offsets[i].position <= offsets[i - 1].position)) {
      return false;
    }
  }
  const auto& times = time_index_.entries();
  for (size_t i = 0; i < times.size(); ++i) {
    if (i > 0 && (times[i].timestamp <= times[i - 1].timestamp ||
                  times[i].relative_offset < times[i - 1].relative_offset)) {
      return false;
    }
    if (!offsets.empty() && times[i].relative_offset > offsets.back().relative_offset) return false;
  }
  if (!offsets.empty()) {
    // The last entry must point at the start of the batch it names.
    char header[RecordBatchHeader::kSize];
    if (!pread_exact(log_fd_.get(), header, sizeof(header), offsets.back().position, log_path_).is_ok()) return false;
    auto parsed = RecordBatchHeader::parse(std::string_view(header, sizeof(header)));
    if (!parsed || parsed->base_offset != base_offset_ + offsets.back().relative_offset) return false;
  }
  return true;
}

// Trusting the indexes, scans only the batches after the last index entry to
// learn the segment's end offset and largest timestamp.
Status Segment::load_tail_from_index(uint64_t file_size) {
  const auto& offsets = offset_index_.entries();
  uint64_t start = offsets.empty() ? 0 : offsets.back().position;
  int64_t max_timestamp = time_index_.last_timestamp();
  int64_t next_offset = base_offset_;
  uint64_t end = start;
  uint64_t bytes_since_entry = 0;
  bool missing_entries = false;
  Status status = scan(start, file_size, [&](const BatchLocation& at) {
    // Replays the indexing rule of note_batch: a batch that should have had
    // an entry after the last one means the index lags the data (a crash
    // after the .log grew, or an index deleted on purpose by compaction).
    if (at.position != start && bytes_since_entry >= index_interval_bytes_) {
      missing_entries = true;
      return false;
    }
    bytes_since_entry += at.header.total_size();
    max_timestamp = std::max(max_timestamp, at.header.max_timestamp);
    next_offset = at.header.last_offset() + 1;
    end = at.position + at.header.total_size();
    return true;
  });
  LOCH_RETURN_IF_ERROR(status);
  if (missing_entries) return Status::corruption(offset_index_.path() + ": entries missing after the last one");
  if (end != file_size) return Status::corruption(log_path_ + ": bytes after the last whole batch");
  size_ = file_size;
  next_offset_ = next_offset;
  max_timestamp_ = max_timestamp;
  max_timestamp_before_entry_ = max_timestamp;
  bytes_since_index_entry_ = file_size - start;
  return Status::ok();
}

// doc/kafka-log-format.md, "Recovery": the longest prefix of whole, valid
// batches with increasing offsets is kept; everything after it is cut off.
Status Segment::validate_and_rebuild(uint64_t file_size, bool allow_gaps, SegmentRecovery* recovery) {
  auto old_offsets = offset_index_.entries();
  auto old_times = time_index_.entries();
  LOCH_RETURN_IF_ERROR(offset_index_.reset({}));
  LOCH_RETURN_IF_ERROR(time_index_.reset({}));
  size_ = 0;
  next_offset_ = base_offset_;
  max_timestamp_ = -1;
  max_timestamp_before_entry_ = -1;
  bytes_since_index_entry_ = 0;
  recovery->validated = true;

  std::string batch;
  uint64_t position = 0;
  std::string problem;
  while (position < file_size) {
    if (file_size - position < RecordBatchHeader::kSize) {
      problem = fmt::format("{} bytes at the end, less than a batch header", file_size - position);
      break;
    }
    batch.resize(RecordBatchHeader::kSize);
    LOCH_RETURN_IF_ERROR(pread_exact(log_fd_.get(), batch.data(), batch.size(), position, log_path_));
    auto header = RecordBatchHeader::parse(batch);
    if (!header) {
      problem = header.status().message();
      break;
    }
    if (header->batch_length < static_cast<int32_t>(RecordBatchHeader::kSize - RecordBatchHeader::kLengthFieldEnd) ||
        header->total_size() > file_size - position) {
      problem = fmt::format("batch length {} runs past the end of the file", header->batch_length);
      break;
    }
    batch.resize(header->total_size());
    LOCH_RETURN_IF_ERROR(pread_exact(log_fd_.get(), batch.data() + RecordBatchHeader::kSize,
                                     batch.size() - RecordBatchHeader::kSize, position + RecordBatchHeader::kSize,
                                     log_path_));
    auto valid = validate_record_batch(batch);
    if (!valid) {
      problem = valid.status().message();
      break;
    }
    bool follows = allow_gaps ? valid->base_offset >= next_offset_ : valid->base_offset == next_offset_;
    if (!follows || !can_hold(batch.size(), valid->last_offset())) {
      problem = fmt::format("batch offset {} does not follow offset {}", valid->base_offset, next_offset_ - 1);
      break;
    }
    LOCH_RETURN_IF_ERROR(note_batch(*valid, position));
    ++recovery->batches;
    position += batch.size();
  }
  if (position < file_size) {
    recovery->truncated = true;
    recovery->truncated_at = position;
    recovery->truncated_bytes = file_size - position;
    recovery->reason = fmt::format("{}: at byte {}: {}", log_path_, position, problem);
    if (::ftruncate(log_fd_.get(), static_cast<off_t>(position)) != 0) {
      return Status::from_errno("truncate " + log_path_, errno);
    }
    // The cut must be durable before new batches are written after it, or a
    // second crash could resurrect the bad bytes behind valid new ones.
    LOCH_RETURN_IF_ERROR(sync_data(log_fd_.get(), log_path_));
  }
  auto same_offsets = [](const auto& a, const auto& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (a[i].relative_offset != b[i].relative_offset) return false;
    }
    return true;
  };
  if (!same_offsets(old_offsets, offset_index_.entries()) || !same_offsets(old_times, time_index_.entries())) {
    recovery->indexes_rebuilt = true;
  }
  return Status::ok();
}

bool Segment::can_hold(size_t size, int64_t last_offset) const {
  return size_ + size <= std::numeric_limits<uint32_t>::max() &&
         last_offset - base_offset_ <= std::numeric_limits<int32_t>::max();
}

Status Segment::note_batch(const RecordBatchHeader& header, uint64_t position) {
  if (bytes_since_index_entry_ >= index_interval_bytes_) {
    auto relative = static_cast<uint32_t>(header.base_offset - base_offset_);
    LOCH_RETURN_IF_ERROR(offset_index_.append(relative, static_cast<uint32_t>(position)));
    if (max_timestamp_before_entry_ > time_index_.last_timestamp()) {
      LOCH_RETURN_IF_ERROR(time_index_.append(max_timestamp_before_entry_, relative));
    }
    bytes_since_index_entry_ = 0;
  }
  bytes_since_index_entry_ += header.total_size();
  max_timestamp_ = std::max(max_timestamp_, header.max_timestamp);
  max_timestamp_before_entry_ = max_timestamp_;
  next_offset_ = header.last_offset() + 1;
  size_ = position + header.total_size();
  return Status::ok();
}

Status Segment::append(std::string_view batch, const RecordBatchHeader& header) {
  // The batch is stored as received except for baseOffset, which the log
  // assigns; the CRC starts at attributes, so it stays valid.
  char base_offset[8];
  put_be64(base_offset, static_cast<uint64_t>(header.base_offset));
  LOCH_RETURN_IF_ERROR(
      pwrite_all(log_fd_.get(), std::string_view(base_offset, 8), batch.substr(8), size_, log_path_));
  return note_batch(header, size_);
}

uint64_t Segment::position_for_offset(int64_t offset) const {
  if (offset <= base_offset_) return 0;
  int64_t relative = offset - base_offset_;
  if (relative > std::numeric_limits<uint32_t>::max()) relative = std::numeric_limits<uint32_t>::max();
  return offset_index_.lookup(static_cast<uint32_t>(relative));
}

uint64_t Segment::position_for_timestamp(int64_t timestamp) const {
  return position_for_offset(base_offset_ + time_index_.lookup(timestamp));
}

uint64_t Segment::indexed_batch_start_at_or_before(uint64_t position) const {
  const auto& entries = offset_index_.entries();
  auto after = std::upper_bound(entries.begin(), entries.end(), position,
                                [](uint64_t p, const OffsetIndex::Entry& e) { return p < e.position; });
  return after == entries.begin() ? 0 : std::prev(after)->position;
}

Status Segment::scan(uint64_t position, uint64_t limit,
                     const std::function<bool(const BatchLocation&)>& visit) const {
  char bytes[RecordBatchHeader::kSize];
  while (position < limit) {
    if (limit - position < RecordBatchHeader::kSize) {
      return Status::corruption(fmt::format("{}: partial batch header at byte {}", log_path_, position));
    }
    LOCH_RETURN_IF_ERROR(pread_exact(log_fd_.get(), bytes, sizeof(bytes), position, log_path_));
    LOCH_ASSIGN_OR_RETURN(RecordBatchHeader header, RecordBatchHeader::parse(std::string_view(bytes, sizeof(bytes))));
    if (header.batch_length < static_cast<int32_t>(RecordBatchHeader::kSize - RecordBatchHeader::kLengthFieldEnd) ||
        header.total_size() > limit - position) {
      return Status::corruption(
          fmt::format("{}: batch at byte {} has length {} past the end", log_path_, position, header.batch_length));
    }
    if (!visit(BatchLocation{position, header})) return Status::ok();
    position += header.total_size();
  }
  return Status::ok();
}

Result<std::optional<BatchLocation>> Segment::find_batch(uint64_t position, uint64_t limit, int64_t offset) const {
  std::optional<BatchLocation> found;
  LOCH_RETURN_IF_ERROR(scan(position, limit, [&](const BatchLocation& at) {
    if (at.header.last_offset() < offset) return true;
    found = at;
    return false;
  }));
  return found;
}

Status Segment::read(uint64_t position, size_t size, std::string& out) const {
  size_t start = out.size();
  out.resize(start + size);
  return pread_exact(log_fd_.get(), out.data() + start, size, position, log_path_);
}

Status Segment::read_into(uint64_t position, size_t size, char* out) const {
  return pread_exact(log_fd_.get(), out, size, position, log_path_);
}

Status Segment::flush() const { return sync_data(log_fd_.get(), log_path_); }

Status Segment::delete_files() const {
  for (const std::string& path : {log_path_, offset_index_.path(), time_index_.path()}) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return Status::from_errno("delete " + path, errno);
  }
  return Status::ok();
}

}  // namespace loch::kafka
