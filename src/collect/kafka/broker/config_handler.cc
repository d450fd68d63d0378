// DescribeConfigs, AlterConfigs and IncrementalAlterConfigs, for topics
// (resource type 2) and, read-only, for the broker (resource type 4).
#include <spdlog/spdlog.h>

#include "collect/kafka/broker/broker.h"
#include "collect/kafka/broker/kafka_errors.h"
#include "collect/kafka/broker/request_decoding.h"
#include "collect/kafka/protocol/messages/alter_configs_request.h"
#include "collect/kafka/protocol/messages/alter_configs_response.h"
#include "collect/kafka/protocol/messages/describe_configs_request.h"
#include "collect/kafka/protocol/messages/describe_configs_response.h"
#include "collect/kafka/protocol/messages/incremental_alter_configs_request.h"
#include "collect/kafka/protocol/messages/incremental_alter_configs_response.h"

namespace loch::kafka {
namespace {

constexpr int8_t kTopicResource = 2;
constexpr int8_t kBrokerResource = 4;

// Kafka's ConfigSource values.
constexpr int8_t kDynamicTopicConfig = 1;
constexpr int8_t kStaticBrokerConfig = 4;
constexpr int8_t kDefaultConfig = 5;

struct Outcome {
  KafkaError error = KafkaError::kNone;
  std::string message;
};

Outcome outcome_of(const Status& status) {
  if (status.is_ok()) return {};
  switch (status.code()) {
    case StatusCode::kNotFound: return {KafkaError::kUnknownTopicOrPartition, status.message()};
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotSupported: return {KafkaError::kInvalidConfig, status.message()};
    default: return {KafkaError::kKafkaStorageError, status.message()};
  }
}

DescribeConfigsResponse::DescribeConfigsResult describe_resource(
    Broker& broker, const DescribeConfigsRequest::DescribeConfigsResource& resource) {
  DescribeConfigsResponse::DescribeConfigsResult result;
  result.resource_type = resource.resource_type;
  result.resource_name = resource.resource_name;
  result.error_message = std::nullopt;
  std::map<std::string, std::string> values;
  std::map<std::string, std::string> overrides;
  int8_t default_source = kDefaultConfig;
  bool read_only = false;
  if (resource.resource_type == kTopicResource) {
    auto topic = broker.logs().describe_topic(resource.resource_name);
    if (!topic) {
      result.error_code = wire(KafkaError::kUnknownTopicOrPartition);
      result.error_message = "Topic '" + resource.resource_name + "' does not exist.";
      return result;
    }
    values = topic->config.to_map();
    overrides = topic->overrides;
  } else if (resource.resource_type == kBrokerResource) {
    values = broker.options().log_defaults.to_map();
    values["auto.create.topics.enable"] = broker.options().auto_create_topics ? "true" : "false";
    values["num.partitions"] = std::to_string(broker.options().num_partitions);
    values["default.replication.factor"] = "1";
    default_source = kStaticBrokerConfig;
    read_only = true;
  } else {
    result.error_code = wire(KafkaError::kInvalidRequest);
    result.error_message = "loch describes configs of topics (2) and brokers (4), not resource type " +
                           std::to_string(resource.resource_type);
    return result;
  }
  for (const auto& [name, value] : values) {
    if (resource.configuration_keys && !resource.configuration_keys->empty() &&
        std::find(resource.configuration_keys->begin(), resource.configuration_keys->end(), name) ==
            resource.configuration_keys->end()) {
      continue;
    }
    DescribeConfigsResponse::DescribeConfigsResourceResult entry;
    entry.name = name;
    entry.value = value;
    entry.read_only = read_only;
    bool overridden = overrides.count(name) > 0;
    entry.is_default = !overridden;
    entry.config_source = overridden ? kDynamicTopicConfig : default_source;
    entry.documentation = std::nullopt;
    result.configs.push_back(std::move(entry));
  }
  return result;
}

}  // namespace

HandlerReply handle_describe_configs(Broker& broker, const RequestFrame& frame) {
  auto request = decode_body_or_log<DescribeConfigsRequest>(frame);
  if (!request) return HandlerReply::close();
  DescribeConfigsResponse response;
  for (const auto& resource : request->resources) response.results.push_back(describe_resource(broker, resource));
  return reply_with(frame, response);
}

namespace {

// What one resource of AlterConfigs or IncrementalAlterConfigs asks for.
struct TopicConfigChange {
  std::map<std::string, std::string> set;
  std::vector<std::string> remove;
  bool replace_all = false;  // AlterConfigs: the overrides become exactly `set`
  Status refused;            // a request the broker cannot apply at all
};

Outcome alter_topic_config(Broker& broker, int8_t resource_type, const std::string& topic,
                           const TopicConfigChange& change, bool validate_only) {
  if (resource_type != kTopicResource) {
    return {KafkaError::kInvalidRequest, "loch alters topic configs only; broker settings live in loch.yaml"};
  }
  Status status = change.refused;
  if (status.is_ok()) {
    LogConfig check = broker.options().log_defaults;
    status = LogConfig::apply(change.set, check);
  }
  if (status.is_ok() && !broker.logs().describe_topic(topic)) {
    status = Status::not_found("Topic '" + topic + "' does not exist.");
  }
  if (status.is_ok() && !validate_only) {
    status = change.replace_all ? broker.logs().replace_topic_config(topic, change.set)
                                : broker.logs().update_topic_config(topic, change.set, change.remove);
  }
  return outcome_of(status);
}

// Both responses carry the same per-resource fields.
template <typename ResourceResponse>
ResourceResponse resource_response(int8_t resource_type, const std::string& name, const Outcome& outcome) {
  ResourceResponse result;
  result.resource_type = resource_type;
  result.resource_name = name;
  result.error_code = wire(outcome.error);
  result.error_message = std::nullopt;
  if (outcome.error != KafkaError::kNone) result.error_message = outcome.message;
  return result;
}

}  // namespace

HandlerReply handle_alter_configs(Broker& broker, const RequestFrame& frame) {
  auto request = decode_body_or_log<AlterConfigsRequest>(frame);
  if (!request) return HandlerReply::close();
  AlterConfigsResponse response;
  for (const auto& resource : request->resources) {
    TopicConfigChange change;
    change.replace_all = true;
    for (const auto& config : resource.configs) {
      if (config.value) change.set[config.name] = *config.value;
    }
    Outcome outcome =
        alter_topic_config(broker, resource.resource_type, resource.resource_name, change, request->validate_only);
    response.responses.push_back(resource_response<AlterConfigsResponse::AlterConfigsResourceResponse>(
        resource.resource_type, resource.resource_name, outcome));
  }
  return reply_with(frame, response);
}

HandlerReply handle_incremental_alter_configs(Broker& broker, const RequestFrame& frame) {
  auto request = decode_body_or_log<IncrementalAlterConfigsRequest>(frame);
  if (!request) return HandlerReply::close();
  IncrementalAlterConfigsResponse response;
  for (const auto& resource : request->resources) {
    TopicConfigChange change;
    for (const auto& config : resource.configs) {
      switch (config.config_operation) {
        case 0: change.set[config.name] = config.value.value_or(""); break;  // SET
        case 1: change.remove.push_back(config.name); break;                   // DELETE
        default:
          // APPEND / SUBTRACT apply to list-valued settings; loch's topic
          // settings are all single values.
          change.refused = Status::invalid_argument("operation " + std::to_string(config.config_operation) + " on " +
                                                    config.name + ": only SET (0) and DELETE (1) apply to loch topics");
      }
    }
    Outcome outcome =
        alter_topic_config(broker, resource.resource_type, resource.resource_name, change, request->validate_only);
    response.responses.push_back(resource_response<IncrementalAlterConfigsResponse::AlterConfigsResourceResponse>(
        resource.resource_type, resource.resource_name, outcome));
  }
  return reply_with(frame, response);
}

}  // namespace loch::kafka
