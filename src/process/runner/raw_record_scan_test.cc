#include "process/runner/raw_record_scan.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "process/runner/runner_test_util.h"
#include "process/runner/staging_tables.h"
#include "process/source/record_format.h"
#include "store/sql/database.h"

namespace loch::runner {
namespace {

class RawRecordScanTest : public testing::InMemoryDuckDbTest {
 protected:
  void SetUp() override {
    InMemoryDuckDbTest::SetUp();
    ASSERT_TRUE(register_raw_record_scan(*connection_).is_ok());
  }
};

// Records of every shape: null and binary keys, no headers, headers with a
// null and a non-UTF-8 value, tombstones, values longer than DuckDB inlines.
std::vector<source::SourceRecord> assorted_records(int count) {
  std::vector<source::SourceRecord> records;
  for (int i = 0; i < count; ++i) {
    source::SourceRecord record;
    record.source = {i % 2 ? "shop.clicks" : "a.much.longer.topic.name", i % 3};
    record.offset = 1000 + i;
    record.timestamp_ms = 1767225600000LL + i;
    if (i % 5 != 0) record.key = i % 7 ? "customer-" + std::to_string(i) : std::string("\0\xfe", 2);
    if (i % 11 != 0) record.value = "{\"click\":" + std::to_string(i) + ",\"page\":\"/products/" + std::to_string(i) + "\"}";
    if (i % 4 == 1) record.headers.emplace_back("trace", "t-" + std::to_string(i));
    if (i % 8 == 1) record.headers.emplace_back("empty", std::nullopt);
    if (i % 16 == 1) record.headers.emplace_back("bin", std::string("\xff\x00", 2));
    records.push_back(std::move(record));
  }
  return records;
}

// A stream of `records` in one batch, ended.
std::shared_ptr<RecordStream> stream_of(std::vector<source::SourceRecord> records, bool ingestion_columns = false) {
  auto stream = RecordStream::open(ingestion_columns);
  stream->push(std::move(records), 1767225600000);
  stream->end();
  return stream;
}

TEST_F(RawRecordScanTest, RowsEqualTheRawFormatStagedRowByRow) {
  constexpr int kRecords = 5000;  // more than two DuckDB vectors of 2,048
  std::vector<source::SourceRecord> records = assorted_records(kRecords);

  // What staging makes of them: decoded by the raw format, appended to batch_all.
  pipeline::FormatDefinition raw;
  raw.type = pipeline::RecordFormat::kRaw;
  auto format = std::move(source::make_record_format(raw)).value();
  decode::ColumnBatch columns;
  for (const auto& record : records) ASSERT_TRUE(format->decode(record, columns).is_ok());
  ASSERT_TRUE(stage_records(*connection_, format->columns(), columns).is_ok());

  // The same records in three batches of one stream.
  auto stream = RecordStream::open(false);
  std::vector<source::SourceRecord> first(records.begin(), records.begin() + 1000);
  std::vector<source::SourceRecord> second(records.begin() + 1000, records.begin() + 1001);
  std::vector<source::SourceRecord> rest(records.begin() + 1001, records.end());
  stream->push(std::move(first), 0);
  stream->push({}, 0);  // an empty batch is skipped
  stream->push(std::move(second), 0);
  stream->push(std::move(rest), 0);
  stream->end();
  ASSERT_TRUE(connection_->execute("CREATE TABLE scanned AS " + stream->rows_query()).is_ok());
  EXPECT_EQ(text_of("SELECT count(*) FROM scanned"), std::to_string(kRecords));
  // The same rows, and the same column names and types.
  EXPECT_EQ(text_of("SELECT count(*) FROM (SELECT * FROM scanned EXCEPT ALL SELECT * FROM batch_all)"), "0");
  EXPECT_EQ(text_of("SELECT count(*) FROM (SELECT * FROM batch_all EXCEPT ALL SELECT * FROM scanned)"), "0");
  EXPECT_EQ(text_of("SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY ordinal_position) "
                    "FROM information_schema.columns WHERE table_name = 'scanned'"),
            text_of("SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY ordinal_position) "
                    "FROM information_schema.columns WHERE table_name = 'batch_all'"));
  // In record order, nulls where the records have none.
  EXPECT_EQ(text_of("SELECT string_agg(CAST(_offset AS VARCHAR), ',') FROM (SELECT _offset FROM scanned LIMIT 3)"),
            "1000,1001,1002");
  EXPECT_EQ(text_of("SELECT count(*) FROM scanned WHERE value IS NULL"), std::to_string((kRecords + 10) / 11));
  EXPECT_EQ(text_of("SELECT _headers FROM scanned WHERE _offset = 1017"),
            "{\"trace\":\"t-17\",\"empty\":null,\"bin\":{\"base64\":\"/wA=\"}}");
}

TEST_F(RawRecordScanTest, IngestionColumnsAreEachBatchsReadTimeInUtc) {
  auto stream = RecordStream::open(true);
  stream->push(assorted_records(3), 1767225599999);  // 2025-12-31 23:59:59.999 UTC
  stream->push(assorted_records(2), 1767225600000);  // 2026-01-01 00:00:00 UTC
  stream->end();
  const std::string rows = "(" + stream->rows_query() + ")";
  EXPECT_EQ(text_of("SELECT string_agg(CAST(_ingested_date AS VARCHAR) || ' ' || CAST(epoch_ms(_ingested_at) AS VARCHAR), "
                    "',') FROM " + rows),
            "2025-12-31 1767225599999,2025-12-31 1767225599999,2025-12-31 1767225599999,"
            "2026-01-01 1767225600000,2026-01-01 1767225600000");
  EXPECT_EQ(text_of("SELECT typeof(_ingested_at) || ' ' || typeof(_ingested_date) FROM " + rows + " LIMIT 1"),
            "TIMESTAMP WITH TIME ZONE DATE");
}

TEST_F(RawRecordScanTest, AQueryOfSomeColumnsReadsOnlyThose) {
  auto stream = stream_of(assorted_records(3000));
  EXPECT_EQ(text_of("SELECT count(DISTINCT _partition) FROM (" + stream->rows_query() + ")"), "3");
  EXPECT_EQ(text_of("SELECT max(_offset) FROM loch_raw_records(" + std::to_string(stream->id()) + ")"), "3999");
}

TEST_F(RawRecordScanTest, EveryQueryReadsTheStreamFromItsFirstBatch) {
  auto stream = stream_of(assorted_records(2500));
  EXPECT_EQ(text_of("SELECT count(*) FROM (" + stream->rows_query() + ")"), "2500");
  EXPECT_EQ(text_of("SELECT count(*) FROM (" + stream->rows_query() + ")"), "2500");
}

TEST_F(RawRecordScanTest, RecordsAreGoneOnceTheirLastHandleIs) {
  std::string query;
  {
    auto stream = stream_of(assorted_records(10));
    query = stream->rows_query();
    EXPECT_EQ(text_of("SELECT count(*) FROM (" + query + ")"), "10");
  }
  EXPECT_NE(text_of("SELECT count(*) FROM (" + query + ")").find("they exist only until written"), std::string::npos);
}

TEST_F(RawRecordScanTest, AScanWaitsForBatchesUntilTheStreamEnds) {
  auto stream = RecordStream::open(false);
  stream->push(assorted_records(100), 0);
  // The query runs on another connection while batches are still pushed.
  auto second = std::move(database_->connect()).value();
  std::string counted;
  std::thread reader([&] {
    auto result = second.query("SELECT count(*)::BIGINT FROM (" + stream->rows_query() + ")");
    if (!result.is_ok()) {
      counted = result.status().to_string();
      return;
    }
    counted = std::to_string(std::move(result->next_chunk()).value()->column(0).values<int64_t>()[0]);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  stream->push(assorted_records(3000), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  stream->push(assorted_records(7), 0);
  stream->end();
  reader.join();
  EXPECT_EQ(counted, "3107");
}

TEST_F(RawRecordScanTest, AnAbortedStreamFailsTheScanWaitingForIt) {
  auto stream = RecordStream::open(false);
  stream->push(assorted_records(10), 0);
  auto second = std::move(database_->connect()).value();
  Status scanned;
  std::thread reader([&] { scanned = second.execute("CREATE TABLE t AS " + stream->rows_query()); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  stream->abort("the pipeline stopped");
  reader.join();
  EXPECT_NE(scanned.message().find("the pipeline stopped"), std::string::npos) << scanned.to_string();
}

TEST_F(RawRecordScanTest, RegisteringTwiceOnADatabaseIsFine) {
  auto second = std::move(database_->connect()).value();
  EXPECT_TRUE(register_raw_record_scan(second).is_ok());
  auto stream = stream_of(assorted_records(5));
  // Another connection of the database sees the function and the records.
  auto result = second.query("SELECT count(*) FROM (" + stream->rows_query() + ")");
  ASSERT_TRUE(result.is_ok()) << result.status().to_string();
}

}  // namespace
}  // namespace loch::runner
