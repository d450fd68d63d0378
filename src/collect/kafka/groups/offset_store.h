// OffsetStore: where the group coordinator keeps committed offsets and group
// metadata, as key/value records of the __consumer_offsets layouts
// (consumer_offsets_records.h, doc/kafka-consumer-offsets.md).
//
// The broker backs it with the compacted __consumer_offsets topic (partition
// consumer_offsets_partition(group_id, n)); tests use InMemoryOffsetStore. A
// record with no value is a tombstone: the key's offset or group is gone.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace loch::kafka::groups {

struct OffsetsRecord {
  std::string group_id;              // which group the key belongs to (picks the partition)
  std::string key;                   // an encoded OffsetCommitKey or GroupMetadataKey
  std::optional<std::string> value;  // nullopt: tombstone
  friend bool operator==(const OffsetsRecord&, const OffsetsRecord&) = default;
};

class OffsetStore {
 public:
  virtual ~OffsetStore() = default;

  // Stores `records` in order. The coordinator acknowledges a commit only
  // after this returns ok, so an implementation returns once the records are
  // as durable as the broker promises acknowledged data to be. Called with
  // the coordinator's mutex held: it must not call back into the coordinator.
  virtual Status append(const std::vector<OffsetsRecord>& records) = 0;

  // Calls `visit` for every stored record, oldest first, stopping at the
  // first error. Compaction may have dropped records that later ones
  // overwrite; the replay's result is the same.
  virtual Status replay(const std::function<Status(const OffsetsRecord&)>& visit) = 0;
};

// Keeps every record in memory, in order, for tests.
class InMemoryOffsetStore final : public OffsetStore {
 public:
  Status append(const std::vector<OffsetsRecord>& records) override;
  Status replay(const std::function<Status(const OffsetsRecord&)>& visit) override;

  // Every later append fails with `status` (ok: appends work again).
  void fail_appends_with(Status status);
  std::vector<OffsetsRecord> records() const;

 private:
  mutable std::mutex mutex_;
  std::vector<OffsetsRecord> records_;  // guarded by mutex_
  Status append_failure_;               // guarded by mutex_
};

}  // namespace loch::kafka::groups
