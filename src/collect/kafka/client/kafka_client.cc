#include "collect/kafka/client/kafka_client.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>

#include <spdlog/spdlog.h>

namespace loch::kafka::client {
namespace {

Status rd_error(const std::string& what, rd_kafka_resp_err_t err, const char* message = nullptr) {
  std::string text = what + ": " + (message && *message ? message : rd_kafka_err2str(err)) + " (" +
                     rd_kafka_err2name(err) + ")";
  if (err == RD_KAFKA_RESP_ERR__TRANSPORT || err == RD_KAFKA_RESP_ERR__TIMED_OUT ||
      err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
    return Status::io_error(text);
  }
  if (err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || err == RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND) {
    return Status::not_found(text);
  }
  if (err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) return Status::already_exists(text);
  return Status::invalid_argument(text);
}

// One admin request's plumbing: a temporary queue for its result event.
class AdminCall {
 public:
  AdminCall(rd_kafka_t* rk, rd_kafka_admin_op_t op, std::chrono::milliseconds timeout)
      : queue_(rd_kafka_queue_new(rk)), options_(rd_kafka_AdminOptions_new(rk, op)), timeout_(timeout) {
    char err[256];
    rd_kafka_AdminOptions_set_request_timeout(options_, static_cast<int>(timeout.count()), err, sizeof(err));
  }
  ~AdminCall() {
    if (event_) rd_kafka_event_destroy(event_);
    rd_kafka_AdminOptions_destroy(options_);
    rd_kafka_queue_destroy(queue_);
  }
  rd_kafka_queue_t* queue() { return queue_; }
  rd_kafka_AdminOptions_t* options() { return options_; }

  // Waits for the result event; checks the request-level error.
  Status wait(const std::string& what) {
    event_ = rd_kafka_queue_poll(queue_, static_cast<int>(timeout_.count()) + 1000);
    if (event_ == nullptr) return Status::io_error(what + ": no answer within " + std::to_string(timeout_.count()) + " ms");
    if (rd_kafka_event_error(event_)) {
      return rd_error(what, rd_kafka_event_error(event_), rd_kafka_event_error_string(event_));
    }
    return Status::ok();
  }
  rd_kafka_event_t* event() { return event_; }

 private:
  rd_kafka_queue_t* queue_;
  rd_kafka_AdminOptions_t* options_;
  std::chrono::milliseconds timeout_;
  rd_kafka_event_t* event_ = nullptr;
};

Status check_topic_results(const std::string& what, const rd_kafka_topic_result_t** results, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
    if (err) return rd_error(what + " " + rd_kafka_topic_result_name(results[i]), err, rd_kafka_topic_result_error_string(results[i]));
  }
  return Status::ok();
}

// The first error among the group results of an offsets call (alter or
// delete): a group's own, else one of its partitions'. `action` names the
// call ("reset", "delete"); `partition_note` follows a partition's name.
Status check_group_offset_results(const std::string& action, const std::string& group_id,
                                  const std::string& partition_note, const rd_kafka_group_result_t** groups,
                                  size_t count) {
  for (size_t i = 0; i < count; ++i) {
    if (const rd_kafka_error_t* error = rd_kafka_group_result_error(groups[i])) {
      return rd_error(action + " offsets of group " + group_id, rd_kafka_error_code(error),
                      rd_kafka_error_string(error));
    }
    const auto* partitions = rd_kafka_group_result_partitions(groups[i]);
    for (int p = 0; partitions && p < partitions->cnt; ++p) {
      if (partitions->elems[p].err) {
        return rd_error(action + " offset of " + std::string(partitions->elems[p].topic) + "-" +
                            std::to_string(partitions->elems[p].partition) + partition_note,
                        partitions->elems[p].err);
      }
    }
  }
  return Status::ok();
}

// librdkafka's own log lines (connection retries, ...) go to loch's log at
// debug level; what failed reaches the user as the command's one error.
void log_to_spdlog(const rd_kafka_t*, int level, const char* facility, const char* message) {
  if (level <= 3) {
    spdlog::debug("librdkafka {}: {}", facility, message);
  } else {
    spdlog::trace("librdkafka {}: {}", facility, message);
  }
}

}  // namespace

