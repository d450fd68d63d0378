// Event-time watermarks over the partitions of a source.
//
// Each partition's watermark is its maximum event time minus the allowed
// lateness; the source's watermark is the minimum over the partitions that
// are not idle, so one slow partition holds everything back until it has been
// idle (no events) for longer than `idle_timeout_ms` of processing time. When
// every partition is idle the watermark follows the most advanced one. The
// watermark never goes back.
//
// Processing time is passed in (on_event, on_processing_time), never read
// from the clock, so that a replay with the same inputs gives the same
// watermarks. Not thread-safe: one pipeline thread owns it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"
#include "process/pipeline/event.h"

namespace loch::pipeline {

struct WatermarkOptions {
  TimestampMs allowed_lateness_ms = 0;
  // 0: a partition never counts as idle.
  TimestampMs idle_timeout_ms = 0;
};

class WatermarkTracker {
 public:
  explicit WatermarkTracker(WatermarkOptions options) : options_(options) {}

  // A partition the source reads: it holds the watermark back from now on,
  // even before its first event (until it is idle).
  void add_partition(const SourcePartition& partition, TimestampMs now_ms);

  // An event was read at processing time `now_ms`. Returns true when the
  // watermark moved.
  bool on_event(const SourcePartition& partition, TimestampMs event_time_ms, TimestampMs now_ms);

  // Processing time passed without events: idle partitions may release the
  // watermark. Returns true when the watermark moved.
  bool on_processing_time(TimestampMs now_ms);

  // kNoTimestamp before any partition has an event.
  TimestampMs watermark() const { return watermark_; }

  // The partition currently holding the watermark back (for late-event
  // reasons and metrics); nullptr when none.
  const SourcePartition* slowest_partition() const;

  const WatermarkOptions& options() const { return options_; }

  // State for checkpoints (doc/pipelines.md, "Entry format", prefix 'm').
  void save(std::vector<std::pair<std::string, std::string>>& entries) const;
  Status load_entry(std::string_view key, std::string_view value);

 private:
  struct PartitionState {
    TimestampMs max_event_time_ms = kNoTimestamp;
    TimestampMs last_active_ms = 0;  // processing time of the last event (or of add_partition)
  };

  bool recompute(TimestampMs now_ms);
  bool is_idle(const PartitionState& state, TimestampMs now_ms) const;

  WatermarkOptions options_;
  std::map<SourcePartition, PartitionState> partitions_;
  TimestampMs watermark_ = kNoTimestamp;
  TimestampMs last_now_ms_ = 0;
};

}  // namespace loch::pipeline
