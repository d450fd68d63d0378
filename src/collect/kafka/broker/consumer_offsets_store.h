// ConsumerOffsetsStore: the group coordinator's OffsetStore on the broker's
// own compacted topic __consumer_offsets (doc/kafka-consumer-offsets.md), so
// committed offsets and group membership survive a restart and are compacted
// like any other compacted topic by LogManager::run_maintenance.
//
// The topic is created on first start with cleanup.policy=compact and
// `partitions` partitions (Kafka's offsets.topic.num.partitions, default 50).
// An existing topic keeps its partition count: a group's records live in
// partition consumer_offsets_partition(group, count), so changing the count
// would strand them.
//
// Threading: append() and replay() may be called from any thread; the
// coordinator serialises them under its own mutex.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "collect/kafka/groups/offset_store.h"
#include "collect/kafka/log/log_manager.h"
#include "common/result.h"

namespace loch::kafka {

inline constexpr const char* kConsumerOffsetsTopic = "__consumer_offsets";
inline constexpr int32_t kDefaultConsumerOffsetsPartitions = 50;

class ConsumerOffsetsStore final : public groups::OffsetStore {
 public:
  // Opens __consumer_offsets in `logs`, creating it when absent.
  static Result<std::unique_ptr<ConsumerOffsetsStore>> open(LogManager& logs, int32_t partitions,
                                                            int64_t (*clock_ms)() = &system_clock_ms);

  // One record batch per partition touched (normally one: a call carries one
  // group's records), appended with Durability::kSyncBeforeReturn: under the
  // every-batch flush policy the records are on disk before the coordinator
  // acknowledges the commit, the same promise as an acks=all produce.
  Status append(const std::vector<groups::OffsetsRecord>& records) override;

  // Reads every partition from its log start to its end, in offset order.
  // Control batches are skipped; a record without a key is corruption.
  Status replay(const std::function<Status(const groups::OffsetsRecord&)>& visit) override;

  int32_t partition_count() const { return partition_count_; }

 private:
  ConsumerOffsetsStore(LogManager& logs, int32_t partitions, int64_t (*clock_ms)())
      : logs_(logs), partition_count_(partitions), clock_ms_(clock_ms) {}
  Status replay_partition(int32_t partition, const std::function<Status(const groups::OffsetsRecord&)>& visit);

  LogManager& logs_;
  const int32_t partition_count_;
  int64_t (*const clock_ms_)();
};

}  // namespace loch::kafka
