// Options of the commands that are Kafka clients (topic, produce, consume,
// group): where the cluster is, and librdkafka settings passed through.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/common_options.h"
#include "collect/kafka/client/kafka_client.h"

namespace loch::cli {

struct KafkaClientOptions {
  CommonOptions common;
  std::string bootstrap = "localhost:9092";
  std::vector<std::string> properties;  // -X name=value
  int timeout_ms = 10000;

  // The client configuration, or an error naming the bad -X setting.
  Result<kafka::client::ClientConfig> client_config() const;
};

void add_kafka_client_options(CLI::App* command, Settings& settings, KafkaClientOptions& options);

// A time given on the command line: "2026-11-25T08:00:00Z",
// "2026-11-25 08:00:00" or "2026-11-25" (UTC), or milliseconds since the epoch.
Result<int64_t> parse_time_ms(const std::string& text);

// Runs `body` after the common options are applied; prints its error as
// "loch COMMAND: ..." and returns the exit code.
int run_kafka_command(const std::string& name, Settings& settings, KafkaClientOptions& options,
                      const std::function<Status()>& body);

}  // namespace loch::cli
