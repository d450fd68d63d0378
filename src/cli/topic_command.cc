// `loch topic create|list|describe|alter|delete`: topic administration over
// the Kafka protocol.
#include <iostream>
#include <memory>

#include "cli/kafka_client_options.h"
#include "cli/kafka_commands.h"

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

Status describe(TopicOptions& options) {
  LOCH_ASSIGN_OR_RETURN(auto admin, connect(options));
  LOCH_ASSIGN_OR_RETURN(auto topic, admin->describe_topic(options.name));
  int64_t records = 0;
  for (const auto& p : topic.partitions) records += p.high_watermark - p.low_watermark;
  std::cout << "Topic: " << topic.name << "  partitions: " << topic.partitions.size() << "  records: " << records
            << "\n";
  std::cout << "Partition  Leader  StartOffset  EndOffset\n";
  for (const auto& p : topic.partitions) {
    std::printf("%9d  %6d  %11lld  %9lld\n", p.partition, p.leader, static_cast<long long>(p.low_watermark),
                static_cast<long long>(p.high_watermark));
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
