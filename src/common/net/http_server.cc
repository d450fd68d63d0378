#include "common/net/http_server.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <spdlog/spdlog.h>

namespace loch {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;

namespace {

constexpr uint32_t kMaxHeaderBytes = 64 * 1024;

std::string json_string(const std::string& text) {
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') quoted += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) quoted += c;
  }
  return quoted + "\"";
}

}  // namespace

HttpServer::HttpServer(Options options, HttpHandler handler)
    : options_(std::move(options)),
      handler_(std::move(handler)),
      listener_({options_.name, options_.host, options_.port, options_.threads}) {}

Status HttpServer::bind() { return listener_.bind(); }

void HttpServer::start() {
  listener_.start([this](tcp::socket socket) { return serve_connection(std::move(socket)); });
}

void HttpServer::stop() { listener_.stop(); }

HttpAnswer HttpServer::error_answer(int status, const std::string& message) const {
  if (options_.error_answer) return options_.error_answer(status, message);
  return {status, "application/json",
          "{\"error_code\":" + std::to_string(status) + ",\"message\":" + json_string(message) + "}"};
}

asio::awaitable<void> HttpServer::serve_connection(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(kMaxHeaderBytes);
    parser.body_limit(options_.max_body_bytes);
    stream.expires_after(options_.idle_timeout);
    boost::system::error_code ec;
    co_await bhttp::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == bhttp::error::end_of_stream || ec == asio::error::eof || ec == beast::error::timeout ||
        ec == asio::error::connection_reset || ec == asio::error::operation_aborted) {
      break;
    }
    bool keep_alive = false;
    unsigned version = 11;
    HttpAnswer answer;
    if (ec == bhttp::error::body_limit) {
      answer = error_answer(413, "Request body exceeds the limit of " + std::to_string(options_.max_body_bytes) + " bytes");
    } else if (ec == bhttp::error::header_limit) {
      answer = error_answer(431, "Request headers exceed " + std::to_string(kMaxHeaderBytes) + " bytes");
    } else if (ec) {
      answer = error_answer(400, "Bad HTTP request: " + ec.message());
    } else {
      const bhttp::request<bhttp::string_body>& request = parser.get();
      version = request.version();
      keep_alive = request.keep_alive();
      const HttpRequest routed{std::string(request.method_string()), std::string(request.target()), request.body(),
                               std::string(request[bhttp::field::content_type]),
                               std::string(request[bhttp::field::authorization])};
      answer = handler_(routed);
      spdlog::debug("{}: {} {} -> {}", options_.name, routed.method, routed.target, answer.status);
    }
    // Named, not a temporary inside the co_await (g++ 12, see STYLE.md).
    bhttp::response<bhttp::string_body> response{static_cast<bhttp::status>(answer.status), version};
    response.set(bhttp::field::server, "loch");
    response.set(bhttp::field::content_type, answer.content_type);
    if (!answer.www_authenticate.empty()) response.set(bhttp::field::www_authenticate, answer.www_authenticate);
    response.keep_alive(keep_alive);
    response.body() = std::move(answer.body);
    response.prepare_payload();
    stream.expires_after(options_.idle_timeout);
    co_await bhttp::async_write(stream, response, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !keep_alive) break;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.socket().close(ignored);
}

}  // namespace loch
