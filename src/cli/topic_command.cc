// `loch topic create|list|describe|alter|delete`: topic administration over
// the Kafka protocol.
#include <algorithm>
#include <iostream>
#include <map>
#include <memory>

#include "cli/kafka_client_options.h"
#include "cli/kafka_commands.h"
#include "collect/kafka/client/kafka_connection.h"
#include "collect/kafka/protocol/messages/describe_producers_request.h"
#include "collect/kafka/protocol/messages/describe_producers_response.h"

namespace loch::cli {
namespace {

using kafka::client::AdminClient;

struct TopicOptions {
  KafkaClientOptions client;
  std::string name;
  int partitions = 1;
  int replication_factor = 1;
  std::vector<std::string> configs;  // --config name=value
  std::vector<std::string> remove;   // --delete-config name
};

Result<std::map<std::string, std::string>> parse_configs(const std::vector<std::string>& items) {
  std::map<std::string, std::string> out;
  for (const auto& item : items) {
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) return Status::invalid_argument("--config " + item + ": expected name=value");
    out[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return out;
}

Result<std::unique_ptr<AdminClient>> connect(const TopicOptions& options) {
  LOCH_ASSIGN_OR_RETURN(auto config, options.client.client_config());
  return AdminClient::connect(config);
}

Status create(TopicOptions& options) {
  LOCH_ASSIGN_OR_RETURN(auto configs, parse_configs(options.configs));
  LOCH_ASSIGN_OR_RETURN(auto admin, connect(options));
  LOCH_RETURN_IF_ERROR(admin->create_topic(options.name, options.partitions, options.replication_factor, configs));
  std::cout << "Created topic " << options.name << " with " << options.partitions << " partition(s)\n";
  return Status::ok();
}

Status list(TopicOptions& options) {
  LOCH_ASSIGN_OR_RETURN(auto admin, connect(options));
  LOCH_ASSIGN_OR_RETURN(auto topics, admin->list_topics());
  for (const auto& topic : topics) std::cout << topic << "\n";
  return Status::ok();
}

// The first offsets of the open transactions of each partition, from
// DescribeProducers sent to the first bootstrap broker (loch serve leads
// every partition). False when the broker does not answer it.
bool open_transactions(const TopicOptions& options, const std::string& topic, int32_t partitions,
                       std::map<int32_t, std::vector<int64_t>>& out) {
  auto client = kafka::client::KafkaConnection::connect(
      options.client.bootstrap.substr(0, options.client.bootstrap.find(',')), "loch", options.client.timeout_ms);
  if (!client.is_ok()) return false;
  kafka::DescribeProducersRequest request;
  request.topics.emplace_back();
  request.topics.back().name = topic;
  for (int32_t p = 0; p < partitions; ++p) request.topics.back().partition_indexes.push_back(p);
  auto response = (*client)->call<kafka::DescribeProducersResponse>(request, 0);
  if (!response.is_ok()) return false;
  for (const auto& t : response->topics) {
    for (const auto& p : t.partitions) {
      if (p.error_code != 0) return false;
      for (const auto& producer : p.active_producers) {
        if (producer.current_txn_start_offset >= 0) out[p.partition_index].push_back(producer.current_txn_start_offset);
      }
    }
  }
  return true;
}

Status describe(TopicOptions& options) {
  // EndOffset is the high watermark: librdkafka's default isolation
  // (read_committed) would report the last stable offset there instead.
  LOCH_ASSIGN_OR_RETURN(auto config, options.client.client_config());
  config.properties.emplace("isolation.level", "read_uncommitted");
  LOCH_ASSIGN_OR_RETURN(auto admin, AdminClient::connect(config));
  LOCH_ASSIGN_OR_RETURN(auto topic, admin->describe_topic(options.name));
  int64_t records = 0;
  for (const auto& p : topic.partitions) records += p.high_watermark - p.low_watermark;
  std::cout << "Topic: " << topic.name << "  partitions: " << topic.partitions.size() << "  records: " << records
            << "\n";
  // Open transactions come from DescribeProducers (the last stable offset
  // is the first offset of the oldest one): "-" where the cluster cannot say.
  std::map<int32_t, std::vector<int64_t>> open_txns;
  bool know_txns = open_transactions(options, topic.name, static_cast<int32_t>(topic.partitions.size()), open_txns);
  std::cout << "Partition  Leader  StartOffset  EndOffset  StableOffset  OpenTxns\n";
  for (const auto& p : topic.partitions) {
    std::string stable = "-", open = "-";
    if (know_txns) {
      const auto& starts = open_txns[p.partition];
      int64_t lso = p.high_watermark;
      for (int64_t start : starts) lso = std::min(lso, start);
      stable = std::to_string(lso);
      open = std::to_string(starts.size());
    }
    std::printf("%9d  %6d  %11lld  %9lld  %12s  %8s\n", p.partition, p.leader, static_cast<long long>(p.low_watermark),
                static_cast<long long>(p.high_watermark), stable.c_str(), open.c_str());
  }
  std::cout << "Configs (* = set on this topic):\n";
  for (const auto& [name, value] : topic.configs) {
    std::cout << "  " << (topic.overrides.count(name) ? "* " : "  ") << name << "=" << value << "\n";
  }
  return Status::ok();
}

Status alter(TopicOptions& options) {
  LOCH_ASSIGN_OR_RETURN(auto set, parse_configs(options.configs));
  LOCH_ASSIGN_OR_RETURN(auto admin, connect(options));
  if (options.partitions > 1) LOCH_RETURN_IF_ERROR(admin->create_partitions(options.name, options.partitions));
  if (!set.empty() || !options.remove.empty()) {
    LOCH_RETURN_IF_ERROR(admin->alter_topic_config(options.name, set, options.remove));
  }
  std::cout << "Altered topic " << options.name << "\n";
  return Status::ok();
}

Status remove(TopicOptions& options) {
  LOCH_ASSIGN_OR_RETURN(auto admin, connect(options));
  LOCH_RETURN_IF_ERROR(admin->delete_topic(options.name));
  std::cout << "Deleted topic " << options.name << "\n";
  return Status::ok();
}

}  // namespace

void register_topic_command(CLI::App& app, Settings& settings, int* exit_code) {
  CLI::App* topic = app.add_subcommand("topic", "Create, list, describe, alter and delete Kafka topics");
  topic->require_subcommand(1);

  auto add = [&](const std::string& name, const std::string& help, Status (*action)(TopicOptions&),
                 const std::function<void(CLI::App*, TopicOptions&)>& extra) {
    auto options = std::make_shared<TopicOptions>();
    CLI::App* command = topic->add_subcommand(name, help);
    extra(command, *options);
    add_kafka_client_options(command, settings, options->client);
    command->callback([options, &settings, exit_code, action, name] {
      *exit_code = run_kafka_command("topic " + name, settings, options->client, [&] { return action(*options); });
    });
  };
  auto name_arg = [](CLI::App* command, TopicOptions& options) {
    command->add_option("name", options.name, "Topic name")->required();
  };

  add("create", "Create a topic", create, [&](CLI::App* command, TopicOptions& options) {
    name_arg(command, options);
    command->add_option("-p,--partitions", options.partitions, "Number of partitions")->capture_default_str();
    command->add_option("-r,--replication-factor", options.replication_factor,
                        "Replicas per partition (loch serve is one node: 1)")
        ->capture_default_str();
    command->add_option("--config", options.configs, "Topic setting name=value, repeatable (retention.ms=...)");
  });
  add("list", "List topics", list, [](CLI::App*, TopicOptions&) {});
  add("describe", "Partitions, offsets and settings of a topic", describe, name_arg);
  add("alter", "Change a topic's settings or grow its partitions", alter,
      [&](CLI::App* command, TopicOptions& options) {
        name_arg(command, options);
        options.partitions = 0;
        command->add_option("-p,--partitions", options.partitions, "New total number of partitions (grow only)");
        command->add_option("--config", options.configs, "Setting to set, name=value, repeatable");
        command->add_option("--delete-config", options.remove, "Setting to remove, repeatable");
      });
  add("delete", "Delete a topic and its records", remove, name_arg);
}

}  // namespace loch::cli
