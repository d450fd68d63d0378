#include "collect/kafka/log/partition_log.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "collect/kafka/log/log_cleaner.h"
#include "collect/kafka/log/record.h"
#include "common/crc32c.h"

namespace loch::kafka {
namespace fs = std::filesystem;
namespace {

constexpr const char* kLogStartOffsetFile = "log-start-offset";

void raise_to(std::atomic<int64_t>& value, int64_t at_least) {
  int64_t current = value.load();
  while (current < at_least && !value.compare_exchange_weak(current, at_least)) {
  }
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// "00000000000000001234.log" -> 1234; nullopt for any other name.
std::optional<int64_t> segment_base_offset(std::string_view name) {
  if (name.size() != 24 || !ends_with(name, ".log")) return std::nullopt;
  int64_t value = 0;
  for (char c : name.substr(0, 20)) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

}  // namespace

int64_t system_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string LogRecovery::summary() const {
  std::string text = fmt::format("offsets [{}, {})", log_start_offset.value(), log_end_offset.value());
  for (const SegmentRecovery& s : segments) {
    if (s.truncated) {
      text += fmt::format("; truncated {} bytes: {}", s.truncated_bytes, s.reason);
    }
  }
  int rebuilt = 0;
  for (const SegmentRecovery& s : segments) rebuilt += s.indexes_rebuilt ? 1 : 0;
  if (rebuilt > 0) text += fmt::format("; rebuilt the indexes of {} segment(s)", rebuilt);
  return text;
}

PartitionLog::PartitionLog(std::string dir, PartitionLogOptions options)
    : dir_(std::move(dir)),
      clock_(std::move(options.clock)),
      validate_all_segments_(options.validate_all_segments),
      decompress_(std::move(options.decompress)),
      config_(options.config) {}

PartitionLog::~PartitionLog() {
  Status status = close();
  if (!status.is_ok()) spdlog::error("closing partition log {}: {}", dir_, status.to_string());
}

Result<std::unique_ptr<PartitionLog>> PartitionLog::open(const std::string& dir, PartitionLogOptions options,
                                                         LogRecovery* recovery) {
  std::unique_ptr<PartitionLog> log(new PartitionLog(dir, std::move(options)));
  LogRecovery local;
  LOCH_RETURN_IF_ERROR(log->recover(recovery != nullptr ? recovery : &local).with_context(dir));
  return log;
}

// doc/kafka-log-format.md, "Recovery".
Status PartitionLog::recover(LogRecovery* recovery) {
  std::error_code error;
  fs::create_directories(dir_, error);
  if (error) return Status::io_error("create directory " + dir_ + ": " + error.message());

  std::vector<int64_t> bases;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir_, error)) {
    std::string name = entry.path().filename().string();
    if (ends_with(name, ".cleaned") || ends_with(name, ".tmp")) {
      // Left by a compaction or a checkpoint write that a crash interrupted;
      // the file it was to replace is still whole.
      fs::remove(entry.path(), error);
      continue;
    }
    if (auto base = segment_base_offset(name)) bases.push_back(*base);
  }
  if (error) return Status::io_error("list " + dir_ + ": " + error.message());
  std::sort(bases.begin(), bases.end());

  std::optional<int64_t> persisted_start;
  std::string start_path = dir_ + "/" + kLogStartOffsetFile;
  if (fs::exists(start_path)) {
    LOCH_ASSIGN_OR_RETURN(std::string bytes, read_whole_file(start_path));
    if (bytes.size() == 12 && crc32c(bytes.data(), 8) == get_be32(bytes.data() + 8)) {
      persisted_start = static_cast<int64_t>(get_be64(bytes.data()));
    } else {
      spdlog::warn("{}: damaged, ignored; the log starts at its first segment", start_path);
    }
  }

