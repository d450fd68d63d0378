#include "process/runner/background_writer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace loch::runner {
namespace {

TEST(BackgroundWriter, JobsRunInSubmissionOrderOnTheWritersOwnConnection) {
  auto database = std::move(sql::Database::open(":memory:")).value();
  auto writer = std::move(BackgroundWriter::start(*database)).value();
  std::vector<int> order;
  for (int i = 0; i < 5; ++i) {
    EXPECT_FALSE(writer->busy());
    writer->submit([&order, i](sql::Connection& connection) -> Result<AppendOutcome> {
      // The writer's connection is a session of its own, in UTC.
      auto zone = connection.query("SELECT current_setting('TimeZone')");
      if (!zone.is_ok()) return zone.status();
      auto chunk = std::move(zone->next_chunk()).value();
      if (std::string(chunk->column(0).string_at(0)) != "UTC") return Status::internal("not UTC");
      order.push_back(i);
      return AppendOutcome{false, i, i * 10, 1};
    });
    EXPECT_TRUE(writer->busy());
    Result<AppendOutcome> outcome = writer->wait();
    ASSERT_TRUE(outcome.is_ok()) << outcome.status().to_string();
    EXPECT_EQ(outcome->version, i);
    EXPECT_EQ(outcome->rows, i * 10);
  }
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(BackgroundWriter, AFailedJobIsReturnedByWait) {
  auto database = std::move(sql::Database::open(":memory:")).value();
  auto writer = std::move(BackgroundWriter::start(*database)).value();
  writer->submit([](sql::Connection&) -> Result<AppendOutcome> { return Status::io_error("disk full"); });
  Result<AppendOutcome> outcome = writer->wait();
  ASSERT_FALSE(outcome.is_ok());
  EXPECT_NE(outcome.status().message().find("disk full"), std::string::npos);
}

TEST(BackgroundWriter, DestructionFinishesTheJobInFlight) {
  auto database = std::move(sql::Database::open(":memory:")).value();
  std::atomic<bool> finished = false;
  {
    auto writer = std::move(BackgroundWriter::start(*database)).value();
    writer->submit([&finished](sql::Connection&) -> Result<AppendOutcome> {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      finished = true;
      return AppendOutcome{};
    });
  }
  EXPECT_TRUE(finished.load());
}

}  // namespace
}  // namespace loch::runner
