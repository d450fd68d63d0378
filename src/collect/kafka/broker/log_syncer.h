// LogSyncer: the fsyncs acks=all produce requests wait for, done on one
// thread of its own so that waiting holds neither an io thread nor the
// connection (KafkaServer keeps reading a connection's next requests while
// earlier ones wait here; their answers are still written in order).
//
// Group commit: every wake-up takes all waiting requests and fsyncs each of
// their logs once, through its end at that moment (PartitionLog::flush_through),
// so the batches appended while one fsync runs are covered by the next one
// instead of paying one fsync each. A ticket completes only after an fsync
// that began after its batch was appended returned: the acks=all promise
// ("acknowledged only once on disk") is kept by whoever awaits the ticket.
//
// Threading: sync() may be called from any thread; a ticket's wait()
// resumes on the awaiting coroutine's executor.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>  // before asio: Boost 1.74's awaitable.hpp uses std::exchange unincluded
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "collect/kafka/log/partition_log.h"
#include "common/result.h"

namespace loch::kafka {

// One request for "this log on disk through this offset", completed once.
class SyncTicket {
 public:
  // Suspends until the fsync is done; its status (kIOError when it failed,
  // kAborted when the syncer stopped first).
  boost::asio::awaitable<Status> wait();
  // Called once, from the syncer's thread (or at once when no fsync is needed).
  void complete(Status status);
  bool done() const;

 private:
  mutable std::mutex mutex_;
  bool done_ = false;                        // guarded by mutex_
  Status status_;                            // guarded by mutex_
  std::function<void(Status)> on_complete_;  // guarded by mutex_: the waiting coroutine, if any
};

class LogSyncer {
 public:
  LogSyncer();
  ~LogSyncer();
  LogSyncer(const LogSyncer&) = delete;
  LogSyncer& operator=(const LogSyncer&) = delete;

  // Asks for every offset of `log` below `offset` to be on disk.
  std::shared_ptr<SyncTicket> sync(std::shared_ptr<PartitionLog> log, int64_t offset);
  // Completes the tickets still waiting with kAborted and joins the thread.
  void stop();

 private:
  struct Request {
    std::shared_ptr<PartitionLog> log;
    int64_t offset;
    std::shared_ptr<SyncTicket> ticket;
  };
  void run();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Request> waiting_;  // guarded by mutex_
  bool stopping_ = false;         // guarded by mutex_
  std::thread thread_;
};

}  // namespace loch::kafka
