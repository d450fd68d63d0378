// IntervalJoin: the stream-stream interval join of a pipeline (options.join,
// doc/pipelines.md "Stream-stream interval joins"). Rows of the left stream
// (the pipeline's own topics) and of the right stream (join.topic) are
// buffered per join key; a left row at event time t and a right row at s with
// the same key match when lower <= s - t <= upper. Each matched pair is
// emitted once, when its second row arrives (an inner join).
//
// Rows are dropped once the watermark makes a match impossible: the caller
// judges lateness before adding, so every row still to come has an event
// time at or after the watermark W; a left row can then only meet right rows
// at s >= W, so it goes when t + upper < W; a right row when s - lower < W.
//
// The operator stores rows as opaque payloads (the caller's serialized
// records) and is deterministic: the same rows in the same order give the
// same matches, whatever the micro-batches were. Its state is checkpointed
// under the Delta version of the output, like the event-time engine's.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "process/pipeline/event.h"
#include "process/pipeline/state_store.h"

namespace loch::pipeline {

struct IntervalJoinSpec {
  TimestampMs lower_ms = 0;  // right event time - left event time, inclusive bounds
  TimestampMs upper_ms = 0;
  std::string describe() const;  // stored in checkpoints: state of another spec is refused
};

// The payloads given to add(), shared: a row matching many others is one
// string however many matches hold it.
struct JoinMatch {
  std::shared_ptr<const std::string> left;
  std::shared_ptr<const std::string> right;
};

class IntervalJoin {
 public:
  enum class Side { kLeft, kRight };

  explicit IntervalJoin(IntervalJoinSpec spec) : spec_(spec) {}

  // Matches the row against the other side's buffered rows of `key`, then
  // buffers it. `key` must not be empty (a null key matches nothing: the
  // caller does not add it).
  void add(Side side, const std::string& key, TimestampMs event_time_ms, std::string payload);
  // Drops the rows no row at or after `watermark` can match.
  void expire(TimestampMs watermark);

  std::vector<JoinMatch> take_matches() { return std::move(matches_); }
  size_t buffered(Side side) const;
  const IntervalJoinSpec& spec() const { return spec_; }

  StateEntries checkpoint_entries() const;
  // What changed since the last save_changes() or forget_changes(): rows
  // buffered since and still there (puts), rows expired since (deletes),
  // and the spec and sequence entries. On top of the last checkpoint
  // written, it makes the same state as checkpoint_entries().
  void save_changes(StateDelta& delta);
  // The next save_changes() starts from here (after a whole checkpoint).
  void forget_changes();
  // Replaces the state; Corruption for an entry that does not parse,
  // InvalidArgument for a checkpoint of another spec.
  Status restore_entries(const StateEntries& entries);

 private:
  struct Row {
    uint64_t seq = 0;  // arrival order: matches come out in it, and it keeps keys unique
    std::shared_ptr<const std::string> payload;
  };
  // key -> event time -> rows at that time
  using Buffer = std::unordered_map<std::string, std::multimap<TimestampMs, Row>>;

  Buffer& buffer(Side side) { return side == Side::kLeft ? left_ : right_; }
  bool holds(Side side, const std::string& key, TimestampMs time, uint64_t seq) const;

  // A row buffered since the last save_changes().
  struct Added {
    Side side;
    std::string key;
    TimestampMs time;
    uint64_t seq;
    std::shared_ptr<const std::string> payload;
  };

  IntervalJoinSpec spec_;
  Buffer left_;
  Buffer right_;
  uint64_t next_seq_ = 0;
  std::vector<JoinMatch> matches_;
  std::vector<Added> added_;
  std::vector<std::string> expired_;  // entry keys of rows expired since the last save_changes()
};

}  // namespace loch::pipeline
