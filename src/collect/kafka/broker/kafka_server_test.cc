#include "collect/kafka/broker/kafka_server.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <poll.h>

#include <atomic>
#include <memory>

#include "collect/kafka/broker/log_syncer.h"

namespace loch::kafka {
namespace {

// Answers every request with its correlation id and the frame's size;
// api key 99 asks for no response and api key 98 for a closed connection.
// Api keys 97 and 96 answer later, once the test opens `gate`: 97 with the
// echo, 96 by closing the connection. Api key 95 answers later at once and
// records how many requests had been handled when the writer started it.
class EchoHandler : public RequestHandler {
 public:
  boost::asio::awaitable<HandlerReply> handle(IncomingRequest frame) override {
    ++requests;
    if (frame.prefix.api_key == 99) co_return HandlerReply::no_response();
    if (frame.prefix.api_key == 98) co_return HandlerReply::close();
    HandlerReply echo = HandlerReply::respond(echo_of(frame));
    if (frame.prefix.api_key == 95) {
      co_return HandlerReply::answer_later([this, echo]() -> boost::asio::awaitable<HandlerReply> {
        handled_when_started = requests.load();
        co_return echo;
      });
    }
    if (frame.prefix.api_key == 97 || frame.prefix.api_key == 96) {
      auto gate = gate_;
      bool close = frame.prefix.api_key == 96;
      co_return HandlerReply::answer_later([gate, close, echo]() -> boost::asio::awaitable<HandlerReply> {
        // A copy, not the capture: the closure may be gone once suspended.
        HandlerReply answer = close ? HandlerReply::close() : echo;
        co_await gate->wait();
        co_return answer;
      });
    }
    co_return echo;
  }
  static std::string echo_of(const IncomingRequest& frame) {
    std::string out(12, '\0');
    uint32_t length = htonl(8);
    int32_t id = htonl(frame.prefix.correlation_id);
    uint32_t size = htonl(static_cast<uint32_t>(frame.bytes.size()));
    memcpy(out.data(), &length, 4);
    memcpy(out.data() + 4, &id, 4);
    memcpy(out.data() + 8, &size, 4);
    return out;
  }
  void connection_closed(uint64_t) override { ++closed; }
  void open_gate() { gate_->complete(Status::ok()); }
  std::atomic<int> requests{0};
  std::atomic<int> closed{0};
  std::atomic<int> handled_when_started{0};

 private:
  std::shared_ptr<SyncTicket> gate_ = std::make_shared<SyncTicket>();
};

int connect_to(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  return fd;
}

std::string frame(int16_t api_key, int32_t correlation_id, size_t extra = 0) {
  std::string body(8 + extra, 'x');
  uint16_t key = htons(static_cast<uint16_t>(api_key));
  uint16_t version = htons(0);
  int32_t id = htonl(correlation_id);
  memcpy(body.data(), &key, 2);
  memcpy(body.data() + 2, &version, 2);
  memcpy(body.data() + 4, &id, 4);
  uint32_t size = htonl(static_cast<uint32_t>(body.size()));
  return std::string(reinterpret_cast<char*>(&size), 4) + body;
}

void send_all(int fd, const std::string& bytes) {
  ASSERT_EQ(write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
}

// Reads one response frame; empty when the server closed the connection.
std::string read_frame(int fd) {
  uint32_t size = 0;
  if (recv(fd, &size, 4, MSG_WAITALL) != 4) return {};
  std::string out(ntohl(size), '\0');
  if (recv(fd, out.data(), out.size(), MSG_WAITALL) != static_cast<ssize_t>(out.size())) return {};
  return out;
}

int32_t correlation_of(const std::string& response) {
  int32_t id;
  memcpy(&id, response.data(), 4);
  return ntohl(id);
}

class KafkaServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    KafkaServer::Options options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.max_request_bytes = 1024;
    options.max_queued_replies = 4;
    server_ = std::make_unique<KafkaServer>(options);
    ASSERT_TRUE(server_->bind().is_ok());
    server_->start(handler_);
  }
  void TearDown() override { server_->stop(); }

  EchoHandler handler_;
  std::unique_ptr<KafkaServer> server_;
};

}  // namespace

TEST_F(KafkaServerTest, PipelinedRequestsAreAnsweredInOrder) {
  int fd = connect_to(server_->bound_port());
  std::string batch;
  for (int i = 0; i < 50; ++i) batch += frame(18, 1000 + i, i);
  send_all(fd, batch);
  for (int i = 0; i < 50; ++i) {
    std::string response = read_frame(fd);
    ASSERT_EQ(response.size(), 8u);
    EXPECT_EQ(correlation_of(response), 1000 + i);
  }
  close(fd);
}

TEST_F(KafkaServerTest, NoResponseRequestsAreSkippedWithoutBreakingOrder) {
  int fd = connect_to(server_->bound_port());
  send_all(fd, frame(99, 1) + frame(18, 2));
  EXPECT_EQ(correlation_of(read_frame(fd)), 2);
  close(fd);
}

