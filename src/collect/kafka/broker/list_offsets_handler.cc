#include <spdlog/spdlog.h>

#include "collect/kafka/broker/broker.h"
#include "collect/kafka/broker/kafka_errors.h"
#include "collect/kafka/broker/request_decoding.h"
#include "collect/kafka/protocol/messages/list_offsets_request.h"
#include "collect/kafka/protocol/messages/list_offsets_response.h"

namespace loch::kafka {
namespace {

constexpr int64_t kLatestTimestamp = -1;
constexpr int64_t kEarliestTimestamp = -2;

ListOffsetsResponse::ListOffsetsPartitionResponse look_up(PartitionLog& log, int32_t index, int64_t timestamp) {
  ListOffsetsResponse::ListOffsetsPartitionResponse out;
  out.partition_index = index;
  out.leader_epoch = 0;
  if (timestamp == kLatestTimestamp) {
    out.offset = log.high_watermark().value();
  } else if (timestamp == kEarliestTimestamp) {
    out.offset = log.log_start_offset().value();
  } else if (timestamp < 0) {
    out.error_code = wire(KafkaError::kInvalidRequest);
  } else {
    auto found = log.offset_for_timestamp(timestamp);
    if (!found.is_ok()) {
      out.error_code = wire(KafkaError::kKafkaStorageError);
    } else if (*found) {
      out.offset = (*found)->offset.value();
      out.timestamp = (*found)->timestamp;
    }  // else: every record is older; offset and timestamp stay -1, as in Kafka
  }
  return out;
}

}  // namespace

HandlerReply handle_list_offsets(Broker& broker, const RequestFrame& frame) {
  auto request = decode_body_or_log<ListOffsetsRequest>(frame);
  if (!request) return HandlerReply::close();
  ListOffsetsResponse response;
  for (const auto& topic : request->topics) {
    ListOffsetsResponse::ListOffsetsTopicResponse topic_response;
    topic_response.name = topic.name;
    for (const auto& wanted : topic.partitions) {
      auto log = broker.logs().partition(topic.name, PartitionId(wanted.partition_index));
      if (!log) {
        ListOffsetsResponse::ListOffsetsPartitionResponse missing;
        missing.partition_index = wanted.partition_index;
        missing.error_code = wire(KafkaError::kUnknownTopicOrPartition);
        topic_response.partitions.push_back(missing);
        continue;
      }
      auto found = look_up(*log, wanted.partition_index, wanted.timestamp);
      if (request->isolation_level == 1 && wanted.timestamp == kLatestTimestamp) {
        // read_committed: the end is the last stable offset (KIP-98).
        found.offset = broker.producer_states().stable_view(topic.name, wanted.partition_index, log, found.offset).last_stable_offset;
      }
      topic_response.partitions.push_back(found);
    }
    response.topics.push_back(std::move(topic_response));
  }
  return reply_with(frame, response);
}

}  // namespace loch::kafka
