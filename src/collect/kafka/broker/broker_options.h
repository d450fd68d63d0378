// The broker's settings (`loch serve --help` shows them with defaults).
#pragma once

#include <cstdint>
#include <string>

#include "collect/kafka/log/log_config.h"

namespace loch::kafka {

struct BrokerOptions {
  int32_t node_id = 1;
  // What Metadata tells clients to connect to (advertised.listeners).
  std::string advertised_host = "localhost";
  int32_t advertised_port = 9092;
  std::string cluster_id;  // generated once and kept in <data-dir>/meta/cluster_id
  bool auto_create_topics = true;  // auto.create.topics.enable
  int32_t num_partitions = 1;      // num.partitions: for auto-created and -1 partition counts
  // fetch.max.wait.ms cap: a Fetch never waits longer than this for data.
  int32_t max_fetch_wait_ms = 30000;
  // Topic settings for topics without overrides (the broker's log.* settings).
  LogConfig log_defaults;
};

}  // namespace loch::kafka
