// Test helper (header-only, test code only): one request through
// Broker::handle as bytes on the wire, and its decoded answer.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <utility>  // before asio: Boost 1.74's awaitable.hpp uses std::exchange unincluded
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "collect/kafka/broker/broker.h"
#include "collect/kafka/broker/consumer_offsets_store.h"
#include "collect/kafka/log/log_test_util.h"

namespace loch::kafka::testing {

// The broker's answer to `incoming`, also when it comes later (an acks=all
// produce waiting for its fsync), as the connection's writer would get it.
inline boost::asio::awaitable<HandlerReply> answer_of(Broker& broker, IncomingRequest incoming) {
  HandlerReply reply = co_await broker.handle(std::move(incoming));
  if (reply.action == HandlerReply::Action::kLater) reply = co_await reply.later();
  co_return reply;
}

// Encodes `request` at `version` with `correlation_id`, runs the broker's
// handler until it answers (calling `between_polls` every 10 ms while it
// waits, e.g. a coordinator's tick; at most 5 s) and decodes the answer.
// Failures are gtest failures; the answer is then a default Response.
template <typename Response, typename Request>
Response call_broker(Broker& broker, const Request& request, int16_t version, int32_t correlation_id = 1,
                     const std::function<void()>& between_polls = {}) {
  RequestHeader header;
  header.request_api_key = Request::kApiKey;
  header.request_api_version = version;
  header.correlation_id = correlation_id;
  header.client_id = "test-client";
  std::string frame;
  append_request_frame(header, request, frame);
  std::string_view bytes = std::string_view(frame).substr(4);
  IncomingRequest incoming{*parse_request_prefix(bytes), bytes, "127.0.0.1:40000", 1};

  std::optional<HandlerReply> reply;
  boost::asio::io_context io;
  boost::asio::co_spawn(io, answer_of(broker, incoming), [&](std::exception_ptr error, HandlerReply r) {
    if (error) std::rethrow_exception(error);
    reply = std::move(r);
  });
  for (int i = 0; i < 500 && !reply; ++i) {
    io.run_for(std::chrono::milliseconds(10));
    if (!reply && between_polls) between_polls();
  }
  EXPECT_TRUE(reply.has_value());
  if (!reply) return Response{};
  EXPECT_EQ(reply->action, HandlerReply::Action::kRespond);
  if (reply->action != HandlerReply::Action::kRespond) return Response{};
  auto response_frame = decode_response_frame(std::string_view(reply->response).substr(4), Request::kApiKey, version);
  EXPECT_TRUE(response_frame.is_ok());
  if (!response_frame.is_ok()) return Response{};
  EXPECT_EQ(response_frame->header.correlation_id, correlation_id);
  auto response = decode_message<Response>(response_frame->body, version);
  EXPECT_TRUE(response.is_ok()) << response.status().to_string();
  return response.is_ok() ? *response : Response{};
}

// Base of the handler tests' fixtures: what a broker runs on, the logs in a
// temporary directory and the __consumer_offsets store. Members are declared
// here first so they outlive what a test builds on them. Call the openers
// through ASSERT_NO_FATAL_FAILURE so a failed open stops SetUp.
class BrokerDataTest : public ::testing::Test {
 protected:
  // Opens logs_ in dir_ and creates `topics` (name, partition count).
  void open_logs(const std::vector<std::pair<std::string, int32_t>>& topics = {}) {
    LogManagerOptions log_options;
    log_options.data_dir = dir_.path();
    auto logs = LogManager::open(log_options);
    ASSERT_TRUE(logs.is_ok()) << logs.status().to_string();
    logs_ = std::move(logs).value();
    for (const auto& [name, partitions] : topics) {
      ASSERT_TRUE(logs_->create_topic(name, partitions).is_ok()) << name;
    }
  }

  // (Re)opens store_ on logs_ with `partitions` __consumer_offsets partitions.
  void open_offsets_store(int32_t partitions) {
    auto store = ConsumerOffsetsStore::open(*logs_, partitions);
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    store_ = std::move(store).value();
  }

  TemporaryDirectory dir_;
  std::unique_ptr<LogManager> logs_;
  std::unique_ptr<ConsumerOffsetsStore> store_;
};

}  // namespace loch::kafka::testing
