// PartitionLog::plan_read must return exactly the batches read() returns, for
// every offset and byte limit, across segments and index densities.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "collect/kafka/log/log_test_util.h"
#include "collect/kafka/log/partition_log.h"

namespace loch::kafka {
namespace {

using testing::batch_of;
using testing::TemporaryDirectory;

std::string bytes_of(const ReadPlan& plan) {
  std::string out(plan.size, '\0');
  Status status = plan.read_into(out.data());
  EXPECT_TRUE(status.is_ok()) << status.to_string();
  return out;
}

// Batches of 1 to 40 records, so that index entries (every `interval` bytes)
// fall between some batches and not others.
std::unique_ptr<PartitionLog> log_with_batches(const std::string& dir, int32_t interval, int64_t segment_bytes) {
  PartitionLogOptions options;
  options.config.index_interval_bytes = interval;
  options.config.segment_bytes = segment_bytes;
  auto log = PartitionLog::open(dir, options);
  EXPECT_TRUE(log.is_ok()) << log.status().to_string();
  if (!log.is_ok()) return nullptr;
  for (int i = 0; i < 60; ++i) {
    EXPECT_TRUE((*log)->append(batch_of(1 + (i * 7) % 40, i)).is_ok());
  }
  return std::move(log).value();
}

TEST(ReadPlan, SameBatchesAsReadForEveryOffsetAndLimit) {
  for (int32_t interval : {1, 512, 4096, 1 << 20}) {
    for (int64_t segment_bytes : {int64_t{3000}, int64_t{1} << 30}) {
      TemporaryDirectory dir;
      auto log = log_with_batches(dir.path() + "/t-0", interval, segment_bytes);
      ASSERT_NE(log, nullptr);
      const int64_t end = log->log_end_offset().value();
      for (int64_t offset = 0; offset <= end; offset += 37) {
        for (size_t max_bytes : {size_t{1}, size_t{100}, size_t{700}, size_t{2500}, size_t{9000}, size_t{1} << 20}) {
          auto read = log->read(Offset(offset), max_bytes);
          auto plan = log->plan_read(Offset(offset), max_bytes);
          ASSERT_TRUE(read.is_ok() && plan.is_ok());
          EXPECT_EQ(bytes_of(*plan), read->bytes)
              << "interval " << interval << " segment.bytes " << segment_bytes << " offset " << offset
              << " max_bytes " << max_bytes;
          EXPECT_EQ(plan->high_watermark, read->high_watermark);
          EXPECT_EQ(plan->log_start_offset, read->log_start_offset);
        }
      }
    }
  }
}

// Batches of tens of kilobytes with a sparse index: the cut is found by
// reading headers one by one, and falls inside a batch.
TEST(ReadPlan, LargeBatchesCutBetweenBatches) {
  TemporaryDirectory dir;
  PartitionLogOptions options;
  options.config.index_interval_bytes = 1 << 20;
  auto opened = PartitionLog::open(dir.path() + "/t-0", options);
  ASSERT_TRUE(opened.is_ok());
  auto log = std::move(opened).value();
  for (int i = 0; i < 40; ++i) {
    std::vector<SimpleRecord> records;
    for (int r = 0; r < 3; ++r) records.push_back({"k", std::string(9000 + 1000 * (i % 7), 'v')});
    ASSERT_TRUE(log->append(make_record_batch(records, i)).is_ok());
  }
  for (int64_t offset : {0, 7, 50}) {
    for (size_t max_bytes : {size_t{1}, size_t{70000}, size_t{100000}, size_t{333333}, size_t{1} << 22}) {
      auto read = log->read(Offset(offset), max_bytes);
      auto plan = log->plan_read(Offset(offset), max_bytes);
      ASSERT_TRUE(read.is_ok());
      ASSERT_TRUE(plan.is_ok()) << plan.status().to_string();
      EXPECT_EQ(bytes_of(*plan), read->bytes) << "offset " << offset << " max_bytes " << max_bytes;
    }
  }
}

TEST(ReadPlan, OutOfRangeOffsetsAreNotFound) {
  TemporaryDirectory dir;
  auto log = log_with_batches(dir.path() + "/t-0", 4096, 1 << 30);
  ASSERT_NE(log, nullptr);
  auto past = log->plan_read(Offset(log->log_end_offset().value() + 1), 1000);
  EXPECT_EQ(past.status().code(), StatusCode::kNotFound);
  auto at_end = log->plan_read(log->log_end_offset(), 1000);
  ASSERT_TRUE(at_end.is_ok());
  EXPECT_EQ(at_end->size, 0u);
}

TEST(ReadPlan, PlannedBytesStayReadableAfterLaterAppends) {
  TemporaryDirectory dir;
  auto log = log_with_batches(dir.path() + "/t-0", 4096, 1 << 30);
  ASSERT_NE(log, nullptr);
  auto read = log->read(Offset(0), 1 << 20);
  auto plan = log->plan_read(Offset(0), 1 << 20);
  ASSERT_TRUE(read.is_ok() && plan.is_ok());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(log->append(batch_of(5, 100 + i)).is_ok());
  EXPECT_EQ(bytes_of(*plan), read->bytes);
}

}  // namespace
}  // namespace loch::kafka
