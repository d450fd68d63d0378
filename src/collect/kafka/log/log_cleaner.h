// Log compaction of one segment (cleanup.policy=compact): the record-level
// rewrite that PartitionLog::compact runs on every segment but the active
// one. Offsets are preserved: a rewritten batch keeps its baseOffset,
// lastOffsetDelta, timestamps and producer fields, and its kept records keep
// their offsetDelta, so consumers see gaps, never renumbered records.
//
// Compressed batches are decompressed with the Decompressor the broker
// gives (the protocol library's codecs) and, when records are dropped,
// rewritten uncompressed. Copied whole: compressed batches when no
// Decompressor is given or it fails on them (their records are kept and
// their keys do not supersede older ones), transactional batches and control
// batches (their meaning depends on transaction markers; exactly-once is
// part 2 of the broker).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "collect/kafka/log/record.h"
#include "collect/kafka/log/segment.h"
#include "common/result.h"

namespace loch::kafka {

// Key -> offset of the newest record with that key (null keys are not
// tracked and their records are always kept).
using LatestOffsetByKey = std::unordered_map<std::string, int64_t>;

// Adds the keys of the segment's bytes below `limit` to `latest`; segments
// must be given oldest first.
Status collect_latest_offsets(const Segment& segment, uint64_t limit, const Decompressor& decompress,
                              LatestOffsetByKey& latest);

struct CleanedSegment {
  bool changed = false;  // false: nothing to drop; no file was written
  int64_t records_removed = 0;
  int64_t tombstones_removed = 0;
  int64_t batches_not_compacted = 0;
  uint64_t bytes_before = 0;
  uint64_t bytes_after = 0;
};

// Writes the compacted copy of the segment's bytes below `limit` to
// `output_path` (fsynced) when anything is to be dropped: records whose key
// has a newer record in `latest`, and tombstones (null values) whose
// timestamp is older than `tombstone_horizon_ms`. Batches left empty are
// dropped.
Result<CleanedSegment> clean_segment(const Segment& segment, uint64_t limit, const LatestOffsetByKey& latest,
                                     int64_t tombstone_horizon_ms, const Decompressor& decompress,
                                     const std::string& output_path);

}  // namespace loch::kafka
