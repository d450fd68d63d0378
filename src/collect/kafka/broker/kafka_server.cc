#include "collect/kafka/broker/kafka_server.h"

#include <deque>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

namespace loch::kafka {
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

uint32_t read_be32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

}  // namespace

Result<RequestPrefix> parse_request_prefix(std::string_view frame) {
  if (frame.size() < 8) {
    return Status::corruption("request of " + std::to_string(frame.size()) +
                              " bytes is shorter than a request header (8 bytes)");
  }
  auto* p = reinterpret_cast<const unsigned char*>(frame.data());
  RequestPrefix prefix;
  prefix.api_key = static_cast<int16_t>((p[0] << 8) | p[1]);
  prefix.api_version = static_cast<int16_t>((p[2] << 8) | p[3]);
  prefix.correlation_id = static_cast<int32_t>(read_be32(p + 4));
  return prefix;
}

KafkaServer::KafkaServer(Options options)
    : options_(std::move(options)), listener_({"kafka", options_.host, options_.port, options_.threads}) {}

KafkaServer::~KafkaServer() { stop(); }

Status KafkaServer::bind() { return listener_.bind(); }

void KafkaServer::start(RequestHandler& handler) {
  handler_ = &handler;
  listener_.start([this](tcp::socket socket) { return serve_connection(std::move(socket)); });
}

void KafkaServer::stop() { listener_.stop(); }

// The state a connection's reader (serve_connection) and writer
// (write_replies) share; both run on the connection's strand, so none of it
// needs a lock.
struct KafkaServer::Connection {
  Connection(tcp::socket s, const asio::any_io_executor& strand)
      : socket(std::move(s)), writer_wake(strand), reader_wake(strand) {}
  tcp::socket socket;
  std::string peer;
  std::deque<HandlerReply> replies;  // handled, not yet written, in request order
  bool reading_done = false;         // no more replies will be queued
  bool writer_done = false;          // the writer has stopped (written all, or failed)
  // More request bytes had already arrived when the reader took its last
  // request: the writer waits before starting a "later" answer (an fsync)
  // until the reader has handled them, so that one fsync covers them all.
  bool more_input_waiting = false;
  // Wake-ups: a timer that never expires, cancelled to wake its waiter.
  asio::steady_timer writer_wake;  // a reply was queued, or reading is done
  asio::steady_timer reader_wake;  // a reply was taken off the queue, or the writer stopped
};

namespace {

asio::awaitable<void> sleep_until_woken(asio::steady_timer& wake) {
  wake.expires_at(asio::steady_timer::time_point::max());
  boost::system::error_code ignored;  // operation_aborted: woken
  co_await wake.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
}

}  // namespace

asio::awaitable<void> KafkaServer::serve_connection(tcp::socket socket) {
  const uint64_t id = next_connection_id_++;
  auto strand = co_await asio::this_coro::executor;
  auto connection = std::make_shared<Connection>(std::move(socket), strand);
  std::string& peer = connection->peer;
  peer = "unknown";
  {
    boost::system::error_code ec;
    auto remote = connection->socket.remote_endpoint(ec);
    if (!ec) peer = remote.address().to_string() + ":" + std::to_string(remote.port());
  }
  spdlog::debug("kafka: connection {} from {}", id, peer);
  asio::co_spawn(strand, write_replies(connection), asio::detached);
  std::string frame;
  for (;;) {
    // Read no further ahead than max_queued_replies answers.
    while (connection->replies.size() >= options_.max_queued_replies && !connection->writer_done) {
      co_await sleep_until_woken(connection->reader_wake);
    }
    if (connection->writer_done) break;  // the writer failed: the client is gone
    boost::system::error_code ec;
    if (connection->more_input_waiting && connection->socket.available(ec) == 0) {
      connection->more_input_waiting = false;  // caught up: the writer may start its fsyncs
      connection->writer_wake.cancel();
    }
    unsigned char size_bytes[4];
    co_await asio::async_read(connection->socket, asio::buffer(size_bytes),
                              asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;  // closed by the client, or reset
    uint32_t size = read_be32(size_bytes);
    if (size > options_.max_request_bytes || static_cast<int32_t>(size) < 0) {
      spdlog::warn("kafka: closing connection from {}: request of {} bytes exceeds socket.request.max.bytes={}",
                   peer, size, options_.max_request_bytes);
      break;
    }
    frame.resize(size);
    co_await asio::async_read(connection->socket, asio::buffer(frame), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;

    connection->more_input_waiting = connection->socket.available(ec) > 0;
    auto prefix = parse_request_prefix(frame);
    if (!prefix.is_ok()) {
      spdlog::warn("kafka: closing connection from {}: {}", peer, prefix.status().message());
      break;
    }
    // Named, not a temporary inside the co_await: g++ 12 mishandles the
    // lifetime of aggregate temporaries in co_await expressions.
    IncomingRequest request{*prefix, frame, peer, id};
    HandlerReply reply = co_await handler_->handle(std::move(request));
    if (reply.action == HandlerReply::Action::kClose) break;
    if (reply.action == HandlerReply::Action::kNoResponse) continue;
    connection->replies.push_back(std::move(reply));
    connection->writer_wake.cancel();
  }
  // The answers already queued are still written, in order, before the
  // connection closes (also when it closes for a bad request after them).
  connection->reading_done = true;
  connection->writer_wake.cancel();
  while (!connection->writer_done) co_await sleep_until_woken(connection->reader_wake);
  boost::system::error_code ignored;
  connection->socket.shutdown(tcp::socket::shutdown_both, ignored);
  connection->socket.close(ignored);
  handler_->connection_closed(id);
  spdlog::debug("kafka: connection {} from {} closed", id, peer);
}

asio::awaitable<void> KafkaServer::write_replies(std::shared_ptr<Connection> connection) {
  for (;;) {
    if (connection->replies.empty()) {
      if (connection->reading_done) break;
      co_await sleep_until_woken(connection->writer_wake);
      continue;
    }
    HandlerReply reply = std::move(connection->replies.front());
    connection->replies.pop_front();
    connection->reader_wake.cancel();
    if (reply.action == HandlerReply::Action::kLater) {
      // Group commit: let the reader append what has already arrived first.
      while (connection->more_input_waiting && !connection->reading_done &&
             connection->replies.size() + 1 < options_.max_queued_replies) {
        co_await sleep_until_woken(connection->writer_wake);
      }
      reply = co_await reply.later();
    }
    if (reply.action == HandlerReply::Action::kNoResponse) continue;
    boost::system::error_code ec;
    if (reply.action == HandlerReply::Action::kRespond) {
      co_await asio::async_write(connection->socket, asio::buffer(reply.response),
                                 asio::redirect_error(asio::use_awaitable, ec));
    }
    if (reply.action != HandlerReply::Action::kRespond || ec) {
      // A failed write, or an answer that turned out to be "close": no later
      // answer may be sent, so stop the reader too (a pending read ends).
      connection->replies.clear();
      connection->socket.cancel(ec);
      connection->socket.shutdown(tcp::socket::shutdown_both, ec);
      break;
    }
  }
  connection->writer_done = true;
  connection->reader_wake.cancel();
}

}  // namespace loch::kafka
