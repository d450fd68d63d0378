#include "collect/kafka/broker/log_syncer.h"

#include <map>

#include <boost/asio/async_result.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace loch::kafka {
namespace asio = boost::asio;

asio::awaitable<Status> SyncTicket::wait() {
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(Status)>(
      [this](auto handler) {
        // The handler resumes the coroutine: run it on the coroutine's own
        // executor (the connection's strand), never on the syncer's thread.
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        auto resume = [shared](Status status) {
          auto executor = asio::get_associated_executor(*shared);
          asio::post(executor, [shared, status]() mutable { std::move (*shared)(std::move(status)); });
        };
        std::unique_lock lock(mutex_);
        if (!done_) {
          on_complete_ = std::move(resume);
          return;
        }
        Status status = status_;
        lock.unlock();
        resume(std::move(status));
      },
      asio::use_awaitable);
}

void SyncTicket::complete(Status status) {
  std::function<void(Status)> resume;
  {
    std::lock_guard lock(mutex_);
    if (done_) return;
    done_ = true;
    status_ = status;
    resume = std::move(on_complete_);
  }
  if (resume) resume(std::move(status));
}

bool SyncTicket::done() const {
  std::lock_guard lock(mutex_);
  return done_;
}

LogSyncer::LogSyncer() : thread_([this] { run(); }) {}

LogSyncer::~LogSyncer() { stop(); }

std::shared_ptr<SyncTicket> LogSyncer::sync(std::shared_ptr<PartitionLog> log, int64_t offset) {
  auto ticket = std::make_shared<SyncTicket>();
  if (log->flushed_offset().value() >= offset) {
    ticket->complete(Status::ok());  // an fsync that began after the append already covered it
    return ticket;
  }
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      ticket->complete(Status::aborted("the broker is stopping: the batch may not be on disk"));
      return ticket;
    }
    waiting_.push_back({std::move(log), offset, ticket});
  }
  wake_.notify_one();
  return ticket;
}

void LogSyncer::stop() {
  std::vector<Request> abandoned;
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard lock(mutex_);
    abandoned.swap(waiting_);
  }
  for (auto& request : abandoned) {
    request.ticket->complete(Status::aborted("the broker is stopping: the batch may not be on disk"));
  }
}

void LogSyncer::run() {
  for (;;) {
    std::vector<Request> batch;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !waiting_.empty(); });
      if (waiting_.empty()) return;  // stopping with nothing left to fsync
      batch.swap(waiting_);
    }
    // One fsync per log, through its end now: it covers every batch waiting
    // on it, and those appended since (group commit).
    std::map<PartitionLog*, Status> synced;
    for (const auto& request : batch) {
      auto [it, first] = synced.try_emplace(request.log.get());
      if (first) {
        it->second = request.log->flush();
        if (!it->second.is_ok()) {
          spdlog::error("kafka: fsync of {} failed: {}", request.log->dir(), it->second.message());
        }
      }
    }
    for (auto& request : batch) request.ticket->complete(synced[request.log.get()]);
  }
}

}  // namespace loch::kafka