  int64_t now = clock_();
  if (bases.empty()) {
    LOCH_ASSIGN_OR_RETURN(auto segment,
                          Segment::create(dir_, persisted_start.value_or(0), config_.index_interval_bytes, now));
    segments_[segment->base_offset()] = segment;
  }
  for (size_t i = 0; i < bases.size(); ++i) {
    bool newest = i + 1 == bases.size();
    // Only the newest segment can have a torn tail: a segment is fsynced
    // before the next one is created (roll_locked).
    auto mode = newest                   ? Segment::OpenMode::kValidateEveryBatch
                : validate_all_segments_ ? Segment::OpenMode::kValidateWithGaps
                                         : Segment::OpenMode::kTrustData;
    SegmentRecovery segment_recovery;
    LOCH_ASSIGN_OR_RETURN(auto segment,
                          Segment::open(dir_, bases[i], config_.index_interval_bytes, mode, now, &segment_recovery));
    if (!segments_.empty() && segments_.rbegin()->second->next_offset() > segment->base_offset()) {
      return Status::corruption(fmt::format("segment {} overlaps the offsets of the segment before it",
                                            segment->log_path()));
    }
    if (segment_recovery.truncated) {
      recovery->truncated = true;
      recovery->truncated_bytes += segment_recovery.truncated_bytes;
      spdlog::warn("kafka log recovery: truncated a torn or corrupt tail of {} bytes: {}",
                   segment_recovery.truncated_bytes, segment_recovery.reason);
    }
    if (segment_recovery.indexes_rebuilt) {
      spdlog::info("kafka log recovery: rebuilt the indexes of {}", segment->log_path());
    }
    if (segment_recovery.truncated || segment_recovery.indexes_rebuilt) recovery->segments.push_back(segment_recovery);
    segments_[segment->base_offset()] = segment;
  }

  log_end_offset_ = active_locked()->next_offset();
  log_start_offset_ = std::max(persisted_start.value_or(0), segments_.begin()->second->base_offset());
  if (log_start_offset_ > log_end_offset_) {
    spdlog::warn("{}: log start offset {} is past the recovered end {}; starting at the end", dir_,
                 log_start_offset_, log_end_offset_);
    log_start_offset_ = log_end_offset_;
  }
  flushed_offset_ = log_end_offset_;
  last_flush_ms_ = now;
  recovery->log_start_offset = Offset(log_start_offset_);
  recovery->log_end_offset = Offset(log_end_offset_);
  return Status::ok();
}

Result<AppendResult> PartitionLog::append(std::string_view batch, Durability durability, OffsetGaps gaps) {
  LOCH_ASSIGN_OR_RETURN(RecordBatchHeader header, validate_record_batch(batch));
  // A producer's batch numbers its records 0..n-1 (Kafka's LogValidator
  // refuses anything else); without this a client could make the log skip
  // up to 2^31 offsets. Batches rewritten by compaction may have gaps, but
  // those never come through append; batches rebuilt by the data contract
  // do (OffsetGaps::kAllowed), within the range the producer's batch had.
  bool counts_agree = gaps == OffsetGaps::kAllowed
                          ? header.records_count >= 0 && header.records_count <= header.last_offset_delta + 1
                          : header.records_count >= 1 && header.last_offset_delta == header.records_count - 1;
  if (!counts_agree) {
    return Status::corruption(fmt::format("record batch with {} records and lastOffsetDelta {}",
                                          header.records_count, header.last_offset_delta));
  }
  AppendResult result;
  FlushPolicy policy;
  int64_t last_offset_plus_one;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return Status::aborted(dir_ + ": the log is closed");
    LOCH_RETURN_IF_ERROR(check_batch_size(batch.size(), config_.max_message_bytes));
    int64_t last_offset = log_end_offset_ + header.last_offset_delta;
    std::shared_ptr<Segment> active = active_locked();
    if (!active->empty() &&
        (active->size() + batch.size() > static_cast<uint64_t>(config_.segment_bytes) ||
         clock_() - active->rolling_timestamp_ms() >= config_.segment_ms || !active->can_hold(batch.size(), last_offset))) {
      LOCH_RETURN_IF_ERROR(roll_locked());
      active = active_locked();
    }
    header.base_offset = log_end_offset_;
    LOCH_RETURN_IF_ERROR(active->append(batch, header));
    log_end_offset_ = last_offset + 1;
    result.base_offset = Offset(header.base_offset);
    result.last_offset = Offset(last_offset);
    result.log_start_offset = Offset(log_start_offset_);
    policy = config_.flush_policy;
    last_offset_plus_one = log_end_offset_;
  }
  if (durability == Durability::kSyncBeforeReturn && policy == FlushPolicy::kEveryBatch) {
    LOCH_RETURN_IF_ERROR(flush_through(last_offset_plus_one));
  }
  return result;
}

