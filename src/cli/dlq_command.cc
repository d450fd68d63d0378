// `loch dlq list|inspect|replay TOPIC`: what sits in TOPIC.dlq and why, and
// putting it back once the cause is fixed.
//
// The records still to deal with are those after the consumer group
// `loch-dlq-replay`'s committed offset in TOPIC.dlq (all of them before the
// first replay). `replay` reads them up to the end as of its start,
// re-validates each against the topic's contract with the registry as it is
// now, produces those that pass to TOPIC (original partition, key, value,
// timestamp and headers), re-appends those that still fail to the end of
// TOPIC.dlq with the new reason, and then commits the group's offset past
// what it read, so a second replay does not send anything twice. If a
// produce fails, nothing is committed (a later replay may then duplicate
// records it had already sent: at least once, never lost).
#include "cli/dlq_command.h"

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>
#include <memory>

#include "cli/delivery_counts.h"
#include "cli/http_schema_source.h"
#include "cli/kafka_client_options.h"
#include "collect/contracts/contract_checker.h"
#include "collect/contracts/dead_letter.h"
#include "common/shutdown.h"
#include "store/sql/cell_text.h"

namespace loch::cli {
namespace {

constexpr char kReplayGroup[] = "loch-dlq-replay";

struct DlqOptions {
  KafkaClientOptions client;
  std::string topic;
  std::string registry_url = "http://localhost:8081";
  int64_t max_records = -1;
};

struct DeadRecord {
  int64_t offset = 0;
  int64_t timestamp = 0;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<kafka::RecordHeader> headers;
  contracts::DeadLetter letter;
};

// The topic the user named: "orders" or "orders.dlq" both mean orders' DLQ.
std::string source_topic(const std::string& name) {
  return name.size() > 4 && name.ends_with(".dlq") ? name.substr(0, name.size() - 4) : name;
}

using Handle = std::unique_ptr<rd_kafka_t, void (*)(rd_kafka_t*)>;

Result<Handle> make_consumer(const DlqOptions& options) {
  LOCH_ASSIGN_OR_RETURN(auto config, options.client.client_config());
  config.properties["group.id"] = kReplayGroup;
  config.properties["enable.auto.commit"] = "false";
  config.properties["enable.partition.eof"] = "true";
  LOCH_ASSIGN_OR_RETURN(rd_kafka_conf_t * conf, kafka::client::make_rdkafka_conf(config));
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Status::invalid_argument(std::string("cannot create a consumer: ") + err);
  }
  rd_kafka_poll_set_consumer(rk);
  return Handle(rk, [](rd_kafka_t* h) {
    rd_kafka_consumer_close(h);
    rd_kafka_destroy(h);
  });
}

struct Pending {
  int64_t start = 0;  // the group's committed offset (or the log start)
  int64_t end = 0;    // the high watermark when reading began
  std::vector<DeadRecord> records;
};

// The records of `dlq` partition 0 from the replay group's position to the
// current end.
Result<Pending> read_pending(rd_kafka_t* rk, const std::string& dlq, int timeout_ms) {
  Pending pending;
  int64_t low = 0, high = 0;
  rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(rk, dlq.c_str(), 0, &low, &high, timeout_ms);
  if (e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || e == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
      e == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION) {
    return Status::not_found("no dead-letter topic " + dlq + " (nothing was ever diverted)");
  }
  if (e) return Status::io_error("offsets of " + dlq + ": " + rd_kafka_err2str(e));
  std::unique_ptr<rd_kafka_topic_partition_list_t, void (*)(rd_kafka_topic_partition_list_t*)> list(
      rd_kafka_topic_partition_list_new(1), rd_kafka_topic_partition_list_destroy);
  rd_kafka_topic_partition_list_add(list.get(), dlq.c_str(), 0);
  e = rd_kafka_committed(rk, list.get(), timeout_ms);
  if (e) return Status::io_error(std::string("committed offset of ") + kReplayGroup + ": " + rd_kafka_err2str(e));
  int64_t committed = list->elems[0].offset;
  pending.start = committed >= 0 ? std::max(committed, low) : low;
  pending.end = high;
  if (pending.start >= pending.end) return pending;
  list->elems[0].offset = pending.start;
  e = rd_kafka_assign(rk, list.get());
  if (e) return Status::io_error(std::string("assign ") + dlq + ": " + rd_kafka_err2str(e));
  while (!ShutdownSignal::requested()) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 500);
    if (m == nullptr) continue;
    std::unique_ptr<rd_kafka_message_t, void (*)(rd_kafka_message_t*)> message(m, rd_kafka_message_destroy);
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      if (m->offset >= pending.end) break;
      continue;
    }
    if (m->err) return Status::io_error("reading " + dlq + ": " + rd_kafka_message_errstr(m));
    if (m->offset >= pending.end) break;
    DeadRecord r;
    r.offset = m->offset;
    r.timestamp = rd_kafka_message_timestamp(m, nullptr);
    if (m->key) r.key = std::string(static_cast<const char*>(m->key), m->key_len);
    if (m->payload) r.value = std::string(static_cast<const char*>(m->payload), m->len);
    rd_kafka_headers_t* headers = nullptr;
    if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* name;
      const void* v;
      size_t size;
      for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &v, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
        kafka::RecordHeader h;
        h.key = name;
        if (v) h.value = std::string(static_cast<const char*>(v), size);
        r.headers.push_back(std::move(h));
      }
    }
    auto letter = contracts::read_dead_letter_headers(r.headers);
    if (letter.is_ok()) {
      r.letter = *letter;
    } else {
      r.letter.reason = "(not a dead letter: " + letter.status().message() + ")";
    }
    pending.records.push_back(std::move(r));
    if (m->offset + 1 >= pending.end) break;
  }
  return pending;
}

