// RegistryHttpServer: HTTP/1.1 transport of the schema registry, port 8081
// by default as Confluent's: loch's HttpServer (common/net/http_server.h)
// answering with the RegistryRouter, and with the registry's error bodies
// for requests that cannot be read (400, 413, 431).
//
// Threading: the server runs its io_context on `threads` threads; requests
// of one connection are handled one at a time, connections concurrently.
// Router calls run on these threads (a registry write waits for fsync there,
// which is rare and short next to reads).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/net/http_server.h"
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
  RegistryHttpServer(const RegistryHttpServer&) = delete;
  RegistryHttpServer& operator=(const RegistryHttpServer&) = delete;

  // Binds the listening socket; bound_port() is known from here on.
  Status bind() { return server_.bind(); }
  // Starts accepting on background threads.
  void start() { server_.start(); }
  // Stops accepting, drops connections and joins the threads.
  void stop() { server_.stop(); }

  uint16_t bound_port() const { return server_.bound_port(); }

 private:
  HttpServer server_;
};

}  // namespace loch::serve
