// Deduplication by key within a TTL of event time: the first event with a
// given id passes, later ones are duplicates until the watermark is past the
// first one's event time + ttl, when the id is forgotten (its state expires).
// Using event time rather than wall-clock time for the TTL makes a replay
// from a checkpoint decide exactly as the first run did.
#pragma once

#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "common/result.h"
#include "process/pipeline/event.h"
#include "process/pipeline/state_store.h"

namespace loch::pipeline {

class Deduplicator {
 public:
  explicit Deduplicator(TimestampMs ttl_ms) : ttl_ms_(ttl_ms) {}

  // True for the first event with this id within the TTL; false for a duplicate.
  bool first_seen(const std::string& id, TimestampMs event_time_ms);
  // Forgets ids whose first event time + ttl is before `watermark`.
  void on_watermark(TimestampMs watermark);

  size_t remembered() const { return seen_.size(); }
  TimestampMs ttl_ms() const { return ttl_ms_; }

  // State for checkpoints (doc/pipelines.md, "Entry format", prefix 'd').
  void save(std::vector<std::pair<std::string, std::string>>& entries) const;
  // The entries put (ids first seen) and deleted (ids expired) since the
  // previous save_changes or forget_changes.
  void save_changes(StateDelta& delta);
  // The state was written whole: changes so far are in it.
  void forget_changes() { changed_.clear(); }
  Status load_entry(std::string_view key, std::string_view value);
  void clear();

 private:
  TimestampMs ttl_ms_;
  std::unordered_map<std::string, TimestampMs> seen_;  // id -> expiry (event time + ttl)
  std::multimap<TimestampMs, std::string> by_expiry_;
  // Ids added or expired since the last checkpoint: an id in seen_ is put,
  // one not in it any more is deleted.
  std::unordered_set<std::string> changed_;
};

}  // namespace loch::pipeline
