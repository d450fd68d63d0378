// Decoding a request body inside a handler, with the log line that goes with
// a body that does not decode (the connection is then closed).
#pragma once

#include <optional>

#include <spdlog/spdlog.h>

#include "collect/kafka/protocol/request_frame.h"

namespace loch::kafka {

template <typename Request>
std::optional<Request> decode_body_or_log(const RequestFrame& frame) {
  auto request = decode_request_body<Request>(frame);
  if (!request.is_ok()) {
    spdlog::warn("kafka: closing connection of client {}: {}", frame.header.client_id.value_or("?"),
                 request.status().message());
    return std::nullopt;
  }
  return std::move(request).value();
}

}  // namespace loch::kafka