Result<rd_kafka_conf_t*> make_rdkafka_conf(const ClientConfig& config) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  auto set = [&](const std::string& name, const std::string& value) -> Status {
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK) {
      return Status::invalid_argument("-X " + name + "=" + value + ": " + err);
    }
    return Status::ok();
  };
  Status status = set("bootstrap.servers", config.bootstrap);
  rd_kafka_conf_set_log_cb(conf, log_to_spdlog);
  for (const auto& [name, value] : config.properties) {
    if (status.is_ok()) status = set(name, value);
  }
  if (!status.is_ok()) {
    rd_kafka_conf_destroy(conf);
    return status;
  }
  return conf;
}

Result<std::unique_ptr<AdminClient>> AdminClient::connect(const ClientConfig& config) {
  LOCH_ASSIGN_OR_RETURN(rd_kafka_conf_t * conf, make_rdkafka_conf(config));
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Status::invalid_argument(std::string("cannot create a Kafka client: ") + err);
  }
  return std::unique_ptr<AdminClient>(new AdminClient(rk, config));
}

AdminClient::~AdminClient() { rd_kafka_destroy(rk_); }

Status AdminClient::create_topic(const std::string& name, int32_t partitions, int32_t replication_factor,
                                 const std::map<std::string, std::string>& configs) {
  char err[512];
  rd_kafka_NewTopic_t* topic = rd_kafka_NewTopic_new(name.c_str(), partitions, replication_factor, err, sizeof(err));
  if (topic == nullptr) return Status::invalid_argument("topic " + name + ": " + err);
  for (const auto& [key, value] : configs) rd_kafka_NewTopic_set_config(topic, key.c_str(), value.c_str());
  AdminCall call(rk_, RD_KAFKA_ADMIN_OP_CREATETOPICS, config_.timeout);
  rd_kafka_CreateTopics(rk_, &topic, 1, call.options(), call.queue());
  rd_kafka_NewTopic_destroy(topic);
  LOCH_RETURN_IF_ERROR(call.wait("create topic " + name));
  size_t count = 0;
  auto results = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(call.event()), &count);
  return check_topic_results("create topic", results, count);
}

Status AdminClient::delete_topic(const std::string& name) {
  rd_kafka_DeleteTopic_t* topic = rd_kafka_DeleteTopic_new(name.c_str());
  AdminCall call(rk_, RD_KAFKA_ADMIN_OP_DELETETOPICS, config_.timeout);
  rd_kafka_DeleteTopics(rk_, &topic, 1, call.options(), call.queue());
  rd_kafka_DeleteTopic_destroy(topic);
  LOCH_RETURN_IF_ERROR(call.wait("delete topic " + name));
  size_t count = 0;
  auto results = rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(call.event()), &count);
  return check_topic_results("delete topic", results, count);
}

Status AdminClient::create_partitions(const std::string& name, int32_t total) {
  char err[512];
  rd_kafka_NewPartitions_t* parts = rd_kafka_NewPartitions_new(name.c_str(), total, err, sizeof(err));
  if (parts == nullptr) return Status::invalid_argument("topic " + name + ": " + err);
  AdminCall call(rk_, RD_KAFKA_ADMIN_OP_CREATEPARTITIONS, config_.timeout);
  rd_kafka_CreatePartitions(rk_, &parts, 1, call.options(), call.queue());
  rd_kafka_NewPartitions_destroy(parts);
  LOCH_RETURN_IF_ERROR(call.wait("add partitions to " + name));
  size_t count = 0;
  auto results =
      rd_kafka_CreatePartitions_result_topics(rd_kafka_event_CreatePartitions_result(call.event()), &count);
  return check_topic_results("add partitions to", results, count);
}

