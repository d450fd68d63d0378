#include "collect/kafka/log/partition_log.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "collect/kafka/log/log_test_util.h"
#include "collect/kafka/log/record.h"

namespace loch::kafka {
namespace {

using testing::batch_of;
using testing::headers_of;
using testing::TemporaryDirectory;
namespace fs = std::filesystem;

struct FakeClock {
  std::shared_ptr<std::atomic<int64_t>> now = std::make_shared<std::atomic<int64_t>>(1'000'000);
  Clock clock() const {
    auto shared = now;
    return [shared] { return shared->load(); };
  }
};

PartitionLogOptions options_with(FakeClock& clock, LogConfig config = {}) {
  PartitionLogOptions options;
  options.config = config;
  options.clock = clock.clock();
  return options;
}

std::unique_ptr<PartitionLog> open_log(const std::string& dir, PartitionLogOptions options,
                                       LogRecovery* recovery = nullptr) {
  auto log = PartitionLog::open(dir, std::move(options), recovery);
  EXPECT_TRUE(log.is_ok()) << log.status().to_string();
  return log.is_ok() ? std::move(log).value() : nullptr;
}

TEST(PartitionLog, AppendsGetContiguousOffsetsAndReadReturnsTheBatchesAsSent) {
  TemporaryDirectory dir;
  FakeClock clock;
  auto log = open_log(dir.path() + "/t-0", options_with(clock));
  std::string first = batch_of(3, 10);
  std::string second = batch_of(2, 20);
  auto a = log->append(first);
  auto b = log->append(second);
  ASSERT_TRUE(a.is_ok() && b.is_ok());
  EXPECT_EQ(a->base_offset.value(), 0);
  EXPECT_EQ(a->last_offset.value(), 2);
  EXPECT_EQ(b->base_offset.value(), 3);
  EXPECT_EQ(b->last_offset.value(), 4);
  EXPECT_EQ(log->log_end_offset().value(), 5);
  EXPECT_EQ(log->high_watermark().value(), 5);
  EXPECT_EQ(log->flushed_offset().value(), 5);

  auto read = log->read(Offset(0), 1 << 20);
  ASSERT_TRUE(read.is_ok());
  std::string expected_second = second;
  set_batch_base_offset(expected_second.data(), 3);
  EXPECT_EQ(read->bytes, first + expected_second);
  EXPECT_EQ(read->high_watermark, Offset(5));
}

TEST(PartitionLog, ReadStartsAtTheBatchContainingTheOffset) {
  TemporaryDirectory dir;
  FakeClock clock;
  auto log = open_log(dir.path() + "/t-0", options_with(clock));
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(log->append(batch_of(5, i)).is_ok());
  auto read = log->read(Offset(23), 1 << 20);
  ASSERT_TRUE(read.is_ok());
  auto headers = headers_of(read->bytes);
  ASSERT_EQ(headers.size(), 6u);
  EXPECT_EQ(headers.front().base_offset, 20);
  EXPECT_EQ(headers.back().last_offset(), 49);
}

TEST(PartitionLog, ReadStopsAtMaxBytesButAlwaysReturnsOneWholeBatch) {
  TemporaryDirectory dir;
  FakeClock clock;
  auto log = open_log(dir.path() + "/t-0", options_with(clock));
  std::string batch = batch_of(4, 1);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(log->append(batch).is_ok());
  auto two = log->read(Offset(0), batch.size() * 2 + batch.size() / 2);
  ASSERT_TRUE(two.is_ok());
  EXPECT_EQ(headers_of(two->bytes).size(), 2u);
  auto one = log->read(Offset(8), 1);
  ASSERT_TRUE(one.is_ok());
  ASSERT_EQ(headers_of(one->bytes).size(), 1u);
  EXPECT_EQ(headers_of(one->bytes)[0].base_offset, 8);
}

TEST(PartitionLog, ReadAtTheEndIsEmptyAndBeyondItIsOutOfRange) {
  TemporaryDirectory dir;
  FakeClock clock;
  auto log = open_log(dir.path() + "/t-0", options_with(clock));
  ASSERT_TRUE(log->append(batch_of(2, 1)).is_ok());
  auto at_end = log->read(Offset(2), 1000);
  ASSERT_TRUE(at_end.is_ok());
  EXPECT_TRUE(at_end->bytes.empty());
  EXPECT_EQ(log->read(Offset(3), 1000).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(log->read(Offset(-1), 1000).status().code(), StatusCode::kNotFound);
}

TEST(PartitionLog, CorruptOrOversizedBatchesAreRejectedAndNothingIsWritten) {
  TemporaryDirectory dir;
  FakeClock clock;
  LogConfig config;
  config.max_message_bytes = 200;
  auto log = open_log(dir.path() + "/t-0", options_with(clock, config));
  std::string damaged = batch_of(2, 1);
  damaged.back() ^= 1;
  EXPECT_EQ(log->append(damaged).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(log->append(batch_of(2, 1).substr(0, 40)).status().code(), StatusCode::kCorruption);
  std::string skipping = batch_of(2, 1);
  put_be32(skipping.data() + RecordBatchHeader::kLastOffsetDeltaPos, 1000);
  put_be32(skipping.data() + RecordBatchHeader::kCrcPos, compute_batch_crc(skipping));
  EXPECT_EQ(log->append(skipping).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(log->append(make_record_batch({}, 1)).status().code(), StatusCode::kCorruption);
  auto too_large = log->append(batch_of(50, 1));
  EXPECT_EQ(too_large.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(too_large.status().message().find("max.message.bytes"), std::string::npos);
  EXPECT_EQ(log->log_end_offset().value(), 0);
  EXPECT_EQ(log->size_bytes(), 0u);
}

TEST(PartitionLog, SegmentsRollBySizeAndAreNamedByBaseOffset) {
  TemporaryDirectory dir;
  FakeClock clock;
  LogConfig config;
  std::string batch = batch_of(10, 1);
  config.segment_bytes = static_cast<int64_t>(batch.size() * 3);
  std::string path = dir.path() + "/t-0";
  auto log = open_log(path, options_with(clock, config));
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(log->append(batch).is_ok());
  EXPECT_EQ(log->segment_count(), 3);
  EXPECT_TRUE(fs::exists(path + "/00000000000000000000.log"));
  EXPECT_TRUE(fs::exists(path + "/00000000000000000030.log"));
  EXPECT_TRUE(fs::exists(path + "/00000000000000000060.log"));
  EXPECT_TRUE(fs::exists(path + "/00000000000000000060.index"));
  EXPECT_TRUE(fs::exists(path + "/00000000000000000060.timeindex"));
  auto read = log->read(Offset(25), 1 << 20);
  ASSERT_TRUE(read.is_ok());
  auto headers = headers_of(read->bytes);
  ASSERT_EQ(headers.size(), 5u);  // reads continue across segments
  EXPECT_EQ(headers.front().base_offset, 20);
  EXPECT_EQ(headers.back().base_offset, 60);
}

TEST(PartitionLog, SegmentsRollWhenSegmentMsHasPassed) {
  TemporaryDirectory dir;
  FakeClock clock;
  LogConfig config;
  config.segment_ms = 1000;
  auto log = open_log(dir.path() + "/t-0", options_with(clock, config));
  ASSERT_TRUE(log->append(batch_of(1, 1)).is_ok());
  clock.now->fetch_add(999);
  ASSERT_TRUE(log->append(batch_of(1, 1)).is_ok());
  EXPECT_EQ(log->segment_count(), 1);
  clock.now->fetch_add(1);
  ASSERT_TRUE(log->append(batch_of(1, 1)).is_ok());
  EXPECT_EQ(log->segment_count(), 2);
}

TEST(PartitionLog, ReopeningKeepsEveryBatchAndTheNextOffset) {
  TemporaryDirectory dir;
  FakeClock clock;
  LogConfig config;
  config.segment_bytes = 1000;
  config.index_interval_bytes = 100;
  std::string path = dir.path() + "/t-0";
  std::string before;
  {
    auto log = open_log(path, options_with(clock, config));
    for (int i = 0; i < 40; ++i) ASSERT_TRUE(log->append(batch_of(3, i)).is_ok());
    before = log->read(Offset(0), 1 << 30)->bytes;
  }
  LogRecovery recovery;
  auto log = open_log(path, options_with(clock, config), &recovery);
  EXPECT_FALSE(recovery.truncated);
  EXPECT_TRUE(recovery.segments.empty()) << recovery.summary();
  EXPECT_EQ(log->log_end_offset().value(), 120);
  EXPECT_EQ(log->read(Offset(0), 1 << 30)->bytes, before);
  auto next = log->append(batch_of(1, 1));
  ASSERT_TRUE(next.is_ok());
  EXPECT_EQ(next->base_offset.value(), 120);
}

TEST(PartitionLog, MissingOrDamagedIndexesAreRebuiltOnOpen) {
  TemporaryDirectory dir;
  FakeClock clock;
  LogConfig config;
  config.segment_bytes = 2000;
  config.index_interval_bytes = 100;
  std::string path = dir.path() + "/t-0";
  {
    auto log = open_log(path, options_with(clock, config));
    for (int i = 0; i < 60; ++i) ASSERT_TRUE(log->append(batch_of(2, 1000 + i)).is_ok());
    ASSERT_GE(log->segment_count(), 3);
  }
  fs::remove(path + "/00000000000000000000.index");
  fs::resize_file(path + "/00000000000000000000.timeindex", 5);
  LogRecovery recovery;
  auto log = open_log(path, options_with(clock, config), &recovery);
  ASSERT_FALSE(recovery.segments.empty());
  EXPECT_TRUE(recovery.segments[0].indexes_rebuilt);
  EXPECT_FALSE(recovery.truncated);
  EXPECT_GT(fs::file_size(path + "/00000000000000000000.index"), 0u);
  for (int64_t offset = 0; offset < 120; offset += 7) {
    auto read = log->read(Offset(offset), 1);
    ASSERT_TRUE(read.is_ok());
    auto headers = headers_of(read->bytes);
    ASSERT_EQ(headers.size(), 1u);
    EXPECT_LE(headers[0].base_offset, offset);
    EXPECT_GE(headers[0].last_offset(), offset);
  }
}

TEST(PartitionLog, OffsetForTimestampFindsTheFirstRecordAtOrAfterIt) {
  TemporaryDirectory dir;
  FakeClock clock;
  LogConfig config;
  config.segment_bytes = 600;
  config.index_interval_bytes = 64;
  auto log = open_log(dir.path() + "/t-0", options_with(clock, config));
  // Batch i holds offsets 2i, 2i+1 with timestamps 100i and 100i+50.
  for (int i = 0; i < 30; ++i) {
    std::vector<Record> records(2);
    records[0].key = "a";
    records[0].value = "x";
    records[1].key = "b";
    records[1].value = "y";
    records[1].offset_delta = 1;
    records[1].timestamp_delta = 50;
    RecordBatchHeader header;
    header.last_offset_delta = 1;
    header.base_timestamp = 100 * i;
    header.max_timestamp = 100 * i + 50;
    ASSERT_TRUE(log->append(encode_record_batch(header, records)).is_ok());
  }
  ASSERT_GT(log->segment_count(), 2);
  auto exact = log->offset_for_timestamp(1000);
  ASSERT_TRUE(exact.is_ok() && exact->has_value());
  EXPECT_EQ((*exact)->offset.value(), 20);
  EXPECT_EQ((*exact)->timestamp, 1000);
  auto between = log->offset_for_timestamp(1001);
  ASSERT_TRUE(between.is_ok() && between->has_value());
  EXPECT_EQ((*between)->offset.value(), 21);
  EXPECT_EQ((*between)->timestamp, 1050);
  auto first = log->offset_for_timestamp(-5);
  EXPECT_EQ((*first)->offset.value(), 0);
  auto none = log->offset_for_timestamp(100 * 29 + 51);
  ASSERT_TRUE(none.is_ok());
  EXPECT_FALSE(none->has_value());
}

TEST(PartitionLog, DeleteRecordsAdvancesTheLogStartAndSurvivesReopen) {
  TemporaryDirectory dir;
  FakeClock clock;
  LogConfig config;
  std::string batch = batch_of(10, 1);
  config.segment_bytes = static_cast<int64_t>(batch.size() * 2);
  std::string path = dir.path() + "/t-0";
  {
    auto log = open_log(path, options_with(clock, config));
    for (int i = 0; i < 6; ++i) ASSERT_TRUE(log->append(batch).is_ok());
    ASSERT_EQ(log->segment_count(), 3);
    EXPECT_EQ(log->delete_records_before(Offset(61)).status().code(), StatusCode::kNotFound);
    auto start = log->delete_records_before(Offset(25));
    ASSERT_TRUE(start.is_ok());
    EXPECT_EQ(start->value(), 25);
    EXPECT_EQ(log->segment_count(), 2);  // offsets 0..19 went with their segment
    EXPECT_EQ(log->read(Offset(24), 100).status().code(), StatusCode::kNotFound);
    auto read = log->read(Offset(25), 1);
    ASSERT_TRUE(read.is_ok());
    EXPECT_EQ(headers_of(read->bytes)[0].base_offset, 20);  // the batch containing 25
  }
  auto log = open_log(path, options_with(clock, config));
  EXPECT_EQ(log->log_start_offset().value(), 25);
  EXPECT_EQ(log->log_end_offset().value(), 60);
}

TEST(PartitionLog, TimeRetentionDeletesExpiredSegmentsIncludingAnExpiredActiveOne) {
  TemporaryDirectory dir;
  FakeClock clock;
  LogConfig config;
  std::string batch = batch_of(10, 0);
  config.segment_bytes = static_cast<int64_t>(batch.size() * 2);
  config.retention_ms = 10'000;
  auto log = open_log(dir.path() + "/t-0", options_with(clock, config));
  int64_t now = clock.now->load();
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(log->append(batch_of(10, now - 20'000)).is_ok());
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(log->append(batch_of(10, now - 5'000)).is_ok());
  auto kept = log->enforce_retention();
  ASSERT_TRUE(kept.is_ok());
  EXPECT_EQ(kept->segments_deleted, 2);
  EXPECT_EQ(log->log_start_offset().value(), 40);
  clock.now->fetch_add(6'000);
  auto all = log->enforce_retention();
  ASSERT_TRUE(all.is_ok());
  EXPECT_EQ(all->segments_deleted, 1);
  EXPECT_EQ(log->log_start_offset().value(), 60);
  EXPECT_EQ(log->log_end_offset().value(), 60);
  EXPECT_EQ(log->segment_count(), 1);
  auto next = log->append(batch_of(1, clock.now->load()));
  ASSERT_TRUE(next.is_ok());
  EXPECT_EQ(next->base_offset.value(), 60);
}

TEST(PartitionLog, SizeRetentionKeepsTheNewestSegmentsWithinRetentionBytes) {
  TemporaryDirectory dir;
  FakeClock clock;
  LogConfig config;
  std::string batch = batch_of(10, 0);
  config.segment_bytes = static_cast<int64_t>(batch.size() * 2);
  config.retention_bytes = static_cast<int64_t>(batch.size() * 3);
  config.retention_ms = LogConfig::kForever;
  auto log = open_log(dir.path() + "/t-0", options_with(clock, config));
  for (int i = 0; i < 9; ++i) ASSERT_TRUE(log->append(batch).is_ok());
  ASSERT_EQ(log->segment_count(), 5);
  auto result = log->enforce_retention();
  ASSERT_TRUE(result.is_ok());
  EXPECT_EQ(result->segments_deleted, 3);
  EXPECT_EQ(log->size_bytes(), batch.size() * 3);
  EXPECT_EQ(log->log_start_offset().value(), 60);
}

TEST(PartitionLog, IntervalPolicyLeavesAppendsUnflushedUntilFlushMsPasses) {
  TemporaryDirectory dir;
  FakeClock clock;
  LogConfig config;
  config.flush_policy = FlushPolicy::kInterval;
  config.flush_ms = 500;
  auto log = open_log(dir.path() + "/t-0", options_with(clock, config));
  ASSERT_TRUE(log->append(batch_of(2, 1), Durability::kSyncBeforeReturn).is_ok());
  EXPECT_EQ(log->flushed_offset().value(), 0);
  ASSERT_TRUE(log->flush_if_due().is_ok());
  EXPECT_EQ(log->flushed_offset().value(), 0);
  clock.now->fetch_add(500);
  ASSERT_TRUE(log->flush_if_due().is_ok());
  EXPECT_EQ(log->flushed_offset().value(), 2);
}

TEST(PartitionLog, EveryBatchPolicySyncsDurableAppendsOnly) {
  TemporaryDirectory dir;
  FakeClock clock;
  auto log = open_log(dir.path() + "/t-0", options_with(clock));
  ASSERT_TRUE(log->append(batch_of(2, 1), Durability::kNoWait).is_ok());
  EXPECT_EQ(log->flushed_offset().value(), 0);
  ASSERT_TRUE(log->append(batch_of(3, 1), Durability::kSyncBeforeReturn).is_ok());
  EXPECT_EQ(log->flushed_offset().value(), 5);
}

TEST(PartitionLog, ReadsRunConcurrentlyWithAppendsAndSeeOnlyWholeBatches) {
  TemporaryDirectory dir;
  FakeClock clock;
  LogConfig config;
  config.segment_bytes = 4096;
  config.index_interval_bytes = 256;
  auto log = open_log(dir.path() + "/t-0", options_with(clock, config));
  constexpr int kBatches = 400;
  std::thread writer([&] {
    for (int i = 0; i < kBatches; ++i) ASSERT_TRUE(log->append(batch_of(1 + i % 5, i), Durability::kNoWait).is_ok());
  });
  int64_t next = 0;
  int reads = 0;
  while (next < log->high_watermark().value() || reads == 0 || log->high_watermark().value() < 1200) {
    auto read = log->read(Offset(next), 2048);
    ASSERT_TRUE(read.is_ok()) << read.status().to_string();
    for (const auto& header : headers_of(read->bytes)) {
      ASSERT_EQ(header.base_offset, next);
      next = header.last_offset() + 1;
    }
    ++reads;
    if (next >= 1200) break;  // 400 batches of 1..5 records: 1200 records
  }
  writer.join();
  EXPECT_EQ(log->log_end_offset().value(), 1200);
}

TEST(PartitionLog, ConcurrentDurableAppendersShareFsyncsAndGetDisjointContiguousOffsets) {
  TemporaryDirectory dir;
  FakeClock clock;
  LogConfig config;
  config.segment_bytes = 8192;
  auto log = open_log(dir.path() + "/t-0", options_with(clock, config));
  constexpr int kThreads = 4;
  constexpr int kBatchesEach = 40;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&log, t] {
      for (int i = 0; i < kBatchesEach; ++i) {
        auto appended = log->append(batch_of(t + 1, i, "thread" + std::to_string(t)));
        ASSERT_TRUE(appended.is_ok());
        // Acknowledged means on disk.
        EXPECT_GT(log->flushed_offset().value(), appended->last_offset.value());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(log->log_end_offset().value(), kBatchesEach * (1 + 2 + 3 + 4));
  std::vector<int64_t> bases;
  int64_t next = 0;
  ASSERT_TRUE(log->visit_batch_headers(Offset(0), [&](const RecordBatchHeader& header) {
                   EXPECT_EQ(header.base_offset, next);
                   next = header.last_offset() + 1;
                   return true;
                 })
                  .is_ok());
  EXPECT_EQ(next, log->log_end_offset().value());
}

TEST(PartitionLog, VisitBatchHeadersStartsAtTheBatchContainingTheOffsetAndCanStop) {
  TemporaryDirectory dir;
  FakeClock clock;
  LogConfig config;
  config.segment_bytes = 300;
  auto log = open_log(dir.path() + "/t-0", options_with(clock, config));
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(log->append(batch_of(2, i), Durability::kNoWait).is_ok());
  std::vector<int64_t> bases;
  ASSERT_TRUE(log->visit_batch_headers(Offset(13), [&](const RecordBatchHeader& header) {
                   bases.push_back(header.base_offset);
                   return bases.size() < 3;
                 })
                  .is_ok());
  EXPECT_EQ(bases, (std::vector<int64_t>{12, 14, 16}));
}

TEST(PartitionLog, AClosedLogRefusesAppends) {
  TemporaryDirectory dir;
  FakeClock clock;
  auto log = open_log(dir.path() + "/t-0", options_with(clock));
  ASSERT_TRUE(log->close().is_ok());
  EXPECT_EQ(log->append(batch_of(1, 1)).status().code(), StatusCode::kAborted);
}

}  // namespace
}  // namespace loch::kafka
