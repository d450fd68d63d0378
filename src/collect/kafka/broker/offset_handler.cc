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

namespace {

// librdkafka 2.0.2's ListConsumerGroupOffsets for all partitions (what
// `loch group describe` sends) writes OffsetFetch v6-7's null topics array
// into a 4-byte placeholder it never shrinks: three zero bytes follow the
// null array. Kafka's broker reads past them unnoticed; loch reads such a
// body without them, and refuses any other body that does not decode.
std::optional<OffsetFetchRequest> decode_offset_fetch(const RequestFrame& frame) {
  auto strict = decode_request_body<OffsetFetchRequest>(frame);
  if (strict.is_ok()) return std::move(strict).value();
  const std::string_view body = frame.body;
  if (frame.api_version() == 6 || frame.api_version() == 7) {
    // The group id: a compact string, its length + 1 as an unsigned varint.
    uint64_t length_plus_one = 0;
    size_t at = 0;
    for (int shift = 0; at < body.size() && shift < 35; shift += 7) {
      const auto byte = static_cast<unsigned char>(body[at++]);
      length_plus_one |= uint64_t{byte & 0x7Fu} << shift;
      if ((byte & 0x80) == 0) break;
    }
    const size_t topics_at = at + (length_plus_one > 0 ? length_plus_one - 1 : 0);
    if (length_plus_one > 0 && topics_at + 4 <= body.size() && body.substr(topics_at, 4) == std::string_view("\0\0\0\0", 4)) {
      std::string repaired(body.substr(0, topics_at + 1));
      repaired.append(body.substr(topics_at + 4));
      auto lenient = decode_message<OffsetFetchRequest>(repaired, frame.api_version());
      if (lenient.is_ok() && !lenient->topics) return std::move(lenient).value();
    }
  }
  spdlog::warn("kafka: closing connection of client {}: {}", frame.header.client_id.value_or("?"),
               strict.status().message());
  return std::nullopt;
}

}  // namespace

HandlerReply handle_offset_fetch(Broker& broker, const RequestFrame& frame) {
  auto request = decode_offset_fetch(frame);
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
