// `loch consume TOPIC`: prints the records of a topic, alone (every
// partition, from a chosen position) or as a member of a consumer group
// (the group's committed offsets, committing as it goes).
#include <librdkafka/rdkafka.h>

#include <unistd.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <set>

#include "cli/kafka_client_options.h"
#include "cli/kafka_commands.h"
#include "common/shutdown.h"
#include "store/sql/cell_text.h"

namespace loch::cli {
namespace {

using kafka::client::AdminClient;

struct ConsumeOptions {
  KafkaClientOptions client;
  std::string topic;
  std::string group;
  bool from_beginning = false;
  int64_t offset = -1;
  std::string from_time;
  std::string format = "text";
  bool print_key = false;
  bool follow = false;
  int64_t max_records = -1;
};

void print_record(const rd_kafka_message_t* m, const ConsumeOptions& options) {
  std::string_view value(static_cast<const char*>(m->payload), m->payload ? m->len : 0);
  std::string_view key(static_cast<const char*>(m->key), m->key ? m->key_len : 0);
  std::string line;
  if (options.format == "json") {
    rd_kafka_timestamp_type_t type;
    int64_t timestamp = rd_kafka_message_timestamp(m, &type);
    line = "{\"topic\":";
    sql::append_json_string(rd_kafka_topic_name(m->rkt), line);
    line += ",\"partition\":" + std::to_string(m->partition) + ",\"offset\":" + std::to_string(m->offset) +
            ",\"timestamp\":" + std::to_string(timestamp) + ",\"key\":";
    if (m->key) {
      sql::append_json_string(key, line);
    } else {
      line += "null";
    }
    line += ",\"value\":";
    if (m->payload) {
      sql::append_json_string(value, line);
    } else {
      line += "null";
    }
    line += ",\"headers\":{";
    rd_kafka_headers_t* headers = nullptr;
    if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* name;
      const void* header_value;
      size_t size;
      for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &header_value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
        if (i) line += ',';
        sql::append_json_string(name, line);
        line += ':';
        if (header_value) {
          sql::append_json_string(std::string_view(static_cast<const char*>(header_value), size), line);
        } else {
          line += "null";
        }
      }
    }
    line += "}}";
  } else {
    if (options.print_key) {
      line.append(key);
      line += '\t';
    }
    line.append(value);
  }
  std::cout << line << '\n';
}

// Where each partition starts when consuming without a group.
Result<rd_kafka_topic_partition_list_t*> starting_positions(const ConsumeOptions& options,
                                                           const kafka::client::ClientConfig& config) {
  LOCH_ASSIGN_OR_RETURN(auto admin, AdminClient::connect(config));
  LOCH_ASSIGN_OR_RETURN(auto topic, admin->describe_topic(options.topic));
  int64_t from_time = -1;
  if (!options.from_time.empty()) {
    LOCH_ASSIGN_OR_RETURN(from_time, parse_time_ms(options.from_time));
  }
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(topic.partitions.size()));
  for (const auto& p : topic.partitions) {
    int64_t start = RD_KAFKA_OFFSET_END;
    if (options.from_beginning) start = RD_KAFKA_OFFSET_BEGINNING;
    if (options.offset >= 0) start = options.offset;
    if (from_time >= 0) {
      auto at = admin->offset_for_time(options.topic, p.partition, from_time);
      if (!at.is_ok()) {
        rd_kafka_topic_partition_list_destroy(list);
        return at.status();
      }
      start = *at;
    }
    rd_kafka_topic_partition_list_add(list, options.topic.c_str(), p.partition)->offset = start;
  }
  return list;
}

