// A Kafka client for loch's own commands (loch topic / produce / consume /
// group), on librdkafka. It speaks only the Kafka protocol, so the same
// commands work against loch serve and against any Kafka or Redpanda
// cluster (--bootstrap, plus -X for librdkafka settings such as SASL).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

struct rd_kafka_s;
struct rd_kafka_conf_s;

namespace loch::kafka::client {

struct ClientConfig {
  std::string bootstrap = "localhost:9092";
  std::map<std::string, std::string> properties;  // librdkafka settings (-X name=value)
  std::chrono::milliseconds timeout{10000};
};

struct PartitionInfo {
  int32_t partition = 0;
  int32_t leader = -1;
  int64_t low_watermark = -1;   // log start offset
  int64_t high_watermark = -1;  // next offset to be written
};

struct TopicInfo {
  std::string name;
  std::vector<PartitionInfo> partitions;
  std::map<std::string, std::string> configs;  // every setting, as DescribeConfigs gives it
  std::map<std::string, std::string> overrides;  // the topic's own settings
};

struct GroupMember {
  std::string member_id;
  std::string client_id;
  std::string host;
  std::vector<std::pair<std::string, int32_t>> assignment;
};

struct GroupOffset {
  std::string topic;
  int32_t partition = 0;
  int64_t committed = -1;       // -1: none
  int64_t high_watermark = -1;  // for lag
};

struct GroupInfo {
  std::string group_id;
  std::string state;  // Stable, Empty, PreparingRebalance, ...
  std::string protocol_type;
  std::vector<GroupMember> members;
  std::vector<GroupOffset> offsets;
};

// Owns one librdkafka handle; errors come back as Status with librdkafka's
// message and the broker's error name.
class AdminClient {
 public:
  static Result<std::unique_ptr<AdminClient>> connect(const ClientConfig& config);
  ~AdminClient();

  Status create_topic(const std::string& name, int32_t partitions, int32_t replication_factor,
                      const std::map<std::string, std::string>& configs);
  Status delete_topic(const std::string& name);
  Status create_partitions(const std::string& name, int32_t total);
  // Sets and removes topic settings, keeping the others.
  Status alter_topic_config(const std::string& name, const std::map<std::string, std::string>& set,
                            const std::vector<std::string>& remove);

  Result<std::vector<std::string>> list_topics();
  Result<TopicInfo> describe_topic(const std::string& name);

  Result<std::vector<std::string>> list_groups();
  Result<GroupInfo> describe_group(const std::string& group_id);
  // Sets the committed offsets of an inactive group.
  Status set_group_offsets(const std::string& group_id, const std::vector<GroupOffset>& offsets);
  // Deletes committed offsets of a group (OffsetDelete); each partition's
  // error (GROUP_SUBSCRIBED_TO_TOPIC while a member consumes its topic) fails the call.
  Status delete_group_offsets(const std::string& group_id,
                              const std::vector<std::pair<std::string, int32_t>>& partitions);
  // The offset of the first record at or after `timestamp_ms` (the end when none).
  Result<int64_t> offset_for_time(const std::string& topic, int32_t partition, int64_t timestamp_ms);

  rd_kafka_s* handle() { return rk_; }

 private:
  AdminClient(rd_kafka_s* rk, ClientConfig config) : rk_(rk), config_(std::move(config)) {}
  Result<std::map<std::string, std::string>> topic_overrides(const std::string& name,
                                                             std::map<std::string, std::string>* all);
  rd_kafka_s* rk_;
  ClientConfig config_;
};

// Builds a librdkafka configuration from `config`; the caller owns it.
Result<rd_kafka_conf_s*> make_rdkafka_conf(const ClientConfig& config);

}  // namespace loch::kafka::client
