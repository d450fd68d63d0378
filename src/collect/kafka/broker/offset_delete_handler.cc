// OffsetDelete (API 47, KIP-496): removes a group's committed offsets for
// some partitions (kafka-consumer-groups.sh --delete-offsets,
// AdminClient.deleteConsumerGroupOffsets, `loch group delete-offsets`).
#include "collect/kafka/broker/broker.h"
#include "collect/kafka/broker/request_decoding.h"
#include "collect/kafka/protocol/messages/offset_delete_request.h"
#include "collect/kafka/protocol/messages/offset_delete_response.h"

namespace loch::kafka {

using groups::ErrorCode;
using groups::wire_code;

HandlerReply handle_offset_delete(Broker& broker, const RequestFrame& frame) {
  auto request = decode_body_or_log<OffsetDeleteRequest>(frame);
  if (!request) return HandlerReply::close();
  OffsetDeleteResponse response;
  groups::GroupCoordinator* coordinator = broker.group_coordinator();
  if (coordinator == nullptr) {
    response.error_code = wire_code(ErrorCode::kCoordinatorNotAvailable);
    return reply_with(frame, response);
  }
  std::vector<groups::TopicPartition> partitions;
  for (const auto& topic : request->topics) {
    for (const auto& partition : topic.partitions) {
      partitions.push_back({topic.name, PartitionId(partition.partition_index)});
    }
  }
  groups::DeleteOffsetsResult result = coordinator->delete_offsets(request->group_id, partitions);
  response.error_code = wire_code(result.error);
  for (const auto& [tp, error] : result.partitions) {
    if (response.topics.empty() || response.topics.back().name != tp.topic) {
      response.topics.emplace_back();
      response.topics.back().name = tp.topic;
    }
    OffsetDeleteResponse::OffsetDeleteResponsePartition out;
    out.partition_index = tp.partition.value();
    out.error_code = wire_code(error);
    response.topics.back().partitions.push_back(out);
  }
  return reply_with(frame, response);
}

}  // namespace loch::kafka