Status list(DlqOptions& options) {
  const std::string dlq = contracts::dead_letter_topic(source_topic(options.topic));
  LOCH_ASSIGN_OR_RETURN(Handle rk, make_consumer(options));
  LOCH_ASSIGN_OR_RETURN(Pending pending, read_pending(rk.get(), dlq, options.client.timeout_ms));
  std::map<std::string, int64_t> by_reason;
  for (const auto& r : pending.records) ++by_reason[r.letter.reason];
  std::cout << dlq << ": " << pending.records.size() << " record(s) to replay (offsets " << pending.start << " to "
            << pending.end << ")\n";
  std::vector<std::pair<int64_t, std::string>> sorted;
  for (const auto& [reason, count] : by_reason) sorted.emplace_back(count, reason);
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (const auto& [count, reason] : sorted) std::cout << count << "\t" << reason << "\n";
  return Status::ok();
}

void append_optional(const std::optional<std::string>& text, std::string& out) {
  if (text) {
    sql::append_json_string(*text, out);
  } else {
    out += "null";
  }
}

Status inspect(DlqOptions& options) {
  const std::string dlq = contracts::dead_letter_topic(source_topic(options.topic));
  LOCH_ASSIGN_OR_RETURN(Handle rk, make_consumer(options));
  LOCH_ASSIGN_OR_RETURN(Pending pending, read_pending(rk.get(), dlq, options.client.timeout_ms));
  int64_t printed = 0;
  for (const auto& r : pending.records) {
    if (options.max_records >= 0 && printed++ >= options.max_records) break;
    std::string line = "{\"offset\":" + std::to_string(r.offset) + ",\"timestamp\":" + std::to_string(r.timestamp) +
                       ",\"key\":";
    append_optional(r.key, line);
    line += ",\"value\":";
    append_optional(r.value, line);
    line += ",\"headers\":{";
    bool first = true;
    for (const auto& h : r.headers) {
      if (!first) line += ',';
      first = false;
      sql::append_json_string(h.key, line);
      line += ':';
      append_optional(h.value, line);
    }
    line += "}}";
    std::cout << line << "\n";
  }
  return Status::ok();
}

