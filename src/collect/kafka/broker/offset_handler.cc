// OffsetCommit and OffsetFetch: translation between the generated codec
// structs and the group coordinator's (groups/group_messages.h), with the
// version differences of the two APIs.
#include "collect/kafka/broker/broker.h"
#include "collect/kafka/broker/request_decoding.h"
#include "collect/kafka/protocol/messages/offset_commit_request.h"
#include "collect/kafka/protocol/messages/offset_commit_response.h"
#include "collect/kafka/protocol/messages/offset_fetch_request.h"
#include "collect/kafka/protocol/messages/offset_fetch_response.h"

namespace loch::kafka {
namespace {

using groups::ErrorCode;
using groups::wire_code;

// Fills one OffsetFetch partition of either response layout (v0-7 and v8+
// have the same fields under different struct names).
template <typename Partition>
Partition fetched_partition(const groups::OffsetFetchPartitionResult& in) {
  Partition out;
  out.partition_index = in.partition_index.value();
  out.committed_offset = in.committed_offset.value();
  out.committed_leader_epoch = in.committed_leader_epoch;
  out.metadata = in.metadata;
  out.error_code = wire_code(in.error);
  return out;
}

groups::OffsetFetchResult fetch_group(Broker& broker, groups::OffsetFetchRequest request) {
  if (groups::GroupCoordinator* coordinator = broker.group_coordinator()) return coordinator->offset_fetch(request);
  groups::OffsetFetchResult result;
  result.error = ErrorCode::kCoordinatorNotAvailable;
  return result;
}

template <typename Topics>
std::optional<std::vector<groups::OffsetFetchTopic>> requested_topics(const std::optional<Topics>& topics) {
  if (!topics) return std::nullopt;  // v2+: every partition the group committed
  std::vector<groups::OffsetFetchTopic> out;
  for (const auto& topic : *topics) {
    groups::OffsetFetchTopic wanted;
    wanted.name = topic.name;
    for (int32_t partition : topic.partition_indexes) wanted.partition_indexes.emplace_back(partition);
    out.push_back(std::move(wanted));
  }
  return out;
}

}  // namespace

HandlerReply handle_offset_commit(Broker& broker, const RequestFrame& frame) {
  auto request = decode_body_or_log<OffsetCommitRequest>(frame);
  if (!request) return HandlerReply::close();

  groups::OffsetCommitRequest commit;
  commit.group_id = request->group_id;
  commit.generation_id = request->generation_id_or_member_epoch;
  commit.member_id = request->member_id;
  commit.group_instance_id = request->group_instance_id;
  // retention_time_ms (v2-4) is ignored, as Kafka 2.1+ does (KIP-211): the
  // broker's offsets.retention applies.
  for (const auto& topic : request->topics) {
    groups::OffsetCommitTopic t;
    t.name = topic.name;
    for (const auto& partition : topic.partitions) {
      t.partitions.push_back({.partition_index = PartitionId(partition.partition_index),
                              .committed_offset = Offset(partition.committed_offset),
                              .committed_leader_epoch = partition.committed_leader_epoch,
                              .commit_timestamp_ms = partition.commit_timestamp,
                              .committed_metadata = partition.committed_metadata});
    }
    commit.topics.push_back(std::move(t));
  }

  groups::OffsetCommitResult result;
  if (groups::GroupCoordinator* coordinator = broker.group_coordinator()) {
    result = coordinator->offset_commit(commit);
  } else {
    for (const auto& topic : commit.topics) {
      auto& t = result.topics.emplace_back();
      t.name = topic.name;
      for (const auto& p : topic.partitions) t.partitions.push_back({p.partition_index, ErrorCode::kCoordinatorNotAvailable});
    }
  }

  OffsetCommitResponse response;
  for (const auto& topic : result.topics) {
    OffsetCommitResponse::OffsetCommitResponseTopic t;
    t.name = topic.name;
    for (const auto& partition : topic.partitions) {
      OffsetCommitResponse::OffsetCommitResponsePartition p;
      p.partition_index = partition.partition_index.value();
      p.error_code = wire_code(partition.error);
      t.partitions.push_back(p);
    }
    response.topics.push_back(std::move(t));
  }
  return reply_with(frame, response);
}

HandlerReply handle_offset_fetch(Broker& broker, const RequestFrame& frame) {
  auto request = decode_body_or_log<OffsetFetchRequest>(frame);
  if (!request) return HandlerReply::close();
  const int16_t version = frame.api_version();
  OffsetFetchResponse response;

  if (version >= 8) {
    // KIP-709: several groups, each answered as its own OffsetFetch.
    for (const auto& group : request->groups) {
      groups::OffsetFetchRequest fetch;
      fetch.group_id = group.group_id;
      fetch.topics = requested_topics(group.topics);
      fetch.require_stable = request->require_stable;
      groups::OffsetFetchResult result = fetch_group(broker, std::move(fetch));
      OffsetFetchResponse::OffsetFetchResponseGroup out;
      out.group_id = group.group_id;
      out.error_code = wire_code(result.error);
      for (const auto& topic : result.topics) {
        OffsetFetchResponse::OffsetFetchResponseTopics t;
        t.name = topic.name;
        for (const auto& partition : topic.partitions) {
          t.partitions.push_back(fetched_partition<OffsetFetchResponse::OffsetFetchResponsePartitions>(partition));
        }
        out.topics.push_back(std::move(t));
      }
      response.groups.push_back(std::move(out));
    }
    return reply_with(frame, response);
  }

  groups::OffsetFetchRequest fetch;
  fetch.group_id = request->group_id;
  fetch.topics = requested_topics(request->topics);
  fetch.require_stable = request->require_stable;
  groups::OffsetFetchResult result = fetch_group(broker, fetch);
  if (version < 2 && result.error != ErrorCode::kNone) {
    // v0-1 have no group-level error: every requested partition carries it.
    result.topics.clear();
    for (const auto& topic : fetch.topics.value_or(std::vector<groups::OffsetFetchTopic>{})) {
      auto& t = result.topics.emplace_back();
      t.name = topic.name;
      for (PartitionId partition : topic.partition_indexes) {
        auto& p = t.partitions.emplace_back();
        p.partition_index = partition;
        p.metadata = "";
        p.error = result.error;
      }
    }
  }
  response.error_code = wire_code(result.error);
  for (const auto& topic : result.topics) {
    OffsetFetchResponse::OffsetFetchResponseTopic t;
    t.name = topic.name;
    for (const auto& partition : topic.partitions) {
      t.partitions.push_back(fetched_partition<OffsetFetchResponse::OffsetFetchResponsePartition>(partition));
    }
    response.topics.push_back(std::move(t));
  }
  return reply_with(frame, response);
}

}  // namespace loch::kafka
