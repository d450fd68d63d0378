#include "collect/kafka/log/log_cleaner.h"

#include <fcntl.h>
#include <unistd.h>

#include <vector>

#include "collect/kafka/log/record.h"

namespace loch::kafka {
namespace {

// The records of a batch the cleaner may rewrite; nullopt for batches it
// copies whole: transactional and control batches, and compressed ones it
// cannot decompress (no decompressor, or the codec failed on them).
Result<std::optional<std::vector<Record>>> rewritable_records(const RecordBatchHeader& h, std::string_view bytes,
                                                              const Decompressor& decompress) {
  using Records = std::optional<std::vector<Record>>;
  if (h.is_transactional() || h.is_control()) return Records();
  if (h.is_compressed() && !decompress) return Records();
  auto records = decode_records(bytes, decompress);
  if (!records.is_ok()) {
    if (h.is_compressed()) return Records();
    return records.status();
  }
  return Records(std::move(records).value());
}

int64_t record_timestamp(const RecordBatchHeader& h, const Record& r) {
  if (h.attributes & RecordBatchHeader::kTimestampTypeLogAppend) return h.max_timestamp;
  return h.base_timestamp + r.timestamp_delta;
}

// Calls `visit(header, bytes)` for every whole batch below `limit`.
template <typename Visit>
Status for_each_batch(const Segment& segment, uint64_t limit, Visit visit) {
  std::vector<BatchLocation> locations;
  LOCH_RETURN_IF_ERROR(segment.scan(0, limit, [&](const BatchLocation& at) {
    locations.push_back(at);
    return true;
  }));
  std::string bytes;
  for (const BatchLocation& at : locations) {
    bytes.clear();
    LOCH_RETURN_IF_ERROR(segment.read(at.position, at.header.total_size(), bytes));
    LOCH_RETURN_IF_ERROR(visit(at.header, bytes));
  }
  return Status::ok();
}

}  // namespace

Status collect_latest_offsets(const Segment& segment, uint64_t limit, const Decompressor& decompress,
                              LatestOffsetByKey& latest) {
  return for_each_batch(segment, limit, [&](const RecordBatchHeader& h, const std::string& bytes) -> Status {
    LOCH_ASSIGN_OR_RETURN(auto records, rewritable_records(h, bytes, decompress));
    if (!records) return Status::ok();
    for (const Record& r : *records) {
      if (r.key) latest[*r.key] = h.base_offset + r.offset_delta;
    }
    return Status::ok();
  });
}

Result<CleanedSegment> clean_segment(const Segment& segment, uint64_t limit, const LatestOffsetByKey& latest,
                                     int64_t tombstone_horizon_ms, const Decompressor& decompress,
                                     const std::string& output_path) {
  CleanedSegment result;
  result.bytes_before = limit;
  std::string output;
  Status status = for_each_batch(segment, limit, [&](const RecordBatchHeader& h, const std::string& bytes) -> Status {
    LOCH_ASSIGN_OR_RETURN(auto decoded, rewritable_records(h, bytes, decompress));
    if (!decoded) {
      ++result.batches_not_compacted;
      output += bytes;
      return Status::ok();
    }
    std::vector<Record>& records = *decoded;
    std::vector<Record> kept;
    for (Record& r : records) {
      int64_t offset = h.base_offset + r.offset_delta;
      bool superseded = r.key && latest.count(*r.key) != 0 && latest.at(*r.key) != offset;
      bool expired_tombstone = !r.value && record_timestamp(h, r) < tombstone_horizon_ms;
      if (superseded || expired_tombstone) {
        ++result.records_removed;
        if (!r.value) ++result.tombstones_removed;
        continue;
      }
      kept.push_back(std::move(r));
    }
    if (kept.size() == records.size()) {
      output += bytes;
    } else if (!kept.empty()) {
      // Written uncompressed: the log has no compressors (nor needs them:
      // compaction already removed what made the batch large).
      output += encode_record_batch(h, kept);
    }
    return Status::ok();
  });
  LOCH_RETURN_IF_ERROR(status);
  result.bytes_after = output.size();
  result.changed = result.records_removed > 0;
  if (!result.changed) return result;
  LOCH_ASSIGN_OR_RETURN(UniqueFd fd, open_file(output_path, O_WRONLY | O_CREAT | O_TRUNC));
  LOCH_RETURN_IF_ERROR(pwrite_all(fd.get(), output, 0, output_path));
  // The cleaned file replaces the segment by rename: its bytes must be on
  // disk first, or a crash could leave a renamed but empty segment.
  LOCH_RETURN_IF_ERROR(sync_data(fd.get(), output_path));
  return result;
}

}  // namespace loch::kafka
