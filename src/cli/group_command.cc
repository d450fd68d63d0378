// `loch group list|describe|reset-offsets|delete-offsets`: consumer groups,
// and the replay the course describes (move a group back to re-read a topic).
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cli/kafka_client_options.h"
#include "cli/kafka_commands.h"

namespace loch::cli {
namespace {

using kafka::client::AdminClient;

struct GroupOptions {
  KafkaClientOptions client;
  std::string group;
  std::string topic;
  bool to_earliest = false;
  bool to_latest = false;
  std::string to_datetime;
  int64_t to_offset = -1;
  std::vector<std::string> topic_partitions;  // delete-offsets: "T" or "T:P"
};

Status list(GroupOptions& options) {
  LOCH_ASSIGN_OR_RETURN(auto config, options.client.client_config());
  LOCH_ASSIGN_OR_RETURN(auto admin, AdminClient::connect(config));
  LOCH_ASSIGN_OR_RETURN(auto groups, admin->list_groups());
  for (const auto& group : groups) std::cout << group << "\n";
  return Status::ok();
}

Status describe(GroupOptions& options) {
  LOCH_ASSIGN_OR_RETURN(auto config, options.client.client_config());
  LOCH_ASSIGN_OR_RETURN(auto admin, AdminClient::connect(config));
  LOCH_ASSIGN_OR_RETURN(auto group, admin->describe_group(options.group));
  std::cout << "Group: " << group.group_id << "  state: " << group.state << "  members: " << group.members.size()
            << "\n";
  for (const auto& member : group.members) {
    std::cout << "  member " << member.member_id << " (" << member.client_id << " at " << member.host << "):";
    for (const auto& [topic, partition] : member.assignment) std::cout << " " << topic << "-" << partition;
    std::cout << "\n";
  }
  std::cout << "Topic  Partition  Committed  EndOffset  Lag\n";
  for (const auto& offset : group.offsets) {
    std::string lag = offset.committed >= 0 && offset.high_watermark >= 0
                          ? std::to_string(offset.high_watermark - offset.committed)
                          : "-";
    std::cout << offset.topic << "  " << offset.partition << "  "
              << (offset.committed >= 0 ? std::to_string(offset.committed) : "-") << "  " << offset.high_watermark
              << "  " << lag << "\n";
  }
  return Status::ok();
}

Status reset_offsets(GroupOptions& options) {
  int chosen = options.to_earliest + options.to_latest + !options.to_datetime.empty() + (options.to_offset >= 0);
  if (chosen != 1) {
    return Status::invalid_argument("choose exactly one of --to-earliest, --to-latest, --to-datetime, --to-offset");
  }
  LOCH_ASSIGN_OR_RETURN(auto config, options.client.client_config());
  LOCH_ASSIGN_OR_RETURN(auto admin, AdminClient::connect(config));
  LOCH_ASSIGN_OR_RETURN(auto topic, admin->describe_topic(options.topic));
  int64_t time_ms = -1;
  if (!options.to_datetime.empty()) {
    LOCH_ASSIGN_OR_RETURN(time_ms, parse_time_ms(options.to_datetime));
  }
  std::vector<kafka::client::GroupOffset> offsets;
  for (const auto& p : topic.partitions) {
    kafka::client::GroupOffset offset;
    offset.topic = options.topic;
    offset.partition = p.partition;
    if (options.to_earliest) offset.committed = p.low_watermark;
    if (options.to_latest) offset.committed = p.high_watermark;
    if (options.to_offset >= 0) offset.committed = std::clamp(options.to_offset, p.low_watermark, p.high_watermark);
    if (time_ms >= 0) {
      LOCH_ASSIGN_OR_RETURN(offset.committed, admin->offset_for_time(options.topic, p.partition, time_ms));
    }
    offsets.push_back(offset);
  }
  LOCH_RETURN_IF_ERROR(admin->set_group_offsets(options.group, offsets));
  for (const auto& offset : offsets) {
    std::cout << "Group " << options.group << ": " << offset.topic << "-" << offset.partition << " -> "
              << offset.committed << "\n";
  }
  return Status::ok();
}

Status delete_offsets(GroupOptions& options) {
  LOCH_ASSIGN_OR_RETURN(auto config, options.client.client_config());
  LOCH_ASSIGN_OR_RETURN(auto admin, AdminClient::connect(config));
  std::vector<std::pair<std::string, int32_t>> partitions;
  for (const std::string& spec : options.topic_partitions) {
    const size_t colon = spec.rfind(':');
    if (colon != std::string::npos) {
      int32_t partition = -1;
      try {
        partition = std::stoi(spec.substr(colon + 1));
      } catch (const std::exception&) {
      }
      if (partition < 0 || colon == 0) {
        return Status::invalid_argument("--topic " + spec + ": expected TOPIC or TOPIC:PARTITION");
      }
      partitions.emplace_back(spec.substr(0, colon), partition);
      continue;
    }
    LOCH_ASSIGN_OR_RETURN(auto topic, admin->describe_topic(spec));
    for (const auto& p : topic.partitions) partitions.emplace_back(spec, p.partition);
  }
  LOCH_RETURN_IF_ERROR(admin->delete_group_offsets(options.group, partitions));
  for (const auto& [topic, partition] : partitions) {
    std::cout << "Group " << options.group << ": " << topic << "-" << partition << " offset deleted\n";
  }
  return Status::ok();
}

}  // namespace

void register_group_command(CLI::App& app, Settings& settings, int* exit_code) {
  CLI::App* group = app.add_subcommand("group", "List, describe, reset and delete the offsets of consumer groups");
  group->require_subcommand(1);
  auto add = [&](const std::string& name, const std::string& help, Status (*action)(GroupOptions&),
                 const std::function<void(CLI::App*, GroupOptions&)>& extra) {
    auto options = std::make_shared<GroupOptions>();
    CLI::App* command = group->add_subcommand(name, help);
    extra(command, *options);
    add_kafka_client_options(command, settings, options->client);
    command->callback([options, &settings, exit_code, action, name] {
      *exit_code = run_kafka_command("group " + name, settings, options->client, [&] { return action(*options); });
    });
  };
  add("list", "List consumer groups", list, [](CLI::App*, GroupOptions&) {});
  add("describe", "Members, assignments, committed offsets and lag of a group", describe,
      [](CLI::App* command, GroupOptions& options) {
        command->add_option("group", options.group, "Group id")->required();
      });
  add("reset-offsets", "Move an inactive group's committed offsets on a topic (replay)", reset_offsets,
      [](CLI::App* command, GroupOptions& options) {
        command->add_option("group", options.group, "Group id")->required();
        command->add_option("-t,--topic", options.topic, "Topic whose offsets move")->required();
        command->add_flag("--to-earliest", options.to_earliest, "To the oldest record still kept");
        command->add_flag("--to-latest", options.to_latest, "To the end: skip everything not yet read");
        command->add_option("--to-datetime", options.to_datetime,
                            "To the first record at or after this time (UTC ISO-8601 or epoch ms)");
        command->add_option("--to-offset", options.to_offset, "To this offset on every partition");
      });
  add("delete-offsets", "Delete a group's committed offsets (of topics no active member consumes)", delete_offsets,
      [](CLI::App* command, GroupOptions& options) {
        command->add_option("group", options.group, "Group id")->required();
        command->add_option("-t,--topic", options.topic_partitions, "TOPIC (every partition) or TOPIC:PARTITION; repeatable")
            ->required();
      });
}

}  // namespace loch::cli
