#include "collect/kafka/broker/data_arrived_signal.h"

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace loch::kafka {
namespace asio = boost::asio;

asio::awaitable<void> DataArrivedSignal::wait(uint64_t seen_generation,
                                              std::chrono::steady_clock::time_point deadline) {
  auto executor = co_await asio::this_coro::executor;
  auto timer = std::make_shared<asio::steady_timer>(executor, deadline);
  {
    std::lock_guard lock(mutex_);
    if (generation_.load() != seen_generation) co_return;  // an append came in meanwhile
    waiters_.push_back(timer);
  }
  boost::system::error_code ec;  // operation_aborted when woken early
  co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

void DataArrivedSignal::notify() {
  std::vector<std::weak_ptr<asio::steady_timer>> waiters;
  {
    std::lock_guard lock(mutex_);
    generation_.fetch_add(1);
    waiters.swap(waiters_);
  }
  for (auto& weak : waiters) {
    if (auto timer = weak.lock()) {
      // A timer may only be touched on its own executor.
      asio::post(timer->get_executor(), [timer] { timer->cancel(); });
    }
  }
}

}  // namespace loch::kafka