Status PartitionLog::flush_through(int64_t offset) {
  std::lock_guard flush_lock(flush_mutex_);
  // Group commit: a flush that another append made meanwhile may cover us.
  if (flushed_offset_.load() >= offset) return Status::ok();
  std::shared_ptr<Segment> active;
  int64_t end;
  {
    std::lock_guard lock(mutex_);
    active = active_locked();
    end = log_end_offset_;
  }
  // acks=all: the producer's acknowledgement of every batch below `end` is
  // sent only after this fdatasync returns. Segments older than `active`
  // were fsynced when they were rolled, so this one call covers them all.
  LOCH_RETURN_IF_ERROR(active->flush());
  raise_to(flushed_offset_, end);
  last_flush_ms_ = clock_();
  return Status::ok();
}

Status PartitionLog::flush() {
  int64_t end;
  {
    std::lock_guard lock(mutex_);
    end = log_end_offset_;
  }
  return flush_through(end);
}

FlushPolicy PartitionLog::flush_policy() const {
  std::lock_guard lock(mutex_);
  return config_.flush_policy;
}

Status PartitionLog::flush_if_due() {
  int64_t flush_ms;
  {
    std::lock_guard lock(mutex_);
    if (flushed_offset_.load() >= log_end_offset_) return Status::ok();
    flush_ms = config_.flush_ms;
  }
  if (clock_() - last_flush_ms_.load() < flush_ms) return Status::ok();
  return flush();
}

Status PartitionLog::roll_locked() {
  std::shared_ptr<Segment> old = active_locked();
  // Recovery validates only the newest segment, so every older one must be
  // wholly on disk before a newer one exists.
  LOCH_RETURN_IF_ERROR(old->flush());
  raise_to(flushed_offset_, old->next_offset());
  LOCH_ASSIGN_OR_RETURN(auto segment, Segment::create(dir_, log_end_offset_, config_.index_interval_bytes, clock_()));
  segments_[segment->base_offset()] = segment;
  return Status::ok();
}

Result<PartitionLog::ReadSpan> PartitionLog::read_span(int64_t offset) const {
  ReadSpan span;
  std::vector<ReadSpan::Part> parts;
  {
    std::lock_guard lock(mutex_);
    span.high_watermark = Offset(log_end_offset_);
    span.log_start_offset = Offset(log_start_offset_);
    if (offset < log_start_offset_ || offset > log_end_offset_) {
      return Status::not_found(fmt::format("{}: offset {} is out of range [{}, {}]", dir_, offset, log_start_offset_,
                                           log_end_offset_));
    }
    if (offset == log_end_offset_) return span;
    auto it = segments_.upper_bound(offset);
    if (it != segments_.begin()) --it;
    for (bool first = true; it != segments_.end(); ++it, first = false) {
      parts.push_back({it->second, first ? it->second->position_for_offset(offset) : 0, it->second->size()});
    }
  }
  for (size_t i = 0; i < parts.size(); ++i) {
    LOCH_ASSIGN_OR_RETURN(span.first, parts[i].segment->find_batch(parts[i].start, parts[i].limit, offset));
    if (!span.first) continue;  // the offset is in a gap left by compaction
    parts[i].start = span.first->position;
    span.parts.assign(parts.begin() + static_cast<std::ptrdiff_t>(i), parts.end());
    break;
  }
  return span;
}

