// DataArrivedSignal: wakes Fetch requests that wait for new records
// (long polling with fetch.min.bytes / fetch.max.wait.ms).
//
// A waiter takes the generation before it looks at the logs, then waits only
// if no append happened since, so an append between looking and waiting is
// never missed. Threading: any thread may notify; waiters wait on their own
// executor (the connection's strand).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>  // before asio: Boost 1.74's awaitable.hpp uses std::exchange unincluded
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

namespace loch::kafka {

class DataArrivedSignal {
 public:
  uint64_t generation() const { return generation_.load(); }

  // Returns when notify() is called after `seen_generation`, or at `deadline`.
  boost::asio::awaitable<void> wait(uint64_t seen_generation, std::chrono::steady_clock::time_point deadline);

  void notify();

 private:
  std::atomic<uint64_t> generation_{0};
  std::mutex mutex_;
  std::vector<std::weak_ptr<boost::asio::steady_timer>> waiters_;  // guarded by mutex_
};

}  // namespace loch::kafka
