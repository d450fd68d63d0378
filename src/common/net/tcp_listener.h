// TcpListener: a listening TCP socket served by a pool of io threads, the
// transport under loch's servers (the Kafka listener, the registry's HTTP).
//
// bind() opens the socket, so the port is known (port 0 picks a free one)
// before start() begins accepting. Each accepted connection runs the
// server's coroutine on its own strand: one connection's steps never run
// concurrently, different connections do.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>  // before asio: Boost 1.74's awaitable.hpp uses std::exchange unincluded
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "common/status.h"

namespace loch {

class TcpListener {
 public:
  struct Options {
    std::string name;  // for log lines and errors: "kafka", "registry"
    std::string host = "0.0.0.0";
    uint16_t port = 0;
    int threads = 2;
  };
  using ConnectionHandler = std::function<boost::asio::awaitable<void>(boost::asio::ip::tcp::socket)>;

  explicit TcpListener(Options options) : options_(std::move(options)) {}
  ~TcpListener() { stop(); }
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;

  // Opens and binds the socket; an io_error names the address on failure.
  Status bind();
  // Accepts connections on `threads` threads, each served by `handler`.
  void start(ConnectionHandler handler);
  // Stops accepting, ends every connection and joins the threads.
  void stop();

  uint16_t bound_port() const { return bound_port_; }
  boost::asio::io_context& io_context() { return io_; }

 private:
  boost::asio::awaitable<void> accept_loop();

  const Options options_;
  boost::asio::io_context io_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  std::vector<std::thread> threads_;
  ConnectionHandler handler_;
  uint16_t bound_port_ = 0;
  bool started_ = false;
};

}  // namespace loch