Result<ReadResult> PartitionLog::read(Offset requested, size_t max_bytes) const {
  LOCH_ASSIGN_OR_RETURN(ReadSpan span, read_span(requested.value()));
  ReadResult result;
  result.high_watermark = span.high_watermark;
  result.log_start_offset = span.log_start_offset;
  for (const ReadSpan::Part& part : span.parts) {
    const uint64_t start = part.start;
    // One pread of up to the remaining budget; whole batches are then kept
    // by walking their headers in memory, so a fetch costs one system call
    // per segment, not one per batch.
    const bool have_one = !result.bytes.empty();
    const size_t budget = max_bytes > result.bytes.size() ? max_bytes - result.bytes.size() : 0;
    const size_t base = result.bytes.size();
    size_t want = have_one ? budget : std::max(budget, RecordBatchHeader::kSize);
    want = static_cast<size_t>(std::min<uint64_t>(want, part.limit - start));
    LOCH_RETURN_IF_ERROR(part.segment->read(start, want, result.bytes));
    size_t keep = 0;
    bool budget_spent = false;
    while (start + keep < part.limit) {
      if (keep + RecordBatchHeader::kSize > want) {
        budget_spent = true;
        break;
      }
      LOCH_ASSIGN_OR_RETURN(RecordBatchHeader header,
                            RecordBatchHeader::parse(std::string_view(result.bytes).substr(base + keep)));
      size_t total = header.total_size();
      if (header.batch_length < 0 || start + keep + total > part.limit) {
        return Status::corruption(fmt::format("{}: batch at byte {} runs past the segment's end",
                                              part.segment->log_path(), start + keep));
      }
      if (keep + total > want) {
        if (!have_one && keep == 0) {
          // The first batch is larger than max_bytes: it is returned whole.
          LOCH_RETURN_IF_ERROR(part.segment->read(start + want, total - want, result.bytes));
          want = total;
          keep = total;
        }
        budget_spent = true;
        break;
      }
      keep += total;
    }
    result.bytes.resize(base + keep);
    if (budget_spent) break;
  }
  return result;
}

namespace {

// Whole batches from `from` (a batch start) that end at or before `cut`
// (below `limit`, the segment's size): where the last of them ends. Reads
// the headers in one pread when the span is small (the usual case: `from` is
// the last indexed batch start before the cut, at most index.interval.bytes
// and one batch away), else one pread per header.
Result<uint64_t> last_batch_end_before(const Segment& segment, uint64_t from, uint64_t cut, uint64_t limit) {
  constexpr uint64_t kOneReadSpan = 64 * 1024;
  uint64_t end = from;
  if (cut - from <= kOneReadSpan) {
    std::string bytes;
    LOCH_RETURN_IF_ERROR(segment.read(from, cut - from, bytes));
    while (bytes.size() - (end - from) >= RecordBatchHeader::kSize) {
      LOCH_ASSIGN_OR_RETURN(RecordBatchHeader header, RecordBatchHeader::parse(std::string_view(bytes).substr(end - from)));
      if (header.batch_length < 0 || header.total_size() > cut - end) break;
      end += header.total_size();
    }
    return end;
  }
  // Scanned up to the segment's end: the batch that crosses the cut is whole there.
  LOCH_RETURN_IF_ERROR(segment.scan(from, limit, [&](const BatchLocation& at) {
    if (at.header.total_size() > cut - at.position) return false;
    end = at.position + at.header.total_size();
    return true;
  }));
  return end;
}

}  // namespace

Status ReadPlan::read_into(char* out) const {
  for (const Piece& piece : pieces) {
    LOCH_RETURN_IF_ERROR(piece.segment->read_into(piece.position, piece.size, out));
    out += piece.size;
  }
  return Status::ok();
}

