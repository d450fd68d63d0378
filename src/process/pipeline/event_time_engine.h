// The event-time stage of a pipeline: watermarks, late events, deduplication
// and windowed aggregation, with checkpoint and restore by Delta version.
//
// For each event, in order:
//   1. late:      its event time is before the current watermark (which is
//                 max event time - allowed lateness, see WatermarkTracker).
//                 It is returned as kLate with the reason and the watermark;
//                 the caller writes it to `<table>_late`, never drops it.
//   2. duplicate: its dedup id was seen within the TTL (Deduplicator).
//   3. accepted:  it goes into its windows; then the watermark advances with
//                 it, closing the windows it has passed.
// Because every decision depends only on the order of events and on the
// processing times passed in, restoring checkpoint N and replaying the
// events that followed it gives the same verdicts and results.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "process/pipeline/deduplicator.h"
#include "process/pipeline/state_store.h"
#include "process/pipeline/watermark_tracker.h"
#include "process/pipeline/windowed_aggregation.h"

namespace loch::pipeline {

struct EventTimeSpec {
  WatermarkOptions watermark;
  std::optional<TimestampMs> dedup_ttl_ms;            // no value: no deduplication
  std::optional<WindowedAggregationSpec> aggregation;  // no value: events pass through

  Status validate() const;
  std::string describe() const;
};

// What the last checkpoint wrote (for tests and metrics).
struct CheckpointWrite {
  bool whole = false;  // the whole state, not a delta
  size_t puts = 0;
  size_t deletes = 0;
};

enum class Verdict { kAccepted, kLate, kDuplicate };

struct EventOutcome {
  Verdict verdict = Verdict::kAccepted;
  TimestampMs watermark_ms = kNoTimestamp;  // the watermark when the event was judged
  std::string reason;                       // empty when accepted
};

class EventTimeEngine {
 public:
  static Result<EventTimeEngine> create(EventTimeSpec spec);

  void add_partition(const SourcePartition& partition, TimestampMs now_ms);
  EventOutcome process(const Event& event, TimestampMs now_ms);
  // Time passed with no events (idle partitions may release the watermark).
  void on_processing_time(TimestampMs now_ms);
  // The end of a micro-batch: updates-mode results are emitted.
  void end_batch();

  std::vector<WindowResult> take_results();
  TimestampMs watermark() const { return watermark_.watermark(); }
  const EventTimeSpec& spec() const { return spec_; }

  // Writes the state as checkpoint `version` (the Delta version the output
  // up to here will be committed with). Only the changes since the previous
  // checkpoint are written when that one went to the same store object;
  // otherwise (the first checkpoint after create or restore, or after a
  // failed one) the whole state, since live/ may hold anything, e.g. the
  // delta of a checkpoint whose commit never happened.
  Status checkpoint(StateStore& store, TableVersion version);
  // The whole state as checkpoint entries, sorted by key: what a restore of
  // the next checkpoint would read.
  StateEntries state_entries() const;
  const CheckpointWrite& last_checkpoint_write() const { return last_write_; }
  // The next checkpoint writes the whole state (as every checkpoint did
  // before deltas; the baseline of bench/state_checkpoint_bench).
  void write_whole_next() { delta_base_store_ = 0; }
  // Replaces the state by checkpoint `version`. Refuses a checkpoint written
  // with another spec (windows, aggregates, dedup TTL), whose state would be
  // misread.
  Status restore(StateStore& store, TableVersion version);

 private:
  explicit EventTimeEngine(EventTimeSpec spec);
  void advance_watermark();
  std::string late_reason(const Event& event) const;

  EventTimeSpec spec_;
  WatermarkTracker watermark_;
  std::optional<Deduplicator> dedup_;
  std::optional<WindowedAggregation> aggregation_;
  // StateStore::id() of the store whose live/ holds the last checkpoint
  // written by this engine; 0: none, write the whole state next.
  uint64_t delta_base_store_ = 0;
  CheckpointWrite last_write_;
};

}  // namespace loch::pipeline
