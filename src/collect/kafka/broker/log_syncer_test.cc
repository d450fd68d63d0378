#include "collect/kafka/broker/log_syncer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "collect/kafka/log/log_test_util.h"

namespace loch::kafka {
namespace {

using testing::batch_of;
using testing::TemporaryDirectory;

std::shared_ptr<PartitionLog> open_log(const std::string& dir) {
  auto log = PartitionLog::open(dir, PartitionLogOptions{});
  EXPECT_TRUE(log.is_ok());
  return std::shared_ptr<PartitionLog>(std::move(*log));
}

// Runs `ticket->wait()` on an io_context until it completes (at most 5 s).
std::optional<Status> wait_for(const std::shared_ptr<SyncTicket>& ticket) {
  std::optional<Status> result;
  boost::asio::io_context io;
  boost::asio::co_spawn(io, ticket->wait(), [&](std::exception_ptr error, Status status) {
    if (error) std::rethrow_exception(error);
    result = std::move(status);
  });
  for (int i = 0; i < 500 && !result; ++i) io.run_for(std::chrono::milliseconds(10));
  return result;
}

TEST(LogSyncer, TicketCompletesOnceTheLogIsOnDiskThroughItsOffset) {
  TemporaryDirectory dir;
  auto log = open_log(dir.path() + "/t-0");
  LogSyncer syncer;
  auto first = log->append(batch_of(3, 1000), Durability::kNoWait);
  auto second = log->append(batch_of(2, 1000), Durability::kNoWait);
  ASSERT_TRUE(first.is_ok() && second.is_ok());
  EXPECT_LT(log->flushed_offset().value(), 5);  // kNoWait: not fsynced yet

  auto ticket = syncer.sync(log, first->last_offset.value() + 1);
  auto status = wait_for(ticket);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(status->is_ok()) << status->to_string();
  // One fsync through the log's end covered the second batch too.
  EXPECT_EQ(log->flushed_offset().value(), 5);
  EXPECT_TRUE(syncer.sync(log, 5)->done());  // nothing left to fsync: done at once
}

TEST(LogSyncer, TicketsOfManyLogsAllComplete) {
  TemporaryDirectory dir;
  LogSyncer syncer;
  std::vector<std::shared_ptr<PartitionLog>> logs;
  std::vector<std::shared_ptr<SyncTicket>> tickets;
  for (int i = 0; i < 4; ++i) {
    logs.push_back(open_log(dir.path() + "/t-" + std::to_string(i)));
    ASSERT_TRUE(logs.back()->append(batch_of(1 + i, 1000), Durability::kNoWait).is_ok());
    tickets.push_back(syncer.sync(logs.back(), 1 + i));
  }
  for (int i = 0; i < 4; ++i) {
    auto status = wait_for(tickets[i]);
    ASSERT_TRUE(status.has_value());
    EXPECT_TRUE(status->is_ok());
    EXPECT_EQ(logs[i]->flushed_offset().value(), 1 + i);
  }
}

TEST(LogSyncer, StoppedSyncerAnswersAborted) {
  TemporaryDirectory dir;
  auto log = open_log(dir.path() + "/t-0");
  LogSyncer syncer;
  syncer.stop();
  ASSERT_TRUE(log->append(batch_of(1, 1000), Durability::kNoWait).is_ok());
  auto status = wait_for(syncer.sync(log, 1));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->code(), StatusCode::kAborted);
}

TEST(SyncTicket, WaitResumesWhenCompletedFromAnotherThread) {
  auto ticket = std::make_shared<SyncTicket>();
  std::thread completer([ticket] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ticket->complete(Status::io_error("disk gone"));
  });
  auto status = wait_for(ticket);
  completer.join();
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->code(), StatusCode::kIOError);
}

}  // namespace
}  // namespace loch::kafka
