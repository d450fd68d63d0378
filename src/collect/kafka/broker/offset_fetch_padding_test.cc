// OffsetFetch v7 as librdkafka 2.0.2 sends it for "every partition" (a null
// topics array followed by three stray zero bytes) is answered, as Kafka
// does; other bodies with bytes after their end still close the connection.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "collect/kafka/broker/broker.h"
#include "collect/kafka/broker/broker_test_util.h"
#include "collect/kafka/broker/consumer_offsets_store.h"
#include "collect/kafka/log/log_test_util.h"
#include "collect/kafka/protocol/messages/offset_commit_request.h"
#include "collect/kafka/protocol/messages/offset_commit_response.h"
#include "collect/kafka/protocol/messages/offset_fetch_request.h"
#include "collect/kafka/protocol/messages/offset_fetch_response.h"

namespace loch::kafka {
namespace {

class OffsetFetchPaddingTest : public testing::BrokerDataTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(open_logs({{"orders", 1}}));
    ASSERT_NO_FATAL_FAILURE(open_offsets_store(3));
    coordinator_ = std::make_unique<groups::GroupCoordinator>(groups::GroupCoordinator::Options{}, *store_);
    ASSERT_TRUE(coordinator_->load().is_ok());
    broker_ = std::make_unique<Broker>(BrokerOptions{}, *logs_);
    broker_->set_group_coordinator(coordinator_.get());
    OffsetCommitRequest commit;  // a standalone consumer's commit
    commit.group_id = "g";
    commit.topics.push_back({"orders", {{0, 42, -1, -1, "", {}}}, {}});
    ASSERT_EQ(testing::call_broker<OffsetCommitResponse>(*broker_, commit, 2).topics.size(), 1u);
  }

  // The broker's reply to an OffsetFetch v7 frame for group "g" with all
  // topics, with `extra` inserted right after the null topics array.
  HandlerReply reply_with_extra(const std::string& extra) {
    RequestHeader header;
    header.request_api_key = OffsetFetchRequest::kApiKey;
    header.request_api_version = 7;
    header.correlation_id = 9;
    header.client_id = "rdkafka";
    OffsetFetchRequest request;
    request.group_id = "g";
    request.topics = std::nullopt;
    std::string frame;
    append_request_frame(header, request, frame);
    // The body ends with: null array (0x00), require_stable (0x00), tags (0x00).
    frame.insert(frame.size() - 2, extra);
    WireWriter::patch_int32(frame, 0, static_cast<int32_t>(frame.size() - 4));
    std::string_view bytes = std::string_view(frame).substr(4);
    IncomingRequest incoming{*parse_request_prefix(bytes), bytes, "127.0.0.1:40000", 1};
    std::optional<HandlerReply> reply;
    boost::asio::io_context io;
    boost::asio::co_spawn(io, testing::answer_of(*broker_, incoming), [&](std::exception_ptr error, HandlerReply r) {
      if (error) std::rethrow_exception(error);
      reply = std::move(r);
    });
    io.run();
    EXPECT_TRUE(reply.has_value());
    return reply ? std::move(*reply) : HandlerReply::close();
  }

  std::unique_ptr<groups::GroupCoordinator> coordinator_;
  std::unique_ptr<Broker> broker_;
};

TEST_F(OffsetFetchPaddingTest, Librdkafka202NullTopicsPlaceholderIsRead) {
  HandlerReply reply = reply_with_extra(std::string(3, '\0'));
  ASSERT_EQ(reply.action, HandlerReply::Action::kRespond);
  auto frame = decode_response_frame(std::string_view(reply.response).substr(4), OffsetFetchRequest::kApiKey, 7);
  ASSERT_TRUE(frame.is_ok());
  auto response = decode_message<OffsetFetchResponse>(frame->body, 7);
  ASSERT_TRUE(response.is_ok());
  ASSERT_EQ(response->topics.size(), 1u);
  EXPECT_EQ(response->topics[0].name, "orders");
  EXPECT_EQ(response->topics[0].partitions[0].committed_offset, 42);
}

TEST_F(OffsetFetchPaddingTest, OtherStrayBytesStillCloseTheConnection) {
  EXPECT_EQ(reply_with_extra(std::string("\0\0\1", 3)).action, HandlerReply::Action::kClose);
  EXPECT_EQ(reply_with_extra(std::string(2, '\0')).action, HandlerReply::Action::kClose);
}

}  // namespace
}  // namespace loch::kafka
