// `loch generate`: see generate_command.h and examples/streaming-first/README.md.
#include "cli/generate_command.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <thread>

#include "cli/delivery_counts.h"
#include "cli/kafka_client_options.h"
#include "common/shutdown.h"
#include "process/generate/shop_generator.h"
#include "store/sql/database.h"

namespace loch::cli {
namespace {

struct GenerateOptions {
  KafkaClientOptions client;
  generate::ShopOptions shop;
  int64_t count = 100'000;
  double rate = 0;  // records/s produced; 0: as fast as the broker takes them
  int partitions = 3;
  std::string start_time;
  std::string reference;
  bool produce = true;
};

// Writes reference lines, to a .jsonl file directly or, for .parquet, through
// DuckDB's COPY of the same lines.
class ReferenceWriter {
 public:
  static Result<std::unique_ptr<ReferenceWriter>> open(const std::string& path) {
    auto writer = std::unique_ptr<ReferenceWriter>(new ReferenceWriter);
    writer->target_ = path;
    writer->parquet_ = std::filesystem::path(path).extension() == ".parquet";
    if (!writer->parquet_ && std::filesystem::path(path).extension() != ".jsonl") {
      return Status::invalid_argument("--reference " + path + ": the name must end in .jsonl or .parquet");
    }
    writer->lines_path_ = writer->parquet_ ? path + ".tmp.jsonl" : path;
    writer->out_.open(writer->lines_path_, std::ios::binary | std::ios::trunc);
    if (!writer->out_) return Status::io_error("--reference: cannot write " + writer->lines_path_);
    return writer;
  }

  void write(const generate::ShopEvent& event) { out_ << generate::reference_line(event) << '\n'; }

  Status close() {
    out_.close();
    if (!out_) return Status::io_error("--reference: writing " + lines_path_ + " failed");
    if (!parquet_) return Status::ok();
    LOCH_ASSIGN_OR_RETURN(auto database, sql::Database::open(":memory:"));
    LOCH_ASSIGN_OR_RETURN(auto connection, database->connect());
    auto quote = [](const std::string& s) {
      std::string out = "'";
      for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
      return out + "'";
    };
    // The record's value stays JSON text: its shape differs by topic.
    Status copied = connection.execute(
        "COPY (SELECT topic, key, value::VARCHAR AS value, event_time_ms, late, out_of_order, duplicate FROM "
        "read_json(" + quote(lines_path_) +
        ", format='newline_delimited', columns={topic: 'VARCHAR', key: 'VARCHAR', value: 'JSON', "
        "event_time_ms: 'BIGINT', late: 'BOOLEAN', out_of_order: 'BOOLEAN', duplicate: 'BOOLEAN'})) TO " +
        quote(target_) + " (FORMAT parquet)");
    std::filesystem::remove(lines_path_);
    return copied;
  }

