// HttpServer: loch's HTTP/1.1 API listener (`loch serve --http-port`,
// 8080 by default): Boost.Beast on Asio coroutines over the shared
// TcpListener. Each request is read whole (headers at most 64 KiB, body at
// most 1 MiB: the API takes small JSON bodies) and answered by the handler;
// connections are kept alive as the client asks. A malformed request gets
// 400 and the connection is closed; an idle one is closed after 60 s.
//
// Threading: the handler runs on the listener's io threads, concurrently
// for different connections.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>  // before asio: Boost 1.74's awaitable.hpp uses std::exchange unincluded

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "common/net/tcp_listener.h"
#include "common/status.h"

namespace loch::serve::http {

struct HttpRequest {
  std::string method;
  std::string target;  // path and query, as sent
  std::string body;
};

struct HttpAnswer {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

using HttpHandler = std::function<HttpAnswer(const HttpRequest&)>;

class HttpServer {
 public:
  struct Options {
    std::string host = "0.0.0.0";
    uint16_t port = 8080;  // 0 picks a free port (tests)
    int threads = 2;
    size_t max_body_bytes = 1024 * 1024;
    std::chrono::milliseconds idle_timeout{60'000};
  };

  HttpServer(Options options, HttpHandler handler);
  ~HttpServer() { stop(); }
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  Status bind();
  void start();
  void stop();
  uint16_t bound_port() const { return listener_.bound_port(); }

 private:
  boost::asio::awaitable<void> serve_connection(boost::asio::ip::tcp::socket socket);

  const Options options_;
  HttpHandler handler_;
  TcpListener listener_;
};

}  // namespace loch::serve::http
