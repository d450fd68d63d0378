#include "collect/kafka/broker/kafka_server.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
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

asio::awaitable<void> KafkaServer::serve_connection(tcp::socket socket) {
  const uint64_t id = next_connection_id_++;
  std::string peer = "unknown";
  {
    boost::system::error_code ec;
    auto remote = socket.remote_endpoint(ec);
    if (!ec) peer = remote.address().to_string() + ":" + std::to_string(remote.port());
  }
  spdlog::debug("kafka: connection {} from {}", id, peer);
  std::string frame;
  for (;;) {
    boost::system::error_code ec;
    unsigned char size_bytes[4];
    co_await asio::async_read(socket, asio::buffer(size_bytes), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;  // closed by the client, or reset
    uint32_t size = read_be32(size_bytes);
    if (size > options_.max_request_bytes || static_cast<int32_t>(size) < 0) {
      spdlog::warn("kafka: closing connection from {}: request of {} bytes exceeds socket.request.max.bytes={}",
                   peer, size, options_.max_request_bytes);
      break;
    }
    frame.resize(size);
    co_await asio::async_read(socket, asio::buffer(frame), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;

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

    co_await asio::async_write(socket, asio::buffer(reply.response), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
  }
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
  handler_->connection_closed(id);
  spdlog::debug("kafka: connection {} from {} closed", id, peer);
}

}  // namespace loch::kafka