// The topic's contract as its configs say now (DescribeConfigs).
Result<contracts::TopicContract> current_contract(const DlqOptions& options, const std::string& topic,
                                                  int32_t& partitions) {
  LOCH_ASSIGN_OR_RETURN(auto config, options.client.client_config());
  LOCH_ASSIGN_OR_RETURN(auto admin, kafka::client::AdminClient::connect(config));
  LOCH_ASSIGN_OR_RETURN(auto info, admin->describe_topic(topic));
  partitions = static_cast<int32_t>(info.partitions.size());
  kafka::LogConfig log_config;
  for (const auto& [name, value] : info.configs) {
    if (name.starts_with("confluent.") || name.starts_with("loch.contract.")) {
      LOCH_RETURN_IF_ERROR(log_config.set(name, value));
    }
  }
  return contracts::TopicContract::from_config(topic, log_config);
}

Status produce_one(rd_kafka_t* producer, const std::string& topic, int32_t partition, const DeadRecord& r,
                   const std::vector<kafka::RecordHeader>& headers) {
  rd_kafka_headers_t* hs = rd_kafka_headers_new(headers.size());
  for (const auto& h : headers) {
    rd_kafka_header_add(hs, h.key.data(), static_cast<ssize_t>(h.key.size()), h.value ? h.value->data() : nullptr,
                        h.value ? static_cast<ssize_t>(h.value->size()) : 0);
  }
  // librdkafka's V_ macros cast their arguments: plain variables only.
  const void* key = r.key ? r.key->data() : nullptr;
  size_t key_size = r.key ? r.key->size() : 0;
  void* value = r.value ? const_cast<char*>(r.value->data()) : nullptr;
  size_t value_size = r.value ? r.value->size() : 0;
  while (true) {
    rd_kafka_resp_err_t e = rd_kafka_producev(
        producer, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY(key, key_size), RD_KAFKA_V_VALUE(value, value_size),
        RD_KAFKA_V_TIMESTAMP(r.timestamp), RD_KAFKA_V_HEADERS(hs), RD_KAFKA_V_END);
    if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(producer, 100);
      continue;
    }
    if (e) {
      rd_kafka_headers_destroy(hs);
      return Status::io_error("produce to " + topic + ": " + rd_kafka_err2str(e));
    }
    return Status::ok();  // librdkafka owns the headers now
  }
}