TEST_F(KafkaServerTest, OversizedRequestClosesOnlyThatConnection) {
  int bad = connect_to(server_->bound_port());
  int good = connect_to(server_->bound_port());
  send_all(bad, frame(18, 7, 5000));
  EXPECT_EQ(read_frame(bad), "");  // closed, no answer
  send_all(good, frame(18, 8));
  EXPECT_EQ(correlation_of(read_frame(good)), 8);
  close(bad);
  close(good);
}

TEST_F(KafkaServerTest, TruncatedHeaderClosesTheConnection) {
  int fd = connect_to(server_->bound_port());
  std::string tiny("\0\0\0\3abc", 7);
  send_all(fd, tiny);
  EXPECT_EQ(read_frame(fd), "");
  close(fd);
}

TEST_F(KafkaServerTest, HandlerMayAskToClose) {
  int fd = connect_to(server_->bound_port());
  send_all(fd, frame(98, 1));
  EXPECT_EQ(read_frame(fd), "");
  close(fd);
  for (int i = 0; i < 200 && handler_.closed.load() == 0; ++i) usleep(5000);
  EXPECT_GE(handler_.closed.load(), 1);
}

// Waits (at most 5 s) until the handler has seen `count` requests.
bool handled_at_least(EchoHandler& handler, int count) {
  for (int i = 0; i < 1000 && handler.requests.load() < count; ++i) usleep(5000);
  return handler.requests.load() >= count;
}

// Whether the server sent anything within 100 ms.
bool readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, 100) > 0;
}

TEST_F(KafkaServerTest, LaterAnswerIsWrittenBeforeTheAnswersOfRequestsHandledMeanwhile) {
  int fd = connect_to(server_->bound_port());
  send_all(fd, frame(97, 1) + frame(18, 2) + frame(18, 3));
  // The connection went on handling requests 2 and 3 while 1 waits ...
  ASSERT_TRUE(handled_at_least(handler_, 3));
  // ... but their answers are held back behind the answer to 1.
  EXPECT_FALSE(readable(fd));
  handler_.open_gate();
  EXPECT_EQ(correlation_of(read_frame(fd)), 1);
  EXPECT_EQ(correlation_of(read_frame(fd)), 2);
  EXPECT_EQ(correlation_of(read_frame(fd)), 3);
  close(fd);
}

TEST_F(KafkaServerTest, LaterAnswerStartsOnceTheRequestsAlreadyReceivedAreHandled) {
  int fd = connect_to(server_->bound_port());
  // One write: requests 2 and 3 are in the socket when 1 is read, so 1's
  // fsync (here: its later part) starts after they were handled.
  send_all(fd, frame(95, 1) + frame(18, 2) + frame(18, 3));
  EXPECT_EQ(correlation_of(read_frame(fd)), 1);
  EXPECT_EQ(correlation_of(read_frame(fd)), 2);
  EXPECT_EQ(correlation_of(read_frame(fd)), 3);
  EXPECT_EQ(handler_.handled_when_started.load(), 3);
  close(fd);
}

TEST_F(KafkaServerTest, ReadAheadStopsAtMaxQueuedReplies) {
  int fd = connect_to(server_->bound_port());
  std::string requests = frame(97, 0);
  for (int i = 1; i <= 10; ++i) requests += frame(18, i);
  send_all(fd, requests);
  // The writer holds request 0's answer; 4 more answers fill the queue.
  ASSERT_TRUE(handled_at_least(handler_, 5));
  EXPECT_FALSE(readable(fd));
  EXPECT_EQ(handler_.requests.load(), 5);
  handler_.open_gate();
  for (int i = 0; i <= 10; ++i) EXPECT_EQ(correlation_of(read_frame(fd)), i);
  EXPECT_EQ(handler_.requests.load(), 11);
  close(fd);
}

TEST_F(KafkaServerTest, LaterAnswerMayCloseAfterTheAnswersBeforeIt) {
  int fd = connect_to(server_->bound_port());
  send_all(fd, frame(18, 1) + frame(96, 2) + frame(18, 3));
  ASSERT_TRUE(handled_at_least(handler_, 3));
  handler_.open_gate();
  EXPECT_EQ(correlation_of(read_frame(fd)), 1);
  EXPECT_EQ(read_frame(fd), "");  // closed: neither 2 nor 3 is answered
  close(fd);
}

TEST_F(KafkaServerTest, AnswersQueuedBeforeABadRequestAreStillWritten) {
  int fd = connect_to(server_->bound_port());
  send_all(fd, frame(97, 1) + frame(18, 2) + std::string("\0\0\0\3abc", 7));
  ASSERT_TRUE(handled_at_least(handler_, 2));
  handler_.open_gate();
  EXPECT_EQ(correlation_of(read_frame(fd)), 1);
  EXPECT_EQ(correlation_of(read_frame(fd)), 2);
  EXPECT_EQ(read_frame(fd), "");
  close(fd);
}

TEST(RequestPrefix, ParsesKeyVersionAndCorrelation) {
  std::string bytes = frame(3, 0x01020304).substr(4);
  auto prefix = parse_request_prefix(bytes);
  ASSERT_TRUE(prefix.is_ok());
  EXPECT_EQ(prefix->api_key, 3);
  EXPECT_EQ(prefix->correlation_id, 0x01020304);
  EXPECT_FALSE(parse_request_prefix("short").is_ok());
}

}  // namespace loch::kafka