Result<std::map<std::string, std::string>> AdminClient::topic_overrides(const std::string& name,
                                                                        std::map<std::string, std::string>* all) {
  rd_kafka_ConfigResource_t* resource = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, name.c_str());
  AdminCall call(rk_, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, config_.timeout);
  rd_kafka_DescribeConfigs(rk_, &resource, 1, call.options(), call.queue());
  rd_kafka_ConfigResource_destroy(resource);
  LOCH_RETURN_IF_ERROR(call.wait("describe configs of " + name));
  size_t count = 0;
  auto resources = rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(call.event()), &count);
  std::map<std::string, std::string> overrides;
  for (size_t i = 0; i < count; ++i) {
    if (rd_kafka_ConfigResource_error(resources[i])) {
      return rd_error("describe configs of " + name, rd_kafka_ConfigResource_error(resources[i]),
                      rd_kafka_ConfigResource_error_string(resources[i]));
    }
    size_t entries = 0;
    auto configs = rd_kafka_ConfigResource_configs(resources[i], &entries);
    for (size_t j = 0; j < entries; ++j) {
      const char* value = rd_kafka_ConfigEntry_value(configs[j]);
      std::string key = rd_kafka_ConfigEntry_name(configs[j]);
      if (all) (*all)[key] = value ? value : "";
      if (rd_kafka_ConfigEntry_source(configs[j]) == RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG) {
        overrides[key] = value ? value : "";
      }
    }
  }
  return overrides;
}

Status AdminClient::alter_topic_config(const std::string& name, const std::map<std::string, std::string>& set,
                                       const std::vector<std::string>& remove) {
  // AlterConfigs replaces every override of the topic, so start from the
  // current ones (librdkafka 2.0 has no IncrementalAlterConfigs).
  LOCH_ASSIGN_OR_RETURN(auto overrides, topic_overrides(name, nullptr));
  for (const auto& key : remove) overrides.erase(key);
  for (const auto& [key, value] : set) overrides[key] = value;
  rd_kafka_ConfigResource_t* resource = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, name.c_str());
  for (const auto& [key, value] : overrides) rd_kafka_ConfigResource_set_config(resource, key.c_str(), value.c_str());
  AdminCall call(rk_, RD_KAFKA_ADMIN_OP_ALTERCONFIGS, config_.timeout);
  rd_kafka_AlterConfigs(rk_, &resource, 1, call.options(), call.queue());
  rd_kafka_ConfigResource_destroy(resource);
  LOCH_RETURN_IF_ERROR(call.wait("alter configs of " + name));
  size_t count = 0;
  auto resources = rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(call.event()), &count);
  for (size_t i = 0; i < count; ++i) {
    if (rd_kafka_ConfigResource_error(resources[i])) {
      return rd_error("alter configs of " + name, rd_kafka_ConfigResource_error(resources[i]),
                      rd_kafka_ConfigResource_error_string(resources[i]));
    }
  }
  return Status::ok();
}

Result<std::vector<std::string>> AdminClient::list_topics() {
  const rd_kafka_metadata_t* metadata = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk_, 1, nullptr, &metadata, static_cast<int>(config_.timeout.count()));
  if (err) return rd_error("list topics", err);
  std::vector<std::string> names;
  for (int i = 0; i < metadata->topic_cnt; ++i) names.emplace_back(metadata->topics[i].topic);
  rd_kafka_metadata_destroy(metadata);
  std::sort(names.begin(), names.end());
  return names;
}

Result<TopicInfo> AdminClient::describe_topic(const std::string& name) {
  // Metadata of all topics, not of this one: asking for one topic by name
  // makes a broker with auto.create.topics.enable create it.
  const rd_kafka_metadata_t* metadata = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk_, 1, nullptr, &metadata, static_cast<int>(config_.timeout.count()));
  if (err) return rd_error("describe topic " + name, err);
  bool found = false;
  for (int i = 0; i < metadata->topic_cnt; ++i) found = found || name == metadata->topics[i].topic;
  if (!found) {
    rd_kafka_metadata_destroy(metadata);
    return Status::not_found("topic " + name + " does not exist");
  }
  TopicInfo info;
  info.name = name;
  Status status;
  for (int i = 0; i < metadata->topic_cnt && status.is_ok(); ++i) {
    const auto& t = metadata->topics[i];
    if (name != t.topic) continue;
    if (t.err) {
      status = rd_error("topic " + name, t.err);
      break;
    }
    for (int p = 0; p < t.partition_cnt; ++p) {
      PartitionInfo partition;
      partition.partition = t.partitions[p].id;
      partition.leader = t.partitions[p].leader;
      rd_kafka_query_watermark_offsets(rk_, name.c_str(), partition.partition, &partition.low_watermark,
                                       &partition.high_watermark, static_cast<int>(config_.timeout.count()));
      info.partitions.push_back(partition);
    }
  }
  rd_kafka_metadata_destroy(metadata);
  LOCH_RETURN_IF_ERROR(status);
  std::sort(info.partitions.begin(), info.partitions.end(),
            [](const PartitionInfo& a, const PartitionInfo& b) { return a.partition < b.partition; });
  LOCH_ASSIGN_OR_RETURN(info.overrides, topic_overrides(name, &info.configs));
  return info;
}