Status consume(ConsumeOptions& options) {
  LOCH_ASSIGN_OR_RETURN(auto config, options.client.client_config());
  if (!options.group.empty()) {
    config.properties.emplace("group.id", options.group);
    config.properties.emplace("auto.offset.reset", options.from_beginning ? "earliest" : "latest");
  } else {
    // librdkafka's consumer wants a group id even when it only assigns
    // partitions; with assign() and no commits it never joins the group.
    config.properties.emplace("group.id", "loch-consume-" + std::to_string(::getpid()));
    config.properties.emplace("enable.auto.commit", "false");
  }
  config.properties.emplace("enable.partition.eof", "true");
  rd_kafka_topic_partition_list_t* assignment = nullptr;
  if (options.group.empty()) {
    LOCH_ASSIGN_OR_RETURN(assignment, starting_positions(options, config));
  }
  LOCH_ASSIGN_OR_RETURN(rd_kafka_conf_t * conf, kafka::client::make_rdkafka_conf(config));
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    if (assignment) rd_kafka_topic_partition_list_destroy(assignment);
    return Status::invalid_argument(std::string("cannot create a consumer: ") + err);
  }
  std::unique_ptr<rd_kafka_t, void (*)(rd_kafka_t*)> consumer(rk, [](rd_kafka_t* handle) {
    rd_kafka_consumer_close(handle);
    rd_kafka_destroy(handle);
  });
  rd_kafka_poll_set_consumer(rk);

  size_t partition_count = 0;
  if (assignment) {
    partition_count = static_cast<size_t>(assignment->cnt);
    rd_kafka_assign(rk, assignment);
    rd_kafka_topic_partition_list_destroy(assignment);
  } else {
    rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, options.topic.c_str(), RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(rk, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (e) return Status::invalid_argument(std::string("subscribe to ") + options.topic + ": " + rd_kafka_err2str(e));
  }

  // Without --follow, stop once every partition reached its end. In a
  // group, the partitions are those assigned to this member.
  std::set<int32_t> at_end;
  int64_t printed = 0;
  while (!ShutdownSignal::requested()) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 200);
    if (m == nullptr) continue;
    std::unique_ptr<rd_kafka_message_t, void (*)(rd_kafka_message_t*)> message(m, rd_kafka_message_destroy);
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      at_end.insert(m->partition);
      if (!assignment && !options.group.empty()) {
        rd_kafka_topic_partition_list_t* assigned = nullptr;
        if (rd_kafka_assignment(rk, &assigned) == RD_KAFKA_RESP_ERR_NO_ERROR) {
          partition_count = static_cast<size_t>(assigned->cnt);
          rd_kafka_topic_partition_list_destroy(assigned);
        }
      }
      if (!options.follow && partition_count > 0 && at_end.size() >= partition_count) break;
      continue;
    }
    if (m->err) {
      std::string text = rd_kafka_message_errstr(m);
      if (m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || m->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC) {
        return Status::not_found("topic " + options.topic + ": " + text);
      }
      std::cerr << "loch consume: " << text << "\n";
      continue;
    }
    at_end.erase(m->partition);
    print_record(m, options);
    if (options.max_records > 0 && ++printed >= options.max_records) break;
  }
  std::cout.flush();
  if (!options.group.empty()) rd_kafka_commit(rk, nullptr, 0);  // what was printed is consumed
  return Status::ok();
}

}  // namespace

void register_consume_command(CLI::App& app, Settings& settings, int* exit_code) {
  auto options = std::make_shared<ConsumeOptions>();
  CLI::App* command = app.add_subcommand("consume", "Print the records of a topic, alone or in a consumer group");
  command->add_option("topic", options->topic, "Topic to read")->required();
  command->add_option("-g,--group", options->group, "Consumer group: resume from its committed offsets and commit");
  auto* beginning = command->add_flag("--from-beginning", options->from_beginning,
                                      "Start at the oldest record (default: only new records)");
  auto* offset = command->add_option("--offset", options->offset, "Start every partition at this offset");
  auto* time = command->add_option("--from-time", options->from_time,
                                   "Start at the first record at or after this time (UTC ISO-8601 or epoch ms)");
  beginning->excludes(offset, time);
  offset->excludes(time);
  offset->excludes("--group");
  time->excludes("--group");
  command->add_option("--format", options->format, "text (value per line) or json (one object per record)")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}));
  command->add_flag("--print-key", options->print_key, "text format: print key<TAB>value");
  command->add_flag("-f,--follow", options->follow, "Keep waiting for new records (default: stop at the end)");
  command->add_option("-n,--max-records", options->max_records, "Stop after this many records");
  add_kafka_client_options(command, settings, options->client);
  command->callback([options, &settings, exit_code] {
    *exit_code = run_kafka_command("consume", settings, options->client, [&] { return consume(*options); });
  });
}

}  // namespace loch::cli
