// What the transaction coordinator does to the rest of the broker: markers
// into partition logs (through the producer state, so the LSO and the
// aborted-transaction index follow), transactional offsets into the group
// coordinator.
#include "collect/kafka/broker/broker.h"

#include <algorithm>
#include <future>
#include <vector>

#include <spdlog/spdlog.h>

namespace loch::kafka {

txn::TransactionEffects make_transaction_effects(Broker& broker) {
  txn::TransactionEffects effects;
  effects.partition_exists = [&broker](const txn::TopicPartition& tp) {
    return broker.logs().partition(tp.topic, PartitionId(tp.partition)) != nullptr;
  };
  effects.append_marker = [&broker](const txn::TopicPartition& tp, int64_t producer_id, int16_t producer_epoch,
                                   txn::ControlType type) -> Status {
    auto log = broker.logs().partition(tp.topic, PartitionId(tp.partition));
    if (!log) return Status::not_found(tp.topic + "-" + std::to_string(tp.partition) + " does not exist");
    auto appended = broker.producer_states().append_marker(tp.topic, tp.partition, log, producer_id, producer_epoch,
                                                           /*coordinator_epoch=*/0, type);
    if (!appended.is_ok()) return appended.status();
    // The LSO moved: wake read_committed fetches waiting for it.
    broker.data_arrived().notify();
    return Status::ok();
  };
  effects.sync_partitions = [&broker](const std::vector<txn::TopicPartition>& partitions) -> Status {
    auto flush = [&broker](const txn::TopicPartition& tp) -> Status {
      auto log = broker.logs().partition(tp.topic, PartitionId(tp.partition));
      if (!log) return Status::not_found(tp.topic + "-" + std::to_string(tp.partition) + " does not exist");
      return log->flush();
    };
    // Up to kParallelFsyncs partitions' fsyncs run at the same time (this
    // thread does one of them): a transaction over a few partitions waits
    // about one fsync, one over hundreds starts no more threads than that.
    constexpr size_t kParallelFsyncs = 8;
    Status result = Status::ok();
    for (size_t start = 0; start < partitions.size(); start += kParallelFsyncs) {
      const size_t end = std::min(partitions.size(), start + kParallelFsyncs);
      std::vector<std::future<Status>> others;
      for (size_t i = start + 1; i < end; ++i) others.push_back(std::async(std::launch::async, flush, partitions[i]));
      Status first = flush(partitions[start]);
      if (result.is_ok() && !first.is_ok()) result = first;
      for (auto& other : others) {
        Status s = other.get();
        if (result.is_ok() && !s.is_ok()) result = s;
      }
    }
    return result;
  };
  effects.commit_offsets = [&broker](const std::string& group,
                                     const std::map<txn::TopicPartition, txn::PendingOffset>& offsets) -> Status {
    auto* coordinator = broker.group_coordinator();
    if (coordinator == nullptr) return Status::not_found("no group coordinator");
    groups::OffsetCommitRequest request;
    request.group_id = group;
    request.from_transaction = true;
    for (const auto& [tp, pending] : offsets) {
      if (request.topics.empty() || request.topics.back().name != tp.topic) request.topics.push_back({tp.topic, {}});
      groups::OffsetCommitPartition partition;
      partition.partition_index = PartitionId(tp.partition);
      partition.committed_offset = Offset(pending.offset);
      partition.committed_leader_epoch = pending.leader_epoch;
      partition.committed_metadata = pending.metadata;
      request.topics.back().partitions.push_back(partition);
    }
    groups::OffsetCommitResult result = coordinator->offset_commit(request);
    for (const auto& topic : result.topics) {
      for (const auto& partition : topic.partitions) {
        if (partition.error != groups::ErrorCode::kNone) {
          return Status::io_error("committing the offset of " + topic.name + "-" +
                                  std::to_string(partition.partition_index.value()) + " for group " + group +
                                  " failed with error " + std::to_string(groups::wire_code(partition.error)));
        }
      }
    }
    return Status::ok();
  };
  return effects;
}

}  // namespace loch::kafka