Result<std::vector<std::string>> AdminClient::list_groups() {
  AdminCall call(rk_, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, config_.timeout);
  rd_kafka_ListConsumerGroups(rk_, call.options(), call.queue());
  LOCH_RETURN_IF_ERROR(call.wait("list groups"));
  const auto* result = rd_kafka_event_ListConsumerGroups_result(call.event());
  size_t count = 0;
  auto listings = rd_kafka_ListConsumerGroups_result_valid(result, &count);
  std::vector<std::string> groups;
  for (size_t i = 0; i < count; ++i) groups.emplace_back(rd_kafka_ConsumerGroupListing_group_id(listings[i]));
  size_t error_count = 0;
  auto errors = rd_kafka_ListConsumerGroups_result_errors(result, &error_count);
  if (error_count > 0) return rd_error("list groups", rd_kafka_error_code(errors[0]), rd_kafka_error_string(errors[0]));
  std::sort(groups.begin(), groups.end());
  return groups;
}

Result<GroupInfo> AdminClient::describe_group(const std::string& group_id) {
  GroupInfo info;
  info.group_id = group_id;
  {
    const char* groups[] = {group_id.c_str()};
    AdminCall call(rk_, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, config_.timeout);
    rd_kafka_DescribeConsumerGroups(rk_, groups, 1, call.options(), call.queue());
    LOCH_RETURN_IF_ERROR(call.wait("describe group " + group_id));
    size_t count = 0;
    auto described = rd_kafka_DescribeConsumerGroups_result_groups(
        rd_kafka_event_DescribeConsumerGroups_result(call.event()), &count);
    for (size_t i = 0; i < count; ++i) {
      if (const rd_kafka_error_t* error = rd_kafka_ConsumerGroupDescription_error(described[i])) {
        return rd_error("describe group " + group_id, rd_kafka_error_code(error), rd_kafka_error_string(error));
      }
      info.state = rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupDescription_state(described[i]));
      info.protocol_type = rd_kafka_ConsumerGroupDescription_partition_assignor(described[i]);
      for (size_t m = 0; m < rd_kafka_ConsumerGroupDescription_member_count(described[i]); ++m) {
        const auto* member = rd_kafka_ConsumerGroupDescription_member(described[i], m);
        GroupMember out;
        out.member_id = rd_kafka_MemberDescription_consumer_id(member);
        out.client_id = rd_kafka_MemberDescription_client_id(member);
        out.host = rd_kafka_MemberDescription_host(member);
        const auto* partitions = rd_kafka_MemberAssignment_partitions(rd_kafka_MemberDescription_assignment(member));
        for (int p = 0; partitions && p < partitions->cnt; ++p) {
          out.assignment.emplace_back(partitions->elems[p].topic, partitions->elems[p].partition);
        }
        info.members.push_back(std::move(out));
      }
    }
  }
  {
    rd_kafka_ListConsumerGroupOffsets_t* request = rd_kafka_ListConsumerGroupOffsets_new(group_id.c_str(), nullptr);
    AdminCall call(rk_, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, config_.timeout);
    rd_kafka_ListConsumerGroupOffsets(rk_, &request, 1, call.options(), call.queue());
    rd_kafka_ListConsumerGroupOffsets_destroy(request);
    LOCH_RETURN_IF_ERROR(call.wait("offsets of group " + group_id));
    size_t count = 0;
    auto groups = rd_kafka_ListConsumerGroupOffsets_result_groups(
        rd_kafka_event_ListConsumerGroupOffsets_result(call.event()), &count);
    for (size_t i = 0; i < count; ++i) {
      const auto* partitions = rd_kafka_group_result_partitions(groups[i]);
      for (int p = 0; partitions && p < partitions->cnt; ++p) {
        GroupOffset offset;
        offset.topic = partitions->elems[p].topic;
        offset.partition = partitions->elems[p].partition;
        offset.committed = partitions->elems[p].offset;
        int64_t low = -1;
        rd_kafka_query_watermark_offsets(rk_, offset.topic.c_str(), offset.partition, &low, &offset.high_watermark,
                                         static_cast<int>(config_.timeout.count()));
        info.offsets.push_back(offset);
      }
    }
  }
  std::sort(info.offsets.begin(), info.offsets.end(), [](const GroupOffset& a, const GroupOffset& b) {
    return std::tie(a.topic, a.partition) < std::tie(b.topic, b.partition);
  });
  return info;
}

