// RegistryHttpServer: HTTP/1.1 transport of the schema registry (Boost.Beast
// on Asio coroutines), port 8081 by default as Confluent's. Each request is
// read whole (headers at most 64 KiB, body at most max_body_bytes), answered
// by the RegistryRouter, and the connection is kept open for the next one
// unless the client says Connection: close (or speaks HTTP/1.0 without
// keep-alive). A request that is not HTTP gets 400, a body over the cap 413,
// and the connection is closed; an idle connection is closed after
// idle_timeout.
//
// Threading: the server runs its io_context on `threads` threads; requests
// of one connection are handled one at a time, connections concurrently.
// Router calls run on these threads (a registry write waits for fsync there,
// which is rare and short next to reads).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <utility>  // before asio: Boost 1.74's awaitable.hpp uses std::exchange unincluded
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "common/net/tcp_listener.h"
#include <boost/asio/ip/tcp.hpp>

#include "common/status.h"
#include "serve/registry/registry_router.h"

namespace loch::serve {

class RegistryHttpServer {
 public:
  struct Options {
    std::string host = "0.0.0.0";
    uint16_t port = 8081;  // 0 picks a free port (tests)
    size_t max_body_bytes = 16 * 1024 * 1024;
    std::chrono::milliseconds idle_timeout{60'000};
    int threads = 2;
  };

  RegistryHttpServer(Options options, const RegistryRouter& router);
  ~RegistryHttpServer();
  RegistryHttpServer(const RegistryHttpServer&) = delete;
  RegistryHttpServer& operator=(const RegistryHttpServer&) = delete;

  // Binds the listening socket; bound_port() is known from here on.
  Status bind();
  // Starts accepting on background threads.
  void start();
  // Stops accepting, drops connections and joins the threads.
  void stop();

  uint16_t bound_port() const { return listener_.bound_port(); }

 private:
  boost::asio::awaitable<void> serve_connection(boost::asio::ip::tcp::socket socket);

  const Options options_;
  const RegistryRouter& router_;
  TcpListener listener_;
};

}  // namespace loch::serve
