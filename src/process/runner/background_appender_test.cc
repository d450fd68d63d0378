#include "process/runner/background_appender.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <map>
#include <thread>

#include "store/delta/snapshot.h"
#include "store/sql/database.h"

namespace loch::runner {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class BackgroundAppenderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_ = std::move(sql::Database::open(":memory:")).value();
    connection_ = std::make_unique<sql::Connection>(std::move(database_->connect()).value());
    root_ = fs::temp_directory_path() / ("loch_background_appender_test_" + std::to_string(::getpid())) / "clicks";
    fs::remove_all(root_.parent_path());
    sink_.emplace(SinkTable{root_, "bronze.clicks", {}, std::nullopt}, "bronze_clicks");
  }
  void TearDown() override { fs::remove_all(root_.parent_path()); }

  std::unique_ptr<BackgroundAppender> start(std::chrono::milliseconds max_age) {
    FileClosePolicy policy;
    policy.max_age = max_age;
    auto appender = BackgroundAppender::start(*database_, *sink_, policy, 0,
                                              [this](BatchReport& report) { reports_.push_back(report); });
    EXPECT_TRUE(appender.is_ok()) << appender.status().to_string();
    return std::move(appender).value();
  }

  // Stages batch `number`: records [first, last) of clicks/0 in table sink_rows_<number>.
  Status add(BackgroundAppender& appender, int64_t number, int first, int last) {
    const std::string table = "sink_rows_" + std::to_string(number);
    Status staged = connection_->execute("CREATE TABLE " + table +
                                         " AS SELECT 'clicks' AS _topic, 0 AS _partition, i::BIGINT AS _offset, "
                                         "'v' || i AS value FROM range(" + std::to_string(first) + ", " +
                                         std::to_string(last) + ") r(i)");
    if (!staged.is_ok()) return staged;
    BatchReport report;
    report.pipeline = "bronze_clicks";
    report.batch = number;
    report.records = last - first;
    report.next_offsets[{"clicks", 0}] = last;
    return appender.add(table, "SELECT * FROM " + table, 100 * (last - first), report, BackgroundAppender::Clock::now());
  }

  // Adds batch `number` as records read in place: clicks/0 offsets [first, last).
  Status add_records(BackgroundAppender& appender, int64_t number, int first, int last,
                     int64_t read_at_ms = 1767225600000) {
    std::vector<source::SourceRecord> records;
    for (int i = first; i < last; ++i) {
      source::SourceRecord record;
      record.source = {"clicks", 0};
      record.offset = i;
      record.value = "v" + std::to_string(i);
      records.push_back(std::move(record));
    }
    BatchReport report;
    report.pipeline = "bronze_clicks";
    report.batch = number;
    report.records = last - first;
    report.next_offsets[{"clicks", 0}] = last;
    return appender.add_records(std::move(records), read_at_ms + number, true, 100 * (last - first), report,
                                BackgroundAppender::Clock::now());
  }

  // The rows in the table's data files (read back, not from the stats).
  int64_t rows_in_table() {
    auto table = delta::Snapshot::load(root_, *connection_);
    if (!table.is_ok()) return -1;
    std::string files;
    for (const auto& file : table->files()) files += (files.empty() ? "'" : ", '") + (root_ / file.add.path).string() + "'";
    auto rows = connection_->query("SELECT count(*)::BIGINT FROM read_parquet([" + files + "])");
    if (!rows.is_ok()) return -1;
    return std::move(rows->next_chunk()).value()->column(0).values<int64_t>()[0];
  }

  int64_t commits() {
    int64_t n = 0;
    for (const auto& entry : fs::directory_iterator(root_ / "_delta_log")) n += entry.path().extension() == ".json";
    return n;
  }

  std::unique_ptr<sql::Database> database_;
  std::unique_ptr<sql::Connection> connection_;
  fs::path root_;
  std::optional<DeltaAppendSink> sink_;
  std::vector<BatchReport> reports_;
};

