// CreateTopics, DeleteTopics, CreatePartitions and DeleteRecords.
#include <spdlog/spdlog.h>

#include "collect/kafka/broker/broker.h"
#include "collect/kafka/broker/kafka_errors.h"
#include "collect/kafka/broker/request_decoding.h"
#include "collect/kafka/protocol/messages/create_partitions_request.h"
#include "collect/kafka/protocol/messages/create_partitions_response.h"
#include "collect/kafka/protocol/messages/create_topics_request.h"
#include "collect/kafka/protocol/messages/create_topics_response.h"
#include "collect/kafka/protocol/messages/delete_records_request.h"
#include "collect/kafka/protocol/messages/delete_records_response.h"
#include "collect/kafka/protocol/messages/delete_topics_request.h"
#include "collect/kafka/protocol/messages/delete_topics_response.h"

namespace loch::kafka {
namespace {

constexpr const char* kSingleNodeReplication =
    "loch is a single node: replication factor must be 1 (or -1 for the default). To replicate, point "
    "your pipelines at an Apache Kafka or Redpanda cluster (bootstrap.servers).";

struct TopicError {
  KafkaError code = KafkaError::kNone;
  std::string message;
};

// Why `topic` cannot be created, or kNone.
TopicError check_creatable(Broker& broker, const CreateTopicsRequest::CreatableTopic& topic, int32_t partitions,
                           const std::map<std::string, std::string>& configs) {
  if (Status s = LogManager::validate_topic_name(topic.name); !s.is_ok()) {
    return {KafkaError::kInvalidTopicException, s.message()};
  }
  if (broker.logs().describe_topic(topic.name)) {
    return {KafkaError::kTopicAlreadyExists, "Topic '" + topic.name + "' already exists."};
  }
  if (!topic.assignments.empty()) {
    for (const auto& assignment : topic.assignments) {
      if (assignment.broker_ids.size() != 1 || assignment.broker_ids[0] != broker.options().node_id) {
        return {KafkaError::kInvalidReplicaAssignment,
                "replica assignments must name only this node (" + std::to_string(broker.options().node_id) + ")"};
      }
    }
  } else if (partitions <= 0) {
    return {KafkaError::kInvalidPartitions, "Number of partitions must be larger than 0."};
  }
  if (topic.replication_factor != -1 && topic.replication_factor != 1) {
    return {KafkaError::kInvalidReplicationFactor, kSingleNodeReplication};
  }
  LogConfig config = broker.options().log_defaults;
  if (Status s = LogConfig::apply(configs, config); !s.is_ok()) return {KafkaError::kInvalidConfig, s.message()};
  return {};
}

}  // namespace

HandlerReply handle_create_topics(Broker& broker, const RequestFrame& frame) {
  auto request = decode_body_or_log<CreateTopicsRequest>(frame);
  if (!request) return HandlerReply::close();
  CreateTopicsResponse response;
  for (const auto& topic : request->topics) {
    CreateTopicsResponse::CreatableTopicResult result;
    result.name = topic.name;
    int32_t partitions = !topic.assignments.empty()       ? static_cast<int32_t>(topic.assignments.size())
                         : topic.num_partitions == -1     ? broker.options().num_partitions
                                                          : topic.num_partitions;
    std::map<std::string, std::string> configs;
    for (const auto& config : topic.configs) {
      if (config.value) configs[config.name] = *config.value;
    }
    TopicError error = check_creatable(broker, topic, partitions, configs);
    if (error.code == KafkaError::kNone && !request->validate_only) {
      Status created = broker.logs().create_topic(topic.name, partitions, configs);
      if (created.code() == StatusCode::kAlreadyExists) {
        error = {KafkaError::kTopicAlreadyExists, created.message()};
      } else if (!created.is_ok()) {
        error = {created.code() == StatusCode::kInvalidArgument ? KafkaError::kInvalidConfig
                                                                 : KafkaError::kKafkaStorageError,
                 created.message()};
      } else {
        spdlog::info("kafka: created topic {} with {} partition(s)", topic.name, partitions);
      }
    }
    result.error_code = wire(error.code);
    if (error.code != KafkaError::kNone) {
      result.error_message = error.message;
    } else {
      result.error_message = std::nullopt;
      result.topic_id = topic_id_for(topic.name);
      result.num_partitions = partitions;
      result.replication_factor = 1;
      LogConfig config = broker.options().log_defaults;
      (void)LogConfig::apply(configs, config);
      std::vector<CreateTopicsResponse::CreatableTopicConfigs> described;
      for (const auto& [name, value] : config.to_map()) {
        CreateTopicsResponse::CreatableTopicConfigs entry;
        entry.name = name;
        entry.value = value;
        entry.config_source = configs.count(name) ? 1 : 5;  // DYNAMIC_TOPIC_CONFIG : DEFAULT_CONFIG
        described.push_back(std::move(entry));
      }
      result.configs = std::move(described);
    }
    response.topics.push_back(std::move(result));
  }
  return reply_with(frame, response);
}

HandlerReply handle_delete_topics(Broker& broker, const RequestFrame& frame) {
  auto request = decode_body_or_log<DeleteTopicsRequest>(frame);
  if (!request) return HandlerReply::close();
  // v0-v5 name topics in topic_names; v6 in topics (by name or id).
  std::vector<std::optional<std::string>> names;
  for (const auto& name : request->topic_names) names.emplace_back(name);
  for (const auto& topic : request->topics) {
    if (topic.name) {
      names.push_back(topic.name);
      continue;
    }
    std::optional<std::string> found;
    for (const auto& known : broker.logs().list_topics()) {
      if (topic_id_for(known.name) == topic.topic_id) found = known.name;
    }
    names.push_back(found);
  }
  DeleteTopicsResponse response;
  for (const auto& name : names) {
    DeleteTopicsResponse::DeletableTopicResult result;
    result.name = name;
    if (!name) {
      result.error_code = wire(KafkaError::kUnknownTopicId);
    } else {
      result.topic_id = topic_id_for(*name);
      Status deleted = broker.logs().delete_topic(*name);
      if (deleted.code() == StatusCode::kNotFound) {
        result.error_code = wire(KafkaError::kUnknownTopicOrPartition);
      } else if (!deleted.is_ok()) {
        result.error_code = wire(KafkaError::kKafkaStorageError);
        result.error_message = deleted.message();
      } else {
        spdlog::info("kafka: deleted topic {}", *name);
      }
    }
    response.responses.push_back(std::move(result));
  }
  return reply_with(frame, response);
}

HandlerReply handle_create_partitions(Broker& broker, const RequestFrame& frame) {
  auto request = decode_body_or_log<CreatePartitionsRequest>(frame);
  if (!request) return HandlerReply::close();
  CreatePartitionsResponse response;
  for (const auto& topic : request->topics) {
    CreatePartitionsResponse::CreatePartitionsTopicResult result;
    result.name = topic.name;
    auto described = broker.logs().describe_topic(topic.name);
    if (!described) {
      result.error_code = wire(KafkaError::kUnknownTopicOrPartition);
    } else if (topic.count <= described->partitions) {
      result.error_code = wire(KafkaError::kInvalidPartitions);
      result.error_message = "Topic currently has " + std::to_string(described->partitions) +
                             " partitions, which is higher than the requested " + std::to_string(topic.count) + ".";
    } else if (!request->validate_only) {
      Status grown = broker.logs().create_partitions(topic.name, topic.count);
      if (!grown.is_ok()) {
        result.error_code = wire(KafkaError::kKafkaStorageError);
        result.error_message = grown.message();
      }
    }
    response.results.push_back(std::move(result));
  }
  return reply_with(frame, response);
}

HandlerReply handle_delete_records(Broker& broker, const RequestFrame& frame) {
  auto request = decode_body_or_log<DeleteRecordsRequest>(frame);
  if (!request) return HandlerReply::close();
  DeleteRecordsResponse response;
  for (const auto& topic : request->topics) {
    DeleteRecordsResponse::DeleteRecordsTopicResult topic_result;
    topic_result.name = topic.name;
    for (const auto& wanted : topic.partitions) {
      DeleteRecordsResponse::DeleteRecordsPartitionResult result;
      result.partition_index = wanted.partition_index;
      auto log = broker.logs().partition(topic.name, PartitionId(wanted.partition_index));
      if (!log) {
        result.error_code = wire(KafkaError::kUnknownTopicOrPartition);
      } else {
        auto low = log->delete_records_before(Offset(wanted.offset));
        if (low.is_ok()) {
          result.low_watermark = low->value();
        } else {
          result.error_code = wire(low.status().code() == StatusCode::kNotFound ? KafkaError::kOffsetOutOfRange
                                                                                 : KafkaError::kKafkaStorageError);
          result.low_watermark = -1;
        }
      }
      topic_result.partitions.push_back(result);
    }
    response.topics.push_back(std::move(topic_result));
  }
  return reply_with(frame, response);
}

}  // namespace loch::kafka
