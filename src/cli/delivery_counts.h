// Delivery reports of the commands that produce through librdkafka
// (produce, generate, dlq replay): how many records were acknowledged, how
// many failed, and the first failure's reason.
#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <cstdint>
#include <string>

namespace loch::cli {

struct DeliveryCounts {
  std::atomic<int64_t> delivered{0};
  std::atomic<int64_t> failed{0};
  std::string first_error;  // written on the polling thread only
};

// The dr_msg_cb to install with rd_kafka_conf_set_opaque(conf, &counts).
inline void count_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  auto* counts = static_cast<DeliveryCounts*>(opaque);
  if (message->err) {
    if (counts->failed++ == 0) counts->first_error = rd_kafka_err2str(message->err);
  } else {
    counts->delivered++;
  }
}

}  // namespace loch::cli
