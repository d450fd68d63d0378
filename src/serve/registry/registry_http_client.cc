#include "serve/registry/registry_http_client.h"

#include <utility>  // before asio: Boost 1.74's awaitable.hpp uses std::exchange unincluded

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "serve/registry/http_target.h"

namespace loch::serve {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using asio::ip::tcp;

namespace {

std::string base64(std::string_view in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t n = (uint32_t(uint8_t(in[i])) << 16) | (uint32_t(uint8_t(in[i + 1])) << 8) | uint8_t(in[i + 2]);
    out += {kAlphabet[n >> 18], kAlphabet[(n >> 12) & 63], kAlphabet[(n >> 6) & 63], kAlphabet[n & 63]};
  }
  if (i + 1 == in.size()) {
    const uint32_t n = uint32_t(uint8_t(in[i])) << 16;
    out += {kAlphabet[n >> 18], kAlphabet[(n >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    const uint32_t n = (uint32_t(uint8_t(in[i])) << 16) | (uint32_t(uint8_t(in[i + 1])) << 8);
    out += {kAlphabet[n >> 18], kAlphabet[(n >> 12) & 63], kAlphabet[(n >> 6) & 63], '='};
  }
  return out;
}

}  // namespace

Result<RegistryUrl> RegistryUrl::parse(std::string_view url) {
  constexpr std::string_view kHttp = "http://";
  if (url.substr(0, 8) == "https://") {
    return Status::not_supported("registry URL " + std::string(url) + ": https is not supported yet, use http://");
  }
  if (url.substr(0, kHttp.size()) != kHttp) {
    return Status::invalid_argument("registry URL " + std::string(url) + " does not start with http://");
  }
  std::string_view rest = url.substr(kHttp.size());
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  RegistryUrl out;
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    LOCH_ASSIGN_OR_RETURN(std::string credentials, percent_decode(authority.substr(0, at), false));
    out.authorization = "Basic " + base64(credentials);
    authority = authority.substr(at + 1);
  }
  if (!authority.empty() && authority.front() == '[') {  // [::1]:8081
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return Status::invalid_argument("registry URL " + std::string(url) + ": bad IPv6 host");
    out.host = std::string(authority.substr(1, close - 1));
    authority = authority.substr(close + 1);
    if (!authority.empty() && authority.front() != ':') {
      return Status::invalid_argument("registry URL " + std::string(url) + ": bad host");
    }
    out.port = authority.empty() ? "80" : std::string(authority.substr(1));
  } else {
    const size_t colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    out.port = colon == std::string_view::npos ? "80" : std::string(authority.substr(colon + 1));
  }
  if (out.host.empty()) return Status::invalid_argument("registry URL " + std::string(url) + " has no host");
  if (out.port.empty() || out.port.find_first_not_of("0123456789") != std::string::npos) {
    return Status::invalid_argument("registry URL " + std::string(url) + ": bad port '" + out.port + "'");
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  out.base_path = std::string(path);
  return out;
}

std::string RegistryUrl::to_string() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  return "http://" + (ipv6 ? "[" + host + "]" : host) + ":" + port + base_path;
}

struct RegistryHttpClient::Connection {
  asio::io_context io;
  beast::tcp_stream stream{io};
  beast::flat_buffer buffer;
};

RegistryHttpClient::RegistryHttpClient(RegistryUrl url, std::chrono::milliseconds timeout)
    : url_(std::move(url)), timeout_(timeout) {}

RegistryHttpClient::~RegistryHttpClient() = default;

Result<HttpReply> RegistryHttpClient::request(std::string_view method, std::string_view path_and_query,
                                              std::optional<std::string> body) {
  // A kept-alive connection the server has closed meanwhile fails at once:
  // try once more on a fresh one (every registry call is safe to repeat
  // when no answer came back, which is the only case that gets here).
  const bool reused = connection_ != nullptr;
  auto reply = exchange(method, path_and_query, body);
  if (!reply.is_ok() && reused) {
    connection_.reset();
    reply = exchange(method, path_and_query, body);
  }
  if (!reply.is_ok()) connection_.reset();
  return reply;
}

Result<HttpReply> RegistryHttpClient::exchange(std::string_view method, std::string_view path_and_query,
                                               const std::optional<std::string>& body) {
  const std::string where = url_.to_string();
  if (!connection_) {
    auto connection = std::make_unique<Connection>();
    tcp::resolver resolver(connection->io);
    boost::system::error_code ec;
    auto endpoints = resolver.resolve(url_.host, url_.port, ec);
    if (ec) return Status::io_error("cannot resolve " + url_.host + ": " + ec.message());
    connection->stream.expires_after(timeout_);
    connection->stream.async_connect(endpoints, [&ec](boost::system::error_code error, const tcp::endpoint&) {
      ec = error;
    });
    connection->io.run();
    if (ec) return Status::io_error("cannot connect to the registry at " + where + ": " + ec.message());
    connection_ = std::move(connection);
  }
  Connection& c = *connection_;

  http::request<http::string_body> request;
  request.version(11);
  request.method_string(beast::string_view(method.data(), method.size()));
  const std::string target = url_.base_path + std::string(path_and_query);
  request.target(beast::string_view(target.data(), target.size()));
  request.set(http::field::host, url_.host + ":" + url_.port);
  request.set(http::field::user_agent, "loch");
  request.set(http::field::accept, "application/vnd.schemaregistry.v1+json, application/json");
  if (!url_.authorization.empty()) request.set(http::field::authorization, url_.authorization);
  if (body) {
    request.set(http::field::content_type, "application/vnd.schemaregistry.v1+json");
    request.body() = *body;
  }
  request.keep_alive(true);
  request.prepare_payload();

  boost::system::error_code ec;
  http::response_parser<http::string_body> parser;
  parser.body_limit(256 * 1024 * 1024);
  c.io.restart();
  c.stream.expires_after(timeout_);
  http::async_write(c.stream, request, [&](boost::system::error_code error, size_t) {
    ec = error;
    if (ec) return;
    http::async_read(c.stream, c.buffer, parser, [&ec](boost::system::error_code read_error, size_t) {
      ec = read_error;
    });
  });
  c.io.run();
  if (ec) return Status::io_error(std::string(method) + " " + where + std::string(path_and_query) + ": " + ec.message());
  HttpReply reply;
  reply.status = static_cast<int>(parser.get().result_int());
  reply.body = std::move(parser.get().body());
  if (!parser.get().keep_alive()) connection_.reset();
  return reply;
}

}  // namespace loch::serve