 private:
  ReferenceWriter() = default;
  std::string target_;
  std::string lines_path_;
  bool parquet_ = false;
  std::ofstream out_;
};

Status create_topics(const GenerateOptions& options) {
  LOCH_ASSIGN_OR_RETURN(auto config, options.client.client_config());
  LOCH_ASSIGN_OR_RETURN(auto admin, kafka::client::AdminClient::connect(config));
  // Only the missing ones: a cluster whose topics were made beforehand need
  // not accept CreateTopics (librdkafka's mock cluster has no controller).
  LOCH_ASSIGN_OR_RETURN(std::vector<std::string> existing, admin->list_topics());
  for (const char* name : {"clicks", "orders", "customers"}) {
    if (std::find(existing.begin(), existing.end(), options.shop.topic_prefix + name) != existing.end()) continue;
    std::map<std::string, std::string> configs;
    // The customers topic is a changelog: compaction keeps each key's last change.
    if (std::string(name) == "customers") configs["cleanup.policy"] = "compact";
    // Records carry their event time (from --start-time, in the past by
    // default), so time-based retention would delete a fresh run's events
    // at once; the shop's topics keep everything until deleted.
    configs["retention.ms"] = "-1";
    Status status = admin->create_topic(options.shop.topic_prefix + name, options.partitions, 1, configs);
    if (!status.is_ok() && status.code() != StatusCode::kAlreadyExists) return status;
  }
  return Status::ok();
}

Status run_generate(GenerateOptions& options) {
  if (!options.start_time.empty()) {
    LOCH_ASSIGN_OR_RETURN(options.shop.start_time_ms, parse_time_ms(options.start_time));
  }
  LOCH_RETURN_IF_ERROR(options.shop.validate());
  if (options.count < 0) return Status::invalid_argument("--count must not be negative");
  if (!options.produce && options.reference.empty()) {
    return Status::invalid_argument("--no-produce without --reference would generate nothing");
  }
  std::unique_ptr<ReferenceWriter> reference;
  if (!options.reference.empty()) {
    LOCH_ASSIGN_OR_RETURN(reference, ReferenceWriter::open(options.reference));
  }

  DeliveryCounts counts;
  std::unique_ptr<rd_kafka_t, void (*)(rd_kafka_t*)> producer(nullptr, rd_kafka_destroy);
  if (options.produce) {
    LOCH_RETURN_IF_ERROR(create_topics(options));
    LOCH_ASSIGN_OR_RETURN(auto config, options.client.client_config());
    config.properties.emplace("acks", "all");
    config.properties.emplace("enable.idempotence", "true");  // a retry must not add a duplicate we did not ask for
    config.properties.emplace("linger.ms", "5");
    LOCH_ASSIGN_OR_RETURN(rd_kafka_conf_t * conf, kafka::client::make_rdkafka_conf(config));
    rd_kafka_conf_set_dr_msg_cb(conf, count_delivery);
    rd_kafka_conf_set_opaque(conf, &counts);
    char err[512];
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (rk == nullptr) {
      rd_kafka_conf_destroy(conf);
      return Status::invalid_argument(std::string("cannot create a producer: ") + err);
    }
    producer.reset(rk);
  }

  generate::ShopGenerator generator(options.shop);
  std::map<std::string, int64_t> per_topic;
  int64_t late = 0, duplicates = 0, disordered = 0, sent = 0;
  auto started = std::chrono::steady_clock::now();
  auto emit = [&](const generate::ShopEvent& event) -> Status {
    if (reference) reference->write(event);
    ++per_topic[event.topic];
    late += event.late;
    duplicates += event.duplicate;
    disordered += event.out_of_order;
    if (!producer) return Status::ok();
    if (options.rate > 0) {
      // Pace by the schedule, not by sleeping per record, so that the rate holds on average.
      auto due = started + std::chrono::duration<double>(static_cast<double>(sent) / options.rate);
      if (due > std::chrono::steady_clock::now()) std::this_thread::sleep_until(due);
    }
    // librdkafka's V_ macros cast their arguments: plain variables only.
    const void* key = event.key ? event.key->data() : nullptr;
    size_t key_size = event.key ? event.key->size() : 0;
    void* value = event.value ? const_cast<char*>(event.value->data()) : nullptr;
    size_t value_size = event.value ? event.value->size() : 0;
    for (;;) {
      rd_kafka_resp_err_t e = rd_kafka_producev(
          producer.get(), RD_KAFKA_V_TOPIC(event.topic.c_str()), RD_KAFKA_V_KEY(key, key_size),
          RD_KAFKA_V_VALUE(value, value_size),
          RD_KAFKA_V_TIMESTAMP(event.event_time_ms), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
      if (e == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        return Status::io_error("produce to " + event.topic + ": " + rd_kafka_err2str(e));
      }
      rd_kafka_poll(producer.get(), 50);
    }
    ++sent;
    rd_kafka_poll(producer.get(), 0);
    return Status::ok();
  };
  for (const generate::ShopEvent& event : generator.snapshot()) LOCH_RETURN_IF_ERROR(emit(event));
  for (int64_t i = 0; i < options.count && !ShutdownSignal::requested(); ++i) {
    LOCH_RETURN_IF_ERROR(emit(generator.next()));
  }
  if (reference) LOCH_RETURN_IF_ERROR(reference->close());
  if (producer) {
    rd_kafka_flush(producer.get(), options.client.timeout_ms);
    if (counts.failed > 0) {
      return Status::io_error(std::to_string(counts.failed.load()) + " record(s) failed: " + counts.first_error);
    }
    if (counts.delivered != sent) {
      return Status::io_error(std::to_string(sent - counts.delivered) + " record(s) not acknowledged within " +
                              std::to_string(options.client.timeout_ms) + " ms");
    }
  }
  std::cout << "generated";
  for (const auto& [topic, n] : per_topic) std::cout << " " << topic << "=" << n;
  std::cout << " late=" << late << " duplicates=" << duplicates << " out_of_order=" << disordered;
  if (producer) std::cout << " produced=" << sent;
  if (reference) std::cout << " reference=" << options.reference;
  std::cout << "\n";
  return Status::ok();
}

}  // namespace

void register_generate_command(CLI::App& app, Settings& settings, int* exit_code) {
  auto options = std::make_shared<GenerateOptions>();
  CLI::App* command = app.add_subcommand(
      "generate", "Produce the streaming-first shop's events: clicks, orders, customers CDC (Debezium JSON)");
  command->add_option("-n,--count", options->count, "Events after the customers' snapshot")->capture_default_str();
  command->add_option("--rate", options->rate, "Records per second to produce (0: as fast as possible)")
      ->capture_default_str();
  command->add_option("--seed", options->shop.seed, "Random seed: the same seed gives the same events")
      ->capture_default_str();
  command->add_option("--customers", options->shop.customers, "Customers in the initial snapshot")->capture_default_str();
  command->add_option("--products", options->shop.products, "Products")->capture_default_str();
  command->add_option("--events-per-second", options->shop.events_per_second,
                      "Event-time spacing: event time advances 1000/N ms per event")
      ->capture_default_str();
  command->add_option("--start-time", options->start_time,
                      "Event time of the first event (ISO-8601 UTC or epoch ms; default 2026-01-01T00:00:00Z)");
  command->add_option("--late-fraction", options->shop.late_fraction, "Fraction of late events")->capture_default_str();
  command->add_option("--late-by-ms", options->shop.late_by_ms, "A late event is at least this far behind")
      ->capture_default_str();
  command->add_option("--out-of-order-fraction", options->shop.out_of_order_fraction,
                      "Fraction of out-of-order (but not late) events")
      ->capture_default_str();
  command->add_option("--disorder-ms", options->shop.disorder_ms, "An out-of-order event is at most this far behind")
      ->capture_default_str();
  command->add_option("--duplicate-fraction", options->shop.duplicate_fraction,
                      "Fraction of events that repeat a recent click or order exactly")
      ->capture_default_str();
  command->add_option("--customer-change-fraction", options->shop.customer_change_fraction,
                      "Fraction of events that change a customer (update, delete + tombstone, create)")
      ->capture_default_str();
  command->add_option("--topic-prefix", options->shop.topic_prefix, "Topics are PREFIX{clicks,orders,customers}")
      ->capture_default_str();
  command->add_option("--partitions", options->partitions, "Partitions of topics created here")->capture_default_str();
  command->add_option("--reference", options->reference,
                      "Also write every event, with its late/duplicate/out_of_order flags, to FILE.jsonl or FILE.parquet");
  command->add_flag("!--no-produce", options->produce, "Only write the reference file");
  add_kafka_client_options(command, settings, options->client);
  command->callback([options, &settings, exit_code] {
    *exit_code = run_kafka_command("generate", settings, options->client, [&] { return run_generate(*options); });
  });
}

}  // namespace loch::cli
