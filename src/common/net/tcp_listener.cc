#include "common/net/tcp_listener.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace loch {
namespace asio = boost::asio;
using asio::ip::tcp;

Status TcpListener::bind() {
  try {
    tcp::endpoint endpoint(asio::ip::make_address(options_.host), options_.port);
    acceptor_ = std::make_unique<tcp::acceptor>(io_);
    acceptor_->open(endpoint.protocol());
    acceptor_->set_option(asio::socket_base::reuse_address(true));
    acceptor_->bind(endpoint);
    acceptor_->listen();
    bound_port_ = acceptor_->local_endpoint().port();
  } catch (const boost::system::system_error& e) {
    return Status::io_error(options_.name + ": cannot listen on " + options_.host + ":" +
                            std::to_string(options_.port) + ": " + e.code().message());
  }
  return Status::ok();
}

void TcpListener::start(ConnectionHandler handler) {
  handler_ = std::move(handler);
  asio::co_spawn(io_, accept_loop(), asio::detached);
  for (int i = 0; i < std::max(1, options_.threads); ++i) {
    threads_.emplace_back([this] { io_.run(); });
  }
  started_ = true;
}

void TcpListener::stop() {
  if (!started_) return;
  started_ = false;
  io_.stop();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
}

asio::awaitable<void> TcpListener::accept_loop() {
  for (;;) {
    boost::system::error_code ec;
    tcp::socket socket = co_await acceptor_->async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      spdlog::warn("{}: accept failed: {}", options_.name, ec.message());
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    asio::co_spawn(asio::make_strand(io_), handler_(std::move(socket)), asio::detached);
  }
}

}  // namespace loch