Status AdminClient::set_group_offsets(const std::string& group_id, const std::vector<GroupOffset>& offsets) {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size()));
  for (const auto& offset : offsets) {
    rd_kafka_topic_partition_list_add(list, offset.topic.c_str(), offset.partition)->offset = offset.committed;
  }
  rd_kafka_AlterConsumerGroupOffsets_t* request = rd_kafka_AlterConsumerGroupOffsets_new(group_id.c_str(), list);
  rd_kafka_topic_partition_list_destroy(list);
  AdminCall call(rk_, RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS, config_.timeout);
  rd_kafka_AlterConsumerGroupOffsets(rk_, &request, 1, call.options(), call.queue());
  rd_kafka_AlterConsumerGroupOffsets_destroy(request);
  LOCH_RETURN_IF_ERROR(call.wait("reset offsets of group " + group_id));
  size_t count = 0;
  auto groups = rd_kafka_AlterConsumerGroupOffsets_result_groups(
      rd_kafka_event_AlterConsumerGroupOffsets_result(call.event()), &count);
  return check_group_offset_results("reset", group_id, "", groups, count);
}

Status AdminClient::delete_group_offsets(const std::string& group_id,
                                         const std::vector<std::pair<std::string, int32_t>>& partitions) {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size()));
  for (const auto& [topic, partition] : partitions) rd_kafka_topic_partition_list_add(list, topic.c_str(), partition);
  rd_kafka_DeleteConsumerGroupOffsets_t* request = rd_kafka_DeleteConsumerGroupOffsets_new(group_id.c_str(), list);
  rd_kafka_topic_partition_list_destroy(list);
  AdminCall call(rk_, RD_KAFKA_ADMIN_OP_DELETECONSUMERGROUPOFFSETS, config_.timeout);
  rd_kafka_DeleteConsumerGroupOffsets(rk_, &request, 1, call.options(), call.queue());
  rd_kafka_DeleteConsumerGroupOffsets_destroy(request);
  LOCH_RETURN_IF_ERROR(call.wait("delete offsets of group " + group_id));
  size_t count = 0;
  auto groups = rd_kafka_DeleteConsumerGroupOffsets_result_groups(
      rd_kafka_event_DeleteConsumerGroupOffsets_result(call.event()), &count);
  return check_group_offset_results("delete", group_id, " for group " + group_id, groups, count);
}

Result<int64_t> AdminClient::offset_for_time(const std::string& topic, int32_t partition, int64_t timestamp_ms) {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, topic.c_str(), partition)->offset = timestamp_ms;
  rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(rk_, list, static_cast<int>(config_.timeout.count()));
  int64_t offset = list->elems[0].offset;
  rd_kafka_resp_err_t partition_err = list->elems[0].err;
  rd_kafka_topic_partition_list_destroy(list);
  if (err) return rd_error("offset for time in " + topic, err);
  if (partition_err) return rd_error("offset for time in " + topic + "-" + std::to_string(partition), partition_err);
  if (offset < 0) {
    int64_t low = 0, high = 0;
    err = rd_kafka_query_watermark_offsets(rk_, topic.c_str(), partition, &low, &high,
                                           static_cast<int>(config_.timeout.count()));
    if (err) return rd_error("end offset of " + topic, err);
    offset = high;
  }
  return offset;
}

}  // namespace loch::kafka::client
