// KafkaServer: the Kafka protocol's transport, and nothing of its meaning.
//
// Each connection is read as a stream of frames (INT32 size, then that many
// bytes: a request header and body, see doc/kafka-protocol.md). Requests of
// one connection are handled one at a time, in the order they arrived, and
// answered in that order: the ordering guarantee Kafka clients rely on when
// they pipeline. A handler may answer "later" (an acks=all produce waiting
// for its fsync): the connection then goes on reading and handling the next
// requests while a writer sends the answers strictly in request order, each
// once it is known. So the up to 5 requests an idempotent producer keeps in
// flight share fsyncs instead of paying one each in turn.
// Connections are independent: a slow or broken one never holds up another.
//
// Threading: the server runs its io_context on `threads` threads; a
// connection's reading, handling and writing happen on one strand, so a
// RequestHandler may be called concurrently for different connections and
// must be thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>  // before asio: Boost 1.74's awaitable.hpp uses std::exchange unincluded
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "common/result.h"
#include "common/net/tcp_listener.h"

namespace loch::kafka {

// The fields every request header starts with, in every version.
struct RequestPrefix {
  int16_t api_key = 0;
  int16_t api_version = 0;
  int32_t correlation_id = 0;
};

// One request as it came off the wire, before its header is decoded.
struct IncomingRequest {
  RequestPrefix prefix;
  std::string_view bytes;  // the whole frame after the size: header and body
  std::string peer;        // "127.0.0.1:53412", for logs
  uint64_t connection_id = 0;
};

// What to do after a request: send `response` (a whole frame: INT32 size,
// response header and body), send nothing (acks=0 produce), close the
// connection (a frame that cannot be answered), or answer later: `later`
// yields one of the other three when the answer is known, and is awaited in
// request order by the connection's writer, after the answers before it.
// It must not refer to the request's bytes (the next request reuses them).
struct HandlerReply {
  enum class Action { kRespond, kNoResponse, kClose, kLater };
  Action action = Action::kRespond;
  std::string response;
  std::function<boost::asio::awaitable<HandlerReply>()> later;

  static HandlerReply respond(std::string bytes) { return {Action::kRespond, std::move(bytes), {}}; }
  static HandlerReply no_response() { return {Action::kNoResponse, {}, {}}; }
  static HandlerReply close() { return {Action::kClose, {}, {}}; }
  static HandlerReply answer_later(std::function<boost::asio::awaitable<HandlerReply>()> later) {
    return {Action::kLater, {}, std::move(later)};
  }
};

class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  // Answers one request. May suspend (a Fetch waiting for data).
  virtual boost::asio::awaitable<HandlerReply> handle(IncomingRequest frame) = 0;
  // Called once when a connection ends, for per-connection state.
  virtual void connection_closed(uint64_t /*connection_id*/) {}
};

class KafkaServer {
 public:
  struct Options {
    std::string host = "0.0.0.0";
    uint16_t port = 9092;                         // 0 picks a free port (tests)
    size_t max_request_bytes = 100 * 1024 * 1024;  // Kafka's socket.request.max.bytes
    int threads = 2;
    // Answers of one connection waiting to be written (mostly produce
    // requests waiting for their fsync) before it stops reading more.
    size_t max_queued_replies = 64;
  };

  explicit KafkaServer(Options options);
  ~KafkaServer();

  // Binds the listening socket; bound_port() is known from here on (the
  // broker advertises it when the configured port is 0).
  Status bind();
  // Starts accepting and answering with `handler` on background threads.
  void start(RequestHandler& handler);
  // Stops accepting, closes connections and joins the threads.
  void stop();

  uint16_t bound_port() const { return listener_.bound_port(); }

 private:
  struct Connection;
  boost::asio::awaitable<void> serve_connection(boost::asio::ip::tcp::socket socket);
  boost::asio::awaitable<void> write_replies(std::shared_ptr<Connection> connection);

  Options options_;
  RequestHandler* handler_ = nullptr;
  TcpListener listener_;
  std::atomic<uint64_t> next_connection_id_{1};
};

// Parses the api key, version and correlation id at the start of a request.
Result<RequestPrefix> parse_request_prefix(std::string_view frame);

}  // namespace loch::kafka