TEST_F(BackgroundAppenderTest, WithoutAnAgeEachBatchIsACommitInOrder) {
  auto appender = start(0ms);
  ASSERT_TRUE(add(*appender, 1, 0, 10).is_ok());
  ASSERT_TRUE(add(*appender, 2, 10, 30).is_ok());
  ASSERT_TRUE(appender->finish().is_ok());
  ASSERT_EQ(reports_.size(), 2u);
  EXPECT_EQ(reports_[0].batch, 1);
  EXPECT_EQ(reports_[0].rows, 10);
  EXPECT_EQ(reports_[0].version, 0);
  EXPECT_EQ(reports_[1].rows, 20);
  EXPECT_EQ(reports_[1].version, 1);
  EXPECT_EQ(commits(), 2);
  EXPECT_EQ(sink_->committed_offsets(*connection_).value().at({"clicks", 0}), 30);
  // The staged tables were dropped once committed.
  auto left = connection_->query("SELECT count(*)::BIGINT FROM duckdb_tables() WHERE table_name LIKE 'sink_rows_%'");
  ASSERT_TRUE(left.is_ok());
  EXPECT_EQ(std::move(left->next_chunk()).value()->column(0).values<int64_t>()[0], 0);
}

TEST_F(BackgroundAppenderTest, AnOpenFileCommitsItsBatchesOnceWithTheLastOffsets) {
  auto appender = start(1h);
  ASSERT_TRUE(add(*appender, 1, 0, 10).is_ok());
  ASSERT_TRUE(add(*appender, 2, 10, 15).is_ok());
  ASSERT_TRUE(add(*appender, 3, 15, 40).is_ok());
  EXPECT_TRUE(appender->has_open_file());
  EXPECT_FALSE(fs::exists(root_ / "_delta_log")) << "nothing commits before the file closes";
  ASSERT_TRUE(appender->close_if_due(BackgroundAppender::Clock::now()).is_ok());
  EXPECT_TRUE(appender->has_open_file()) << "an hour has not passed";
  ASSERT_TRUE(appender->close().is_ok());
  ASSERT_TRUE(appender->finish().is_ok());
  ASSERT_EQ(reports_.size(), 1u);
  EXPECT_EQ(reports_[0].batch, 3);
  EXPECT_EQ(reports_[0].records, 40);
  EXPECT_EQ(reports_[0].rows, 40);
  EXPECT_EQ(commits(), 1);
  auto table = delta::Snapshot::load(root_, *connection_);
  ASSERT_TRUE(table.is_ok());
  EXPECT_EQ(table->files().size(), 1u);
  EXPECT_EQ(sink_->committed_offsets(*connection_).value().at({"clicks", 0}), 40);
  // Closing with nothing open commits nothing.
  ASSERT_TRUE(appender->close().is_ok());
  ASSERT_TRUE(appender->finish().is_ok());
  EXPECT_EQ(commits(), 1);
}

TEST_F(BackgroundAppenderTest, RecordsInPlaceStreamToAnOpenFileThatCommitsOnceWithTheLastOffsets) {
  ASSERT_TRUE(register_raw_record_scan(*connection_).is_ok());
  auto appender = start(1h);
  ASSERT_TRUE(add_records(*appender, 1, 0, 3000).is_ok());
  ASSERT_TRUE(add_records(*appender, 2, 3000, 3005).is_ok());
  ASSERT_TRUE(add_records(*appender, 3, 3005, 7000).is_ok());
  ASSERT_TRUE(appender->finish().is_ok()) << "a file being written is not a commit to wait for";
  EXPECT_FALSE(fs::exists(root_ / "_delta_log" / "00000000000000000000.json")) << "nothing commits before the file closes";
  ASSERT_TRUE(appender->close().is_ok());
  ASSERT_TRUE(appender->finish().is_ok());
  ASSERT_EQ(reports_.size(), 1u);
  EXPECT_EQ(reports_[0].batch, 3);
  EXPECT_EQ(reports_[0].records, 7000);
  EXPECT_EQ(reports_[0].rows, 7000);
  EXPECT_EQ(commits(), 1);
  EXPECT_EQ(rows_in_table(), 7000);
  EXPECT_EQ(sink_->committed_offsets(*connection_).value().at({"clicks", 0}), 7000);
  // The next file is a stream of its own, committed after the first.
  ASSERT_TRUE(add_records(*appender, 4, 7000, 7010).is_ok());
  ASSERT_TRUE(appender->close().is_ok());
  ASSERT_TRUE(appender->finish().is_ok());
  EXPECT_EQ(commits(), 2);
  EXPECT_EQ(rows_in_table(), 7010);
  EXPECT_EQ(sink_->committed_offsets(*connection_).value().at({"clicks", 0}), 7010);
}