Result<ReadPlan> PartitionLog::plan_read(Offset requested, size_t max_bytes) const {
  const int64_t offset = requested.value();
  LOCH_ASSIGN_OR_RETURN(ReadSpan span, read_span(offset));
  ReadPlan plan;
  plan.high_watermark = span.high_watermark;
  plan.log_start_offset = span.log_start_offset;
  for (size_t i = 0; i < span.parts.size(); ++i) {
    const ReadSpan::Part& part = span.parts[i];
    const uint64_t start = part.start;
    std::optional<BatchLocation> first;
    if (i == 0) first = span.first;
    if (start >= part.limit) continue;
    const size_t budget = max_bytes > plan.size ? max_bytes - plan.size : 0;
    if (part.limit - start <= budget) {  // the rest of the segment fits: it ends with a whole batch
      plan.pieces.push_back({part.segment, start, static_cast<size_t>(part.limit - start)});
      plan.size += part.limit - start;
      continue;
    }
    const uint64_t cut = start + budget;
    uint64_t indexed;
    {
      std::lock_guard lock(mutex_);  // the index grows with appends
      indexed = std::max(start, part.segment->indexed_batch_start_at_or_before(cut));
    }
    LOCH_ASSIGN_OR_RETURN(uint64_t end, last_batch_end_before(*part.segment, indexed, cut, part.limit));
    if (end == start && plan.size == 0) {
      // The first batch is larger than max_bytes: it is returned whole.
      if (!first) {
        LOCH_ASSIGN_OR_RETURN(first, part.segment->find_batch(start, part.limit, offset));
      }
      if (first->header.total_size() > part.limit - start) {
        return Status::corruption(fmt::format("{}: batch at byte {} runs past the segment's end",
                                              part.segment->log_path(), start));
      }
      end = start + first->header.total_size();
    }
    if (end > start) {
      plan.pieces.push_back({part.segment, start, static_cast<size_t>(end - start)});
      plan.size += end - start;
    }
    break;
  }
  return plan;
}

Result<std::optional<TimestampOffset>> PartitionLog::offset_for_timestamp(int64_t timestamp) const {
  struct Part {
    std::shared_ptr<Segment> segment;
    uint64_t start;
    uint64_t limit;
  };
  std::vector<Part> parts;
  int64_t log_start;
  {
    std::lock_guard lock(mutex_);
    log_start = log_start_offset_;
    for (const auto& [base, segment] : segments_) {
      if (segment->max_timestamp() < timestamp || segment->next_offset() <= log_start) continue;
      parts.push_back({segment, segment->position_for_timestamp(timestamp), segment->size()});
    }
  }
  for (const Part& part : parts) {
    std::optional<BatchLocation> match;
    LOCH_RETURN_IF_ERROR(part.segment->scan(part.start, part.limit, [&](const BatchLocation& at) {
      if (at.header.max_timestamp < timestamp || at.header.last_offset() < log_start) return true;
      match = at;
      return false;
    }));
    if (!match) continue;
    const RecordBatchHeader& h = match->header;
    if ((h.is_compressed() && !decompress_) || (h.attributes & RecordBatchHeader::kTimestampTypeLogAppend)) {
      return std::optional<TimestampOffset>(TimestampOffset{Offset(std::max(h.base_offset, log_start)), h.max_timestamp});
    }
    std::string bytes;
    LOCH_RETURN_IF_ERROR(part.segment->read(match->position, h.total_size(), bytes));
    LOCH_ASSIGN_OR_RETURN(auto records, decode_records(bytes, decompress_));
    for (const Record& r : records) {
      int64_t offset = h.base_offset + r.offset_delta;
      int64_t record_time = h.base_timestamp + r.timestamp_delta;
      if (offset >= log_start && record_time >= timestamp) {
        return std::optional<TimestampOffset>(TimestampOffset{Offset(offset), record_time});
      }
    }
    // maxTimestamp promised a record this late; none was: trust the header.
    return std::optional<TimestampOffset>(TimestampOffset{Offset(std::max(h.base_offset, log_start)), h.max_timestamp});
  }
  return std::optional<TimestampOffset>();
}

