// What the event-time engine sees of one input record: where it came from,
// its event time, the group-by key and the inputs of each aggregation. The
// raw record stays with the caller, who routes it by the engine's verdict
// (accepted, late, duplicate); doc/pipelines.md describes the semantics.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace loch::pipeline {

// Event times and processing times are milliseconds since the Unix epoch.
using TimestampMs = int64_t;
// "No event yet": the watermark before any event, and a partition's maximum
// event time before its first event.
inline constexpr TimestampMs kNoTimestamp = std::numeric_limits<int64_t>::min();

// `ms` as ISO 8601 UTC to the millisecond: 2026-01-01T00:03:10.250Z.
std::string iso_time(TimestampMs ms);

// One source partition (a Kafka topic partition). Watermarks are tracked per
// partition and combined as the minimum over the partitions.
struct SourcePartition {
  std::string topic;
  int32_t partition = 0;
  friend bool operator==(const SourcePartition&, const SourcePartition&) = default;
  friend auto operator<=>(const SourcePartition&, const SourcePartition&) = default;
};

// "topic/partition", as messages name a partition.
std::string partition_name(const SourcePartition& partition);

// The input of one aggregation for one event. `number` feeds sum, min, max
// and avg; `distinct_hash` feeds count_distinct (use stable_hash() of the
// value's canonical text). A null input is skipped by every aggregation but
// count(*).
struct AggregateInput {
  double number = 0;
  uint64_t distinct_hash = 0;
  bool is_null = false;
};

struct Event {
  SourcePartition source;
  TimestampMs event_time_ms = 0;
  std::string key;            // the group-by key, already encoded by the caller
  std::string dedup_id;       // empty: not deduplicated
  std::vector<AggregateInput> inputs;  // one per aggregation in the spec
};

// FNV-1a 64 followed by a 64-bit mix (finalizer of SplitMix64): stable across
// processes and builds, so hashes can be kept in checkpointed state.
uint64_t stable_hash(std::string_view bytes);

}  // namespace loch::pipeline