Status replay(DlqOptions& options) {
  const std::string topic = source_topic(options.topic);
  const std::string dlq = contracts::dead_letter_topic(topic);
  auto url = serve::RegistryUrl::parse(options.registry_url);
  if (!url.is_ok()) return Status::invalid_argument("--registry-url: " + url.status().message());
  int32_t partitions = 0;
  LOCH_ASSIGN_OR_RETURN(contracts::TopicContract contract, current_contract(options, topic, partitions));
  HttpSchemaSource source(*url);
  contracts::ContractChecker checker(source);

  LOCH_ASSIGN_OR_RETURN(Handle consumer, make_consumer(options));
  LOCH_ASSIGN_OR_RETURN(Pending pending, read_pending(consumer.get(), dlq, options.client.timeout_ms));

  LOCH_ASSIGN_OR_RETURN(auto config, options.client.client_config());
  config.properties["acks"] = "all";
  LOCH_ASSIGN_OR_RETURN(rd_kafka_conf_t * conf, kafka::client::make_rdkafka_conf(config));
  DeliveryCounts deliveries;
  rd_kafka_conf_set_opaque(conf, &deliveries);
  rd_kafka_conf_set_dr_msg_cb(conf, count_delivery);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Status::invalid_argument(std::string("cannot create a producer: ") + err);
  }
  Handle producer(rk, rd_kafka_destroy);

  int64_t replayed = 0, failing = 0;
  std::map<std::string, int64_t> still_failing;
  for (const auto& r : pending.records) {
    auto violation = checker.check(contract, r.key, r.value);
    if (violation && !source.last_error().empty()) {
      // The registry could not be asked: judging records now would re-queue
      // good ones. Nothing is committed, so a later replay starts here again.
      return Status::io_error("schema registry " + options.registry_url + ": " + source.last_error());
    }
    if (!violation) {
      int32_t partition = r.letter.partition >= 0 && r.letter.partition < partitions ? r.letter.partition
                                                                                     : RD_KAFKA_PARTITION_UA;
      LOCH_RETURN_IF_ERROR(produce_one(rk, topic, partition, r, contracts::original_headers(r.headers)));
      ++replayed;
    } else {
      contracts::DeadLetter letter = r.letter;
      letter.reason = violation->reason;
      letter.schema_id = violation->schema_id;
      letter.time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
      kafka::Record again;
      again.headers = contracts::original_headers(r.headers);
      contracts::add_dead_letter_headers(letter, again);
      LOCH_RETURN_IF_ERROR(produce_one(rk, dlq, 0, r, again.headers));
      ++failing;
      ++still_failing[violation->reason];
    }
    rd_kafka_poll(rk, 0);
  }
  rd_kafka_resp_err_t flushed = rd_kafka_flush(rk, options.client.timeout_ms * 3);
  if (flushed || deliveries.failed > 0) {
    return Status::io_error(fmt::format("{} record(s) not delivered ({}); the replay position was not moved",
                                        deliveries.failed.load() + (flushed ? 1 : 0),
                                        flushed ? rd_kafka_err2str(flushed) : deliveries.first_error.c_str()));
  }
  if (pending.end > pending.start) {
    std::unique_ptr<rd_kafka_topic_partition_list_t, void (*)(rd_kafka_topic_partition_list_t*)> offsets(
        rd_kafka_topic_partition_list_new(1), rd_kafka_topic_partition_list_destroy);
    rd_kafka_topic_partition_list_add(offsets.get(), dlq.c_str(), 0)->offset = pending.end;
    rd_kafka_resp_err_t e = rd_kafka_commit(consumer.get(), offsets.get(), 0);
    if (e) return Status::io_error(std::string("commit of the replay position: ") + rd_kafka_err2str(e));
  }
  std::cout << "replayed " << replayed << " record(s) to " << topic << ", still failing " << failing << " (re-queued in "
            << dlq << ")\n";
  for (const auto& [reason, count] : still_failing) std::cout << count << "\t" << reason << "\n";
  return Status::ok();
}

}  // namespace

void register_dlq_command(CLI::App& app, Settings& settings, int* exit_code) {
  CLI::App* dlq = app.add_subcommand("dlq", "Dead-letter topics of data contracts: list, inspect and replay TOPIC.dlq");
  dlq->require_subcommand(1);
  auto add = [&](const std::string& name, const std::string& help, Status (*action)(DlqOptions&),
                 const std::function<void(CLI::App*, DlqOptions&)>& extra) {
    auto options = std::make_shared<DlqOptions>();
    CLI::App* command = dlq->add_subcommand(name, help);
    command->add_option("topic", options->topic, "The topic (or its .dlq topic)")->required();
    extra(command, *options);
    add_kafka_client_options(command, settings, options->client);
    command->callback([options, &settings, exit_code, action, name] {
      *exit_code = run_kafka_command("dlq " + name, settings, options->client, [&] { return action(*options); });
    });
  };
  add("list", "Count the records waiting in TOPIC.dlq, by reason", list, [](CLI::App*, DlqOptions&) {});
  add("inspect", "Print the records waiting in TOPIC.dlq with their headers (JSON lines)", inspect,
      [](CLI::App* command, DlqOptions& options) {
        command->add_option("-n,--max-records", options.max_records, "Print at most this many");
      });
  add("replay", "Re-validate the waiting records against the current contract; send those that pass to TOPIC", replay,
      [&](CLI::App* command, DlqOptions& options) {
        settings.add(command, "--registry-url", "registry.url", &options.registry_url,
                     "Schema registry to validate against: loch serve's, or any Confluent-compatible one");
      });
}

}  // namespace loch::cli