TEST_F(BackgroundAppenderTest, AStreamedFileClosesAtMidnightAndEachDayGoesToItsPartition) {
  sink_.emplace(SinkTable{root_, "bronze.clicks", {"_ingested_date"}, std::nullopt}, "bronze_clicks");
  ASSERT_TRUE(register_raw_record_scan(*connection_).is_ok());
  auto appender = start(1h);
  constexpr int64_t kLastMsOf2025 = 1767225599990;  // + the batch number: still 2025-12-31
  ASSERT_TRUE(add_records(*appender, 1, 0, 100, kLastMsOf2025).is_ok());
  ASSERT_TRUE(add_records(*appender, 2, 100, 150, kLastMsOf2025).is_ok());
  ASSERT_TRUE(add_records(*appender, 3, 150, 160, kLastMsOf2025 + 10).is_ok());  // 2026-01-01
  ASSERT_TRUE(appender->close().is_ok());
  ASSERT_TRUE(appender->finish().is_ok());
  ASSERT_EQ(reports_.size(), 2u);
  EXPECT_EQ(reports_[0].rows, 150);
  EXPECT_EQ(reports_[1].rows, 10);
  auto table = delta::Snapshot::load(root_, *connection_);
  ASSERT_TRUE(table.is_ok());
  std::map<std::string, int64_t> files_per_day;
  for (const auto& file : table->files()) {
    const std::string day = file.add.partition_values.at("_ingested_date").value_or("null");
    ++files_per_day[day];
    EXPECT_EQ(file.add.path.rfind("_ingested_date=" + day + "/", 0), 0u) << file.add.path;
  }
  EXPECT_EQ(files_per_day, (std::map<std::string, int64_t>{{"2025-12-31", 1}, {"2026-01-01", 1}}));
  EXPECT_EQ(rows_in_table(), 160);
  // The date column is the partition's, read back from the path.
  auto dates = connection_->query("SELECT count(*)::BIGINT FROM read_parquet('" + (root_ / "_ingested_date=2025-12-31" / "*.parquet").string() +
                                  "', hive_partitioning = true) WHERE _ingested_date = DATE '2025-12-31'");
  ASSERT_TRUE(dates.is_ok()) << dates.status().to_string();
  EXPECT_EQ(std::move(dates->next_chunk()).value()->column(0).values<int64_t>()[0], 150);
}

TEST_F(BackgroundAppenderTest, AStreamedWriteThatFailsWhileItsFileIsOpenIsReportedWhenTheFileCloses) {
  ASSERT_TRUE(register_raw_record_scan(*connection_).is_ok());
  // A table of another shape: the streamed rows' columns are not in it.
  ASSERT_TRUE(sink_->append(*connection_, "SELECT 1 AS x", {}).is_ok());
  auto appender = start(1h);
  ASSERT_TRUE(add_records(*appender, 1, 0, 100).is_ok());
  std::this_thread::sleep_for(200ms);  // the write fails meanwhile
  ASSERT_TRUE(add_records(*appender, 2, 100, 200).is_ok()) << "the open file still takes batches";
  ASSERT_TRUE(appender->close().is_ok());
  Status finished = appender->finish();
  EXPECT_FALSE(finished.is_ok());
  EXPECT_NE(finished.message().find("_topic"), std::string::npos) << finished.to_string();
  EXPECT_TRUE(reports_.empty());
  EXPECT_EQ(commits(), 1) << "only the table's creation";
}

TEST_F(BackgroundAppenderTest, AStreamedFileLeftOpenCommitsNothing) {
  ASSERT_TRUE(register_raw_record_scan(*connection_).is_ok());
  {
    auto appender = start(1h);
    ASSERT_TRUE(add_records(*appender, 1, 0, 100).is_ok());
    ASSERT_TRUE(add_records(*appender, 2, 100, 200).is_ok());
    // Destroyed with the file open (the pipeline failed or was stopped hard):
    // the write waiting for more records ends, and the destructor returns.
  }
  EXPECT_TRUE(reports_.empty());
  EXPECT_FALSE(fs::exists(root_ / "_delta_log" / "00000000000000000000.json"));
}

TEST_F(BackgroundAppenderTest, RecordsInPlaceWithoutAnAgeAreACommitEachBatch) {
  ASSERT_TRUE(register_raw_record_scan(*connection_).is_ok());
  auto appender = start(0ms);
  ASSERT_TRUE(add_records(*appender, 1, 0, 10).is_ok());
  ASSERT_TRUE(add_records(*appender, 2, 10, 30).is_ok());
  ASSERT_TRUE(appender->finish().is_ok());
  ASSERT_EQ(reports_.size(), 2u);
  EXPECT_EQ(reports_[1].rows, 20);
  EXPECT_EQ(commits(), 2);
  EXPECT_EQ(rows_in_table(), 30);
}

}  // namespace
}  // namespace loch::runner