Status PartitionLog::visit_batch_headers(Offset from, const std::function<bool(const RecordBatchHeader&)>& visit) const {
  std::vector<std::pair<std::shared_ptr<Segment>, uint64_t>> parts;  // segment, size
  uint64_t first_position = 0;
  {
    std::lock_guard lock(mutex_);
    auto it = segments_.upper_bound(from.value());
    if (it != segments_.begin()) --it;
    first_position = it->second->position_for_offset(from.value());
    for (; it != segments_.end(); ++it) parts.emplace_back(it->second, it->second->size());
  }
  bool go_on = true;
  for (size_t i = 0; i < parts.size() && go_on; ++i) {
    LOCH_RETURN_IF_ERROR(parts[i].first->scan(i == 0 ? first_position : 0, parts[i].second,
                                              [&](const BatchLocation& at) {
                                                if (at.header.last_offset() < from.value()) return true;
                                                go_on = visit(at.header);
                                                return go_on;
                                              }));
  }
  return Status::ok();
}

Offset PartitionLog::log_start_offset() const {
  std::lock_guard lock(mutex_);
  return Offset(log_start_offset_);
}

Offset PartitionLog::log_end_offset() const {
  std::lock_guard lock(mutex_);
  return Offset(log_end_offset_);
}

uint64_t PartitionLog::size_bytes() const {
  std::lock_guard lock(mutex_);
  uint64_t total = 0;
  for (const auto& [base, segment] : segments_) total += segment->size();
  return total;
}

int PartitionLog::segment_count() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(segments_.size());
}

Status PartitionLog::persist_log_start_offset(int64_t offset) {
  char bytes[12];
  put_be64(bytes, static_cast<uint64_t>(offset));
  put_be32(bytes + 8, crc32c(bytes, 8));
  return write_file_atomically(dir_ + "/" + kLogStartOffsetFile, std::string_view(bytes, sizeof(bytes)));
}

Status PartitionLog::delete_segment_locked(int64_t base_offset, RetentionResult& result) {
  auto it = segments_.find(base_offset);
  std::shared_ptr<Segment> segment = it->second;
  segments_.erase(it);
  // Readers holding the Segment keep their descriptor; the bytes go when
  // the last of them lets go.
  LOCH_RETURN_IF_ERROR(segment->delete_files());
  ++result.segments_deleted;
  result.bytes_deleted += segment->size();
  log_start_offset_ = std::max(log_start_offset_, segments_.begin()->second->base_offset());
  return Status::ok();
}

Result<Offset> PartitionLog::delete_records_before(Offset requested) {
  int64_t offset = requested.value();
  std::lock_guard lock(mutex_);
  if (offset == -1) offset = log_end_offset_;
  if (offset < 0 || offset > log_end_offset_) {
    return Status::not_found(
        fmt::format("{}: cannot delete records before offset {}: the high watermark is {}", dir_, offset, log_end_offset_));
  }
  if (offset <= log_start_offset_) return Offset(log_start_offset_);
  LOCH_RETURN_IF_ERROR(persist_log_start_offset(offset));
  log_start_offset_ = offset;
  RetentionResult ignored;
  while (segments_.size() > 1 && segments_.begin()->second->next_offset() <= log_start_offset_) {
    LOCH_RETURN_IF_ERROR(delete_segment_locked(segments_.begin()->first, ignored));
  }
  return Offset(log_start_offset_);
}

Result<RetentionResult> PartitionLog::enforce_retention() {
  std::lock_guard lock(mutex_);
  RetentionResult result;
  int64_t now = clock_();
  if (config_.cleanup_delete && config_.retention_ms >= 0) {
    while (true) {
      std::shared_ptr<Segment> oldest = segments_.begin()->second;
      // A segment expires when its newest record does (Kafka's rule); a
      // segment without timestamps (-1) never expires by time.
      if (oldest->empty() || oldest->max_timestamp() < 0 || oldest->max_timestamp() >= now - config_.retention_ms) {
        break;
      }
      if (oldest == active_locked()) LOCH_RETURN_IF_ERROR(roll_locked());
      LOCH_RETURN_IF_ERROR(delete_segment_locked(oldest->base_offset(), result));
    }
  }
  if (config_.cleanup_delete && config_.retention_bytes >= 0) {
    uint64_t total = 0;
    for (const auto& [base, segment] : segments_) total += segment->size();
    while (segments_.size() > 1) {
      std::shared_ptr<Segment> oldest = segments_.begin()->second;
      if (total - oldest->size() < static_cast<uint64_t>(config_.retention_bytes)) break;
      total -= oldest->size();
      LOCH_RETURN_IF_ERROR(delete_segment_locked(oldest->base_offset(), result));
    }
  }
  while (segments_.size() > 1 && segments_.begin()->second->next_offset() <= log_start_offset_) {
    LOCH_RETURN_IF_ERROR(delete_segment_locked(segments_.begin()->first, result));
  }
  result.log_start_offset = Offset(log_start_offset_);
  return result;
}

