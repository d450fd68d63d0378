// `loch produce TOPIC`: one record per line of standard input.
#include <librdkafka/rdkafka.h>

#include <atomic>
#include <iostream>
#include <memory>
#include <string>

#include "cli/delivery_counts.h"
#include "cli/kafka_client_options.h"
#include "cli/kafka_commands.h"
#include "common/shutdown.h"

namespace loch::cli {
namespace {

struct ProduceOptions {
  KafkaClientOptions client;
  std::string topic;
  std::string key;            // --key: the same key for every record
  std::string key_separator;  // --key-separator: "key<sep>value" lines
  std::vector<std::string> headers;
  int partition = -1;  // -1: the partitioner (by key)
  std::string acks = "all";
  std::string compression = "none";
};

Status produce(ProduceOptions& options) {
  LOCH_ASSIGN_OR_RETURN(auto config, options.client.client_config());
  config.properties.emplace("acks", options.acks);
  config.properties.emplace("compression.codec", options.compression);
  config.properties.emplace("linger.ms", "5");
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& header : options.headers) {
    auto eq = header.find('=');
    if (eq == std::string::npos) return Status::invalid_argument("--header " + header + ": expected name=value");
    headers.emplace_back(header.substr(0, eq), header.substr(eq + 1));
  }

  LOCH_ASSIGN_OR_RETURN(rd_kafka_conf_t * conf, kafka::client::make_rdkafka_conf(config));
  DeliveryCounts counts;
  rd_kafka_conf_set_dr_msg_cb(conf, count_delivery);
  rd_kafka_conf_set_opaque(conf, &counts);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Status::invalid_argument(std::string("cannot create a producer: ") + err);
  }
  std::unique_ptr<rd_kafka_t, void (*)(rd_kafka_t*)> producer(rk, rd_kafka_destroy);

  std::string line;
  int64_t sent = 0;
  while (!ShutdownSignal::requested() && std::getline(std::cin, line)) {
    std::string key = options.key;
    std::string value = line;
    if (!options.key_separator.empty()) {
      auto at = line.find(options.key_separator);
      if (at != std::string::npos) {
        key = line.substr(0, at);
        value = line.substr(at + options.key_separator.size());
      }
    }
    rd_kafka_headers_t* record_headers = nullptr;
    if (!headers.empty()) {
      record_headers = rd_kafka_headers_new(headers.size());
      for (const auto& [name, header_value] : headers) {
        rd_kafka_header_add(record_headers, name.c_str(), -1, header_value.data(), header_value.size());
      }
    }
    for (;;) {
      rd_kafka_resp_err_t e = rd_kafka_producev(
          rk, RD_KAFKA_V_TOPIC(options.topic.c_str()), RD_KAFKA_V_PARTITION(options.partition),
          RD_KAFKA_V_VALUE(value.data(), value.size()),
          RD_KAFKA_V_KEY(key.empty() ? nullptr : key.data(), key.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_HEADERS(record_headers), RD_KAFKA_V_END);
      if (e == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        if (record_headers) rd_kafka_headers_destroy(record_headers);
        return Status::invalid_argument(std::string("produce to ") + options.topic + ": " + rd_kafka_err2str(e));
      }
      rd_kafka_poll(rk, 50);
    }
    ++sent;
    rd_kafka_poll(rk, 0);
  }
  rd_kafka_flush(rk, options.client.timeout_ms);
  int64_t unfinished = rd_kafka_outq_len(rk);
  std::cerr << "Produced " << counts.delivered << " of " << sent << " record(s) to " << options.topic << "\n";
  if (counts.failed > 0) {
    return Status::io_error(std::to_string(counts.failed.load()) + " record(s) failed: " + counts.first_error);
  }
  if (unfinished > 0 || counts.delivered != sent) {
    return Status::io_error(std::to_string(sent - counts.delivered) + " record(s) not acknowledged within " +
                            std::to_string(options.client.timeout_ms) + " ms");
  }
  return Status::ok();
}

}  // namespace

void register_produce_command(CLI::App& app, Settings& settings, int* exit_code) {
  auto options = std::make_shared<ProduceOptions>();
  CLI::App* command = app.add_subcommand("produce", "Send each line of standard input as a record to a topic");
  command->add_option("topic", options->topic, "Topic to produce to")->required();
  command->add_option("-k,--key", options->key, "Key of every record");
  command->add_option("-K,--key-separator", options->key_separator, "Split each line into key and value at this text");
  command->add_option("-H,--header", options->headers, "Record header name=value, repeatable");
  command->add_option("-p,--partition", options->partition, "Partition (default: by key, as Kafka's partitioner)");
  command->add_option("--acks", options->acks, "0, 1 or all")->capture_default_str()->check(CLI::IsMember({"0", "1", "all", "-1"}));
  command->add_option("-z,--compression", options->compression, "none, gzip, snappy, lz4 or zstd")
      ->capture_default_str()
      ->check(CLI::IsMember({"none", "gzip", "snappy", "lz4", "zstd"}));
  add_kafka_client_options(command, settings, options->client);
  command->callback([options, &settings, exit_code] {
    *exit_code = run_kafka_command("produce", settings, options->client, [&] { return produce(*options); });
  });
}

}  // namespace loch::cli
