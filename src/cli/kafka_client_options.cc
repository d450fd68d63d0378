#include "cli/kafka_client_options.h"

#include <ctime>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace loch::cli {

Result<kafka::client::ClientConfig> KafkaClientOptions::client_config() const {
  kafka::client::ClientConfig config;
  config.bootstrap = bootstrap;
  config.timeout = std::chrono::milliseconds(timeout_ms);
  for (const auto& property : properties) {
    auto eq = property.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::invalid_argument("-X " + property + ": expected name=value (a librdkafka setting)");
    }
    config.properties[property.substr(0, eq)] = property.substr(eq + 1);
  }
  return config;
}

void add_kafka_client_options(CLI::App* command, Settings& settings, KafkaClientOptions& options) {
  settings.add(command, "-b,--bootstrap", "kafka.bootstrap", &options.bootstrap,
               "Kafka bootstrap servers: loch serve or any Kafka-compatible cluster");
  command->add_option("-X", options.properties,
                      "librdkafka setting name=value, repeatable (e.g. security.protocol=SASL_SSL)");
  settings.add(command, "--timeout-ms", "kafka.timeout_ms", &options.timeout_ms, "How long to wait for the cluster");
  add_common_options(command, settings, options.common);
}

// "2026-11-25T08:00:00Z", "2026-11-25 08:00:00" (UTC) or milliseconds since
// the epoch.
Result<int64_t> parse_time_ms(const std::string& text) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) return std::stoll(text);
  std::tm tm{};
  std::string normalized = text;
  for (char& c : normalized) {
    if (c == 'T') c = ' ';
  }
  if (!normalized.empty() && normalized.back() == 'Z') normalized.pop_back();
  std::istringstream in(normalized);
  in >> std::get_time(&tm, "%Y-%m-%d %H:%M:%S");
  if (in.fail()) {
    in.clear();
    in.str(normalized);
    tm = {};
    in >> std::get_time(&tm, "%Y-%m-%d");
    if (in.fail()) {
      return Status::invalid_argument("--from-time " + text +
                                      ": expected YYYY-MM-DD[THH:MM:SS][Z] (UTC) or milliseconds since the epoch");
    }
  }
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

int run_kafka_command(const std::string& name, Settings& settings, KafkaClientOptions& options,
                      const std::function<Status()>& body) {
  Status status = finish_common_options(settings, options.common);
  if (!status.is_ok()) {
    std::cerr << "loch " << name << ": " << status.message() << "\n";
    return 2;
  }
  status = body();
  if (!status.is_ok()) {
    std::cerr << "loch " << name << ": " << status.message() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace loch::cli