Result<CompactionResult> PartitionLog::compact() {
  std::lock_guard compaction_lock(compaction_mutex_);
  struct Part {
    std::shared_ptr<Segment> segment;
    uint64_t limit;
  };
  std::vector<Part> parts;
  int64_t tombstone_horizon;
  {
    std::lock_guard lock(mutex_);
    if (!config_.cleanup_compact || closed_) return CompactionResult{};
    tombstone_horizon = clock_() - config_.delete_retention_ms;
    std::shared_ptr<Segment> active = active_locked();
    for (const auto& [base, segment] : segments_) {
      if (segment != active) parts.push_back({segment, segment->size()});
    }
  }
  CompactionResult result;
  LatestOffsetByKey latest;
  for (const Part& part : parts) {
    LOCH_RETURN_IF_ERROR(collect_latest_offsets(*part.segment, part.limit, decompress_, latest));
  }
  for (const Part& part : parts) {
    std::string cleaned_path = part.segment->log_path() + ".cleaned";
    LOCH_ASSIGN_OR_RETURN(CleanedSegment cleaned,
                          clean_segment(*part.segment, part.limit, latest, tombstone_horizon, decompress_, cleaned_path));
    result.batches_not_compacted += cleaned.batches_not_compacted;
    result.bytes_before += cleaned.bytes_before;
    result.bytes_after += cleaned.changed ? cleaned.bytes_after : cleaned.bytes_before;
    if (!cleaned.changed) continue;
    std::lock_guard lock(mutex_);
    auto it = segments_.find(part.segment->base_offset());
    if (it == segments_.end() || it->second != part.segment) {
      // Retention or DeleteRecords removed it meanwhile.
      ::unlink(cleaned_path.c_str());
      continue;
    }
    // Swap order (doc/kafka-log-format.md, "Compaction"): the indexes go
    // first, so a crash at any point leaves a segment whose indexes are
    // rebuilt on open, then the rename replaces the data atomically.
    ::unlink(part.segment->index_path().c_str());
    ::unlink(part.segment->time_index_path().c_str());
    if (::rename(cleaned_path.c_str(), part.segment->log_path().c_str()) != 0) {
      return Status::from_errno("rename " + cleaned_path, errno);
    }
    LOCH_RETURN_IF_ERROR(sync_directory(dir_));
    SegmentRecovery ignored;
    LOCH_ASSIGN_OR_RETURN(auto replacement,
                          Segment::open(dir_, part.segment->base_offset(), config_.index_interval_bytes,
                                        Segment::OpenMode::kValidateWithGaps, clock_(), &ignored));
    it->second = replacement;
    ++result.segments_rewritten;
    result.records_removed += cleaned.records_removed;
    result.tombstones_removed += cleaned.tombstones_removed;
  }
  return result;
}

void PartitionLog::set_config(const LogConfig& config) {
  std::lock_guard lock(mutex_);
  config_ = config;
}

LogConfig PartitionLog::config() const {
  std::lock_guard lock(mutex_);
  return config_;
}

Status PartitionLog::close() {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return Status::ok();
  }
  Status status = flush();
  std::lock_guard lock(mutex_);
  closed_ = true;
  return status;
}

}  // namespace loch::kafka
