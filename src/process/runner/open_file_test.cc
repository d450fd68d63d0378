#include "process/runner/open_file.h"

#include <gtest/gtest.h>

namespace loch::runner {
namespace {

using namespace std::chrono_literals;
using Clock = OpenFile::Clock;

BatchReport batch_report(int64_t number, int64_t records, int64_t next_offset) {
  BatchReport report;
  report.pipeline = "bronze_clicks";
  report.batch = number;
  report.records = records;
  report.late = 1;
  report.next_offsets[{"clicks", 0}] = next_offset;
  return report;
}

TEST(OpenFile, WithoutAnAgeEveryBatchClosesItsFile) {
  OpenFile file(FileClosePolicy{});
  const auto now = Clock::now();
  EXPECT_FALSE(file.due(now)) << "nothing to close";
  file.add("sink_rows_1", "SELECT * FROM sink_rows_1", 100, batch_report(1, 10, 10), now);
  EXPECT_TRUE(file.due(now));
}

TEST(OpenFile, ClosesByAgeOfItsOldestBatch) {
  OpenFile file(FileClosePolicy{.max_age = 10s, .target_bytes = 1 << 20, .max_buffered_bytes = 1 << 30});
  const auto start = Clock::now();
  file.add("sink_rows_1", "SELECT 1", 100, batch_report(1, 10, 10), start);
  file.add("sink_rows_2", "SELECT 2", 100, batch_report(2, 10, 20), start + 6s);
  EXPECT_FALSE(file.due(start + 9s));
  EXPECT_EQ(file.time_left(start + 9s), 1000ms);
  EXPECT_TRUE(file.due(start + 10s)) << "the first batch is 10 s old, however young the last";
  EXPECT_EQ(file.time_left(start + 10s), 0ms);
}

TEST(OpenFile, ClosesBySizeEstimatedFromTheLastCommit) {
  OpenFile file(FileClosePolicy{.max_age = 1h, .target_bytes = 1000, .max_buffered_bytes = 1 << 30});
  const auto now = Clock::now();
  file.add("sink_rows_1", "SELECT 1", 999, batch_report(1, 10, 10), now);
  EXPECT_FALSE(file.due(now)) << "before any commit, a record byte counts as a file byte";
  file.add("sink_rows_2", "SELECT 2", 1, batch_report(2, 10, 20), now);
  EXPECT_TRUE(file.due(now));
  file.clear();
  EXPECT_TRUE(file.empty());
  // The last commit wrote 1 file byte per 4 record bytes: 4000 record bytes make the target.
  file.learn(4000, 1000);
  file.add("sink_rows_3", "SELECT 3", 3999, batch_report(3, 10, 30), now);
  EXPECT_FALSE(file.due(now));
  file.add("sink_rows_4", "SELECT 4", 1, batch_report(4, 10, 40), now);
  EXPECT_TRUE(file.due(now));
}

TEST(OpenFile, BufferedBytesAreBoundedWhateverTheEstimate) {
  OpenFile file(FileClosePolicy{.max_age = 1h, .target_bytes = 1 << 30, .max_buffered_bytes = 500});
  file.learn(1000, 1);
  const auto now = Clock::now();
  file.add("sink_rows_1", "SELECT 1", 499, batch_report(1, 10, 10), now);
  EXPECT_FALSE(file.due(now));
  file.add("sink_rows_2", "SELECT 2", 1, batch_report(2, 10, 20), now);
  EXPECT_TRUE(file.due(now));
}

TEST(OpenFile, OneCommitCarriesEveryBatchInOrderWithTheLastOffsets) {
  OpenFile file(FileClosePolicy{.max_age = 1h, .target_bytes = 1 << 30, .max_buffered_bytes = 1 << 30});
  const auto start = Clock::now();
  file.add("sink_rows_1", "SELECT * FROM sink_rows_1", 100, batch_report(1, 10, 10), start);
  file.add("sink_rows_2", "SELECT * FROM sink_rows_2", 100, batch_report(2, 7, 17), start + 1s);
  EXPECT_EQ(file.rows_query(), "(SELECT * FROM sink_rows_1) UNION ALL BY NAME (SELECT * FROM sink_rows_2)");
  EXPECT_EQ(file.tables(), (std::vector<std::string>{"sink_rows_1", "sink_rows_2"}));
  EXPECT_EQ(file.record_bytes(), 200);
  EXPECT_EQ(file.started(), start);
  BatchReport report = file.report();
  EXPECT_EQ(report.batch, 2);
  EXPECT_EQ(report.records, 17);
  EXPECT_EQ(report.late, 2);
  EXPECT_EQ((report.next_offsets.at({"clicks", 0})), 17);
}

}  // namespace
}  // namespace loch::runner
