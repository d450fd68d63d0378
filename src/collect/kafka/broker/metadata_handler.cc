#include <spdlog/spdlog.h>

#include "collect/kafka/broker/broker.h"
#include "collect/kafka/broker/kafka_errors.h"
#include "collect/kafka/broker/request_decoding.h"
#include "collect/kafka/protocol/messages/metadata_request.h"
#include "collect/kafka/protocol/messages/metadata_response.h"

namespace loch::kafka {
namespace {

MetadataResponse::MetadataResponseTopic describe(Broker& broker, const TopicDescription& topic) {
  MetadataResponse::MetadataResponseTopic out;
  out.name = topic.name;
  out.topic_id = topic_id_for(topic.name);
  out.is_internal = topic.name.rfind("__", 0) == 0;  // __consumer_offsets, __transaction_state
  const int32_t node = broker.options().node_id;
  for (int32_t p = 0; p < topic.partitions; ++p) {
    MetadataResponse::MetadataResponsePartition partition;
    partition.partition_index = p;
    partition.leader_id = node;
    partition.leader_epoch = 0;
    partition.replica_nodes = {node};
    partition.isr_nodes = {node};
    out.partitions.push_back(std::move(partition));
  }
  return out;
}

MetadataResponse::MetadataResponseTopic topic_error(const std::string& name, KafkaError error) {
  MetadataResponse::MetadataResponseTopic out;
  out.name = name;
  out.error_code = wire(error);
  return out;
}

}  // namespace

HandlerReply handle_metadata(Broker& broker, const RequestFrame& frame) {
  auto request = decode_body_or_log<MetadataRequest>(frame);
  if (!request) return HandlerReply::close();
  const BrokerOptions& options = broker.options();

  MetadataResponse response;
  MetadataResponse::MetadataResponseBroker self;
  self.node_id = options.node_id;
  self.host = options.advertised_host;
  self.port = options.advertised_port;
  response.brokers.push_back(self);
  response.cluster_id = options.cluster_id;
  response.controller_id = options.node_id;

  // v0: an empty list means every topic; v1+: null means every topic.
  bool all_topics = !request->topics.has_value() || (frame.api_version() == 0 && request->topics->empty());
  if (all_topics) {
    for (const TopicDescription& topic : broker.logs().list_topics()) response.topics.push_back(describe(broker, topic));
    return reply_with(frame, response);
  }

  // Topic auto-creation happens here, as in Kafka: a client asks for the
  // metadata of a topic before producing to it.
  bool may_create = options.auto_create_topics && (frame.api_version() < 4 || request->allow_auto_topic_creation);
  for (const auto& wanted : *request->topics) {
    if (!wanted.name) {
      MetadataResponse::MetadataResponseTopic unknown;
      unknown.topic_id = wanted.topic_id;
      unknown.error_code = wire(KafkaError::kUnknownTopicId);
      response.topics.push_back(unknown);
      continue;
    }
    const std::string& name = *wanted.name;
    auto topic = broker.logs().describe_topic(name);
    if (!topic && may_create) {
      if (!LogManager::validate_topic_name(name).is_ok()) {
        response.topics.push_back(topic_error(name, KafkaError::kInvalidTopicException));
        continue;
      }
      Status created = broker.logs().create_topic(name, options.num_partitions);
      if (created.is_ok()) {
        spdlog::info("kafka: created topic {} with {} partition(s) (auto.create.topics.enable)", name,
                     options.num_partitions);
      } else if (created.code() != StatusCode::kAlreadyExists) {
        spdlog::warn("kafka: cannot auto-create topic {}: {}", name, created.message());
      }
      topic = broker.logs().describe_topic(name);
    }
    response.topics.push_back(topic ? describe(broker, *topic) : topic_error(name, KafkaError::kUnknownTopicOrPartition));
  }
  return reply_with(frame, response);
}

}  // namespace loch::kafka
