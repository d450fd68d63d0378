// HttpServer: an HTTP/1.1 listener (Boost.Beast on Asio coroutines over
// TcpListener), the transport of loch's HTTP APIs: the schema registry
// (port 8081) and `loch serve --http-port` (8080). Each request is read
// whole (headers at most 64 KiB, body at most max_body_bytes) and answered
// by the handler; the connection is kept open for the next request unless
// the client says Connection: close (or speaks HTTP/1.0 without
// keep-alive). A request that is not HTTP gets 400, headers over the cap
// 431, a body over the cap 413, and the connection is closed; an idle
// connection is closed after idle_timeout.
//
// Threading: the handler runs on the listener's io threads: requests of one
// connection one at a time, connections concurrently.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>  // before asio: Boost 1.74's awaitable.hpp uses std::exchange unincluded

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "common/net/tcp_listener.h"
#include "common/status.h"

namespace loch {

struct HttpRequest {
  std::string method;
  std::string target;  // path and query, as sent
  std::string body;
  std::string content_type;
  std::string authorization;  // the Authorization header, as sent
};

struct HttpAnswer {
  // Not an aggregate: answers are written {status, content_type, body}.
  HttpAnswer(int status = 200, std::string content_type = "application/json", std::string body = {})
      : status(status), content_type(std::move(content_type)), body(std::move(body)) {}

  int status;
  std::string content_type;
  std::string body;
  std::string www_authenticate;  // sent when not empty (a 401's challenge)
};

using HttpHandler = std::function<HttpAnswer(const HttpRequest&)>;
// The answer to a request that could not be read (400, 413, 431), in the
// API's own error format.
using HttpErrorAnswer = std::function<HttpAnswer(int status, const std::string& message)>;

class HttpServer {
 public:
  struct Options {
    std::string name = "http";  // for log lines and errors: "http", "registry"
    std::string host = "0.0.0.0";
    uint16_t port = 8080;  // 0 picks a free port (tests)
    int threads = 2;
    size_t max_body_bytes = 1024 * 1024;
    std::chrono::milliseconds idle_timeout{60'000};
    // Default: {"error_code": <status>, "message": ...}.
    HttpErrorAnswer error_answer;
  };

  HttpServer(Options options, HttpHandler handler);
  ~HttpServer() { stop(); }
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds the listening socket; bound_port() is known from here on.
  Status bind();
  // Starts accepting on background threads.
  void start();
  // Stops accepting, drops connections and joins the threads.
  void stop();
  uint16_t bound_port() const { return listener_.bound_port(); }

 private:
  boost::asio::awaitable<void> serve_connection(boost::asio::ip::tcp::socket socket);
  HttpAnswer error_answer(int status, const std::string& message) const;

  const Options options_;
  HttpHandler handler_;
  TcpListener listener_;
};

}  // namespace loch
