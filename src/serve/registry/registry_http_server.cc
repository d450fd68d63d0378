#include "serve/registry/registry_http_server.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <spdlog/spdlog.h>

namespace loch::serve {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using asio::ip::tcp;

namespace {

constexpr uint32_t kMaxHeaderBytes = 64 * 1024;

http::response<http::string_body> make_response(const RegistryAnswer& answer, unsigned version, bool keep_alive) {
  http::response<http::string_body> response{static_cast<http::status>(answer.status), version};
  response.set(http::field::server, "loch");
  response.set(http::field::content_type, answer.content_type);
  response.keep_alive(keep_alive);
  response.body() = answer.body;
  response.prepare_payload();
  return response;
}

}  // namespace

RegistryHttpServer::RegistryHttpServer(Options options, const RegistryRouter& router)
    : options_(std::move(options)),
      router_(router),
      listener_({"registry", options_.host, options_.port, options_.threads}) {}

RegistryHttpServer::~RegistryHttpServer() { stop(); }

Status RegistryHttpServer::bind() { return listener_.bind(); }

void RegistryHttpServer::start() {
  listener_.start([this](tcp::socket socket) { return serve_connection(std::move(socket)); });
}

void RegistryHttpServer::stop() { listener_.stop(); }

asio::awaitable<void> RegistryHttpServer::serve_connection(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(kMaxHeaderBytes);
    parser.body_limit(options_.max_body_bytes);
    stream.expires_after(options_.idle_timeout);
    boost::system::error_code ec;
    co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == beast::error::timeout ||
        ec == asio::error::connection_reset || ec == asio::error::operation_aborted) {
      break;
    }
    bool keep_alive = false;
    RegistryAnswer answer;
    unsigned version = 11;
    if (ec == http::error::body_limit) {
      answer = registry_error_answer(413, 413,
                                     "Request body exceeds the limit of " + std::to_string(options_.max_body_bytes) +
                                         " bytes");
    } else if (ec == http::error::header_limit) {
      answer = registry_error_answer(431, 431, "Request headers exceed " + std::to_string(kMaxHeaderBytes) + " bytes");
    } else if (ec) {
      answer = registry_error_answer(400, 400, "Bad HTTP request: " + ec.message());
    } else {
      const http::request<http::string_body>& request = parser.get();
      version = request.version();
      keep_alive = request.keep_alive();
      const std::string method(request.method_string());
      const std::string target(request.target());
      const std::string content_type(request[http::field::content_type]);
      const RegistryRequest routed{method, target, content_type, request.body()};
      answer = router_.handle(routed);
      spdlog::debug("registry: {} {} -> {}", method, target, answer.status);
    }
    // Named, not a temporary inside the co_await: g++ 12 mishandles the
    // lifetime of temporaries in co_await expressions.
    http::response<http::string_body> response = make_response(answer, version, keep_alive);
    stream.expires_after(options_.idle_timeout);
    co_await http::async_write(stream, response, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !keep_alive) break;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.socket().close(ignored);
}

}  // namespace loch::serve
