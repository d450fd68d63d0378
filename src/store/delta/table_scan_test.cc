#include "store/delta/table_scan.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "store/delta/file_paths.h"
#include "store/delta/z85.h"
#include "store/sql/database.h"

namespace loch::delta {
namespace {

namespace fs = std::filesystem;

// Tables written by hand (Parquet from DuckDB, the log as PROTOCOL.md
// spells it) for features the shared test data lacks: type widening, a
// column added after the files were written, timestamp_ntz, inline
// deletion vectors, escaped partition paths.
class HandWrittenTable : public ::testing::Test {
 protected:
  void SetUp() override {
    auto database = sql::Database::open(":memory:");
    ASSERT_TRUE(database.is_ok());
    database_ = std::move(database).value();
    auto connection = database_->connect();
    ASSERT_TRUE(connection.is_ok());
    connection_ = std::make_unique<sql::Connection>(std::move(connection).value());
    ASSERT_TRUE(connection_->execute("SET TimeZone = 'UTC'").is_ok());
    root_ = fs::temp_directory_path() / ("loch_table_scan_test_" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_ / "_delta_log");
  }
  void TearDown() override { fs::remove_all(root_); }

  void write_parquet(const std::string& relative, const std::string& select) {
    fs::create_directories((root_ / relative).parent_path());
    ASSERT_TRUE(connection_->execute("COPY (" + select + ") TO " + sql_string_literal((root_ / relative).string()) +
                                     " (FORMAT parquet)")
                    .is_ok());
  }
  void write_commit(int version, const std::string& lines) {
    char name[32];
    std::snprintf(name, sizeof name, "%020d.json", version);
    std::ofstream(root_ / "_delta_log" / name) << lines;
  }
  // The table's rows, ordered, as text.
  std::string rows(const std::string& order_by) {
    auto snapshot = Snapshot::load(root_, *connection_);
    EXPECT_TRUE(snapshot.is_ok()) << snapshot.status().to_string();
    if (!snapshot.is_ok()) return "";
    auto sql = build_scan_sql(*snapshot, *connection_, all_files(*snapshot));
    EXPECT_TRUE(sql.is_ok()) << sql.status().to_string();
    if (!sql.is_ok()) return "";
    auto result = connection_->query("SELECT CAST(t AS VARCHAR) FROM (" + *sql + ") AS t ORDER BY " + order_by);
    EXPECT_TRUE(result.is_ok()) << result.status().to_string();
    std::string out;
    while (result.is_ok()) {
      auto chunk = result->next_chunk();
      if (!chunk.is_ok() || !*chunk) break;
      for (size_t r = 0; r < (*chunk)->size(); ++r) out += std::string((*chunk)->column(0).string_at(r)) + "\n";
    }
    return out;
  }

  std::unique_ptr<sql::Database> database_;
  std::unique_ptr<sql::Connection> connection_;
  fs::path root_;
};

const char* kProtocol = R"({"protocol":{"minReaderVersion":1,"minWriterVersion":2}})";

std::string metadata(const std::string& fields, const std::string& partitions = "") {
  std::string schema = R"({"type":"struct","fields":[)" + fields + "]}";
  std::string escaped;
  for (char c : schema) {
    if (c == '"') escaped += '\\';
    escaped += c;
  }
  return R"({"metaData":{"id":"t","format":{"provider":"parquet","options":{}},"schemaString":")" + escaped +
         R"(","partitionColumns":[)" + partitions + R"(],"configuration":{}}})";
}

std::string field(const std::string& name, const std::string& type) {
  return R"({"name":")" + name + R"(","type":")" + type + R"(","nullable":true,"metadata":{}})";
}

TEST_F(HandWrittenTable, WidenedTypesAndLaterColumnsReadAsTheCurrentSchemaSays) {
  write_parquet("a.parquet", "SELECT CAST(1 AS INTEGER) AS id, CAST(1.5 AS FLOAT) AS x");
  write_parquet("b.parquet", "SELECT CAST(3000000000 AS BIGINT) AS id, CAST(2.5 AS DOUBLE) AS x, 'new' AS note");
  write_commit(0, std::string(kProtocol) + "\n" + metadata(field("id", "integer") + "," + field("x", "float")) + "\n" +
                      R"({"add":{"path":"a.parquet","partitionValues":{},"size":1,"modificationTime":0,"dataChange":true}})" "\n");
  write_commit(1, metadata(field("id", "long") + "," + field("x", "double") + "," + field("note", "string") +
                           "," + field("later", "date")) + "\n" +
                      R"({"add":{"path":"b.parquet","partitionValues":{},"size":1,"modificationTime":0,"dataChange":true}})" "\n");
  EXPECT_EQ(rows("id"), "{'id': 1, 'x': 1.5, 'note': NULL, 'later': NULL}\n"
                        "{'id': 3000000000, 'x': 2.5, 'note': new, 'later': NULL}\n");
}

TEST_F(HandWrittenTable, PartitionValuesAreTypedEscapedAndNullable) {
  write_parquet("d=2024-01-02/s=a%20b/1.parquet", "SELECT 1 AS v");
  write_parquet("d=__HIVE_DEFAULT_PARTITION__/s=x/2.parquet", "SELECT 2 AS v");
  write_commit(0, std::string(kProtocol) + "\n" +
                      metadata(field("v", "integer") + "," + field("d", "date") + "," + field("s", "string"),
                               R"("d","s")") + "\n" +
                      R"({"add":{"path":"d=2024-01-02/s=a%2520b/1.parquet","partitionValues":{"d":"2024-01-02","s":"a b"},"size":1,"modificationTime":0,"dataChange":true}})" "\n"
                      R"({"add":{"path":"d=__HIVE_DEFAULT_PARTITION__/s=x/2.parquet","partitionValues":{"d":null,"s":"x"},"size":1,"modificationTime":0,"dataChange":true}})" "\n");
  EXPECT_EQ(rows("v"), "{'v': 1, 'd': 2024-01-02, 's': a b}\n{'v': 2, 'd': NULL, 's': x}\n");
}

TEST_F(HandWrittenTable, IntegerPartitionValuesDifferPerFileIncludingNegativesAndNulls) {
  write_parquet("p=-5/1.parquet", "SELECT 1 AS v");
  write_parquet("p=7/2.parquet", "SELECT 2 AS v");
  write_parquet("p=null/3.parquet", "SELECT 3 AS v");
  write_commit(0, std::string(kProtocol) + "\n" + metadata(field("v", "integer") + "," + field("p", "long"), R"("p")") +
                      "\n" R"({"add":{"path":"p=-5/1.parquet","partitionValues":{"p":"-5"},"size":1,"modificationTime":0,"dataChange":true}})" "\n"
                      R"({"add":{"path":"p=7/2.parquet","partitionValues":{"p":"7"},"size":1,"modificationTime":0,"dataChange":true}})" "\n"
                      R"({"add":{"path":"p=null/3.parquet","partitionValues":{"p":""},"size":1,"modificationTime":0,"dataChange":true}})" "\n");
  EXPECT_EQ(rows("v"), "{'v': 1, 'p': -5}\n{'v': 2, 'p': 7}\n{'v': 3, 'p': NULL}\n");
}

TEST_F(HandWrittenTable, InlineDeletionVectorHidesItsRows) {
  write_parquet("a.parquet", "SELECT range AS id FROM range(40)");
  // Rows 3, 4, 7, 11, 18, 29: the spec's inline example.
  write_commit(0, std::string(R"({"protocol":{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":["deletionVectors"],"writerFeatures":["deletionVectors"]}})") +
                      "\n" + metadata(field("id", "long")) + "\n" +
                      R"({"add":{"path":"a.parquet","partitionValues":{},"size":1,"modificationTime":0,"dataChange":true,"deletionVector":{"storageType":"i","pathOrInlineDv":"wi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L","sizeInBytes":40,"cardinality":6}}})" "\n");
  auto text = rows("id");
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 34);
  EXPECT_EQ(text.find("'id': 3}"), std::string::npos);
  EXPECT_EQ(text.find("'id': 29}"), std::string::npos);
  EXPECT_NE(text.find("'id': 30}"), std::string::npos);
}

TEST_F(HandWrittenTable, TimestampNtzStaysWallClockAndTimestampIsAnInstant) {
  write_parquet("a.parquet", "SELECT TIMESTAMP '2024-01-02 03:04:05' AS ntz, TIMESTAMPTZ '2024-01-02 03:04:05+00' AS ts");
  write_commit(0, std::string(R"({"protocol":{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":["timestampNtz"],"writerFeatures":["timestampNtz"]}})") +
                      "\n" + metadata(field("ntz", "timestamp_ntz") + "," + field("ts", "timestamp")) + "\n" +
                      R"({"add":{"path":"a.parquet","partitionValues":{},"size":1,"modificationTime":0,"dataChange":true}})" "\n");
  EXPECT_EQ(rows("ntz"), "{'ntz': '2024-01-02 03:04:05', 'ts': '2024-01-02 03:04:05+00'}\n");
}

// A zoneless timestamp partition value is the session zone's wall clock
// (as Spark reads it in its session zone); one with Z or an offset is that
// instant whatever the session's zone.
TEST_F(HandWrittenTable, ZonelessTimestampPartitionValueIsReadInTheSessionZone) {
  write_parquet("a.parquet", "SELECT 1 AS v");
  write_parquet("b.parquet", "SELECT 2 AS v");
  write_commit(0, std::string(kProtocol) + "\n" + metadata(field("v", "integer") + "," + field("p", "timestamp"), R"("p")") +
                      "\n" +
                      R"({"add":{"path":"a.parquet","partitionValues":{"p":"2024-01-02 03:04:05"},"size":1,"modificationTime":0,"dataChange":true}})" "\n"
                      R"({"add":{"path":"b.parquet","partitionValues":{"p":"2024-01-02T03:04:05.000000Z"},"size":1,"modificationTime":0,"dataChange":true}})" "\n");
  EXPECT_EQ(rows("v"), "{'v': 1, 'p': '2024-01-02 03:04:05+00'}\n{'v': 2, 'p': '2024-01-02 03:04:05+00'}\n");
  ASSERT_TRUE(connection_->execute("SET TimeZone = 'America/New_York'").is_ok());
  EXPECT_EQ(rows("v"), "{'v': 1, 'p': '2024-01-02 03:04:05-05'}\n{'v': 2, 'p': '2024-01-01 22:04:05-05'}\n");
}

TEST_F(HandWrittenTable, RemoveBeatsAnOlderAddOfTheSameCanonicalPath) {
  write_parquet("a b.parquet", "SELECT 1 AS v");
  write_parquet("c.parquet", "SELECT 2 AS v");
  write_commit(0, std::string(kProtocol) + "\n" + metadata(field("v", "integer")) + "\n" +
                      R"({"add":{"path":"a%20b.parquet","partitionValues":{},"size":1,"modificationTime":0,"dataChange":true}})" "\n"
                      R"({"add":{"path":"c.parquet","partitionValues":{},"size":1,"modificationTime":0,"dataChange":true}})" "\n");
  write_commit(1, R"({"remove":{"path":"file:)" + (root_ / "a%20b.parquet").string() + R"(","dataChange":true}})" "\n");
  EXPECT_EQ(rows("v"), "{'v': 2}\n");
}

TEST_F(HandWrittenTable, ActionsSpreadOverSeveralLinesAreReadButATruncatedOneIsAnError) {
  // duckdb-delta ships tables whose commits are pretty printed.
  write_parquet("a.parquet", "SELECT 1 AS v");
  write_commit(0, std::string(kProtocol) + "\n" + metadata(field("v", "integer")) + "\n");
  write_commit(1, "{\n  \"commitInfo\": {\"operation\": \"WRITE\", \"note\": \"a } in a string\\\" {\"}\n}\n"
                  "{\n  \"add\": {\n    \"path\": \"a.parquet\",\n    \"partitionValues\": {},\n    \"size\": 1,\n"
                  "    \"modificationTime\": 0,\n    \"dataChange\": true\n  }\n}\n");
  EXPECT_EQ(rows("v"), "{'v': 1}\n");
  write_commit(1, "{\n  \"add\": {\n    \"path\": \"a.parquet\",\n    \"partitionValues\": {}\n");
  auto snapshot = Snapshot::load(root_, *connection_);
  ASSERT_FALSE(snapshot.is_ok());
  EXPECT_NE(snapshot.status().message().find("00000000000000000001.json (version 1): line 1 is not a JSON object"),
            std::string::npos)
      << snapshot.status().to_string();
}

TEST_F(HandWrittenTable, LogCompactionFileStandsForTheCommitsItCovers) {
  write_parquet("a.parquet", "SELECT 1 AS v");
  write_parquet("b.parquet", "SELECT 2 AS v");
  write_parquet("c.parquet", "SELECT 3 AS v");
  const std::string add_a = R"({"add":{"path":"a.parquet","partitionValues":{},"size":1,"modificationTime":0,"dataChange":true}})";
  const std::string add_b = R"({"add":{"path":"b.parquet","partitionValues":{},"size":1,"modificationTime":0,"dataChange":true}})";
  const std::string add_c = R"({"add":{"path":"c.parquet","partitionValues":{},"size":1,"modificationTime":0,"dataChange":true}})";
  write_commit(0, std::string(kProtocol) + "\n" + metadata(field("v", "integer")) + "\n" + add_a + "\n");
  write_commit(1, add_b + "\n");
  write_commit(2, R"({"remove":{"path":"a.parquet","dataChange":true}})" "\n");
  write_commit(3, add_c + "\n");
  // Versions 1..2 reconciled: b added, a removed.
  std::ofstream(root_ / "_delta_log" / "00000000000000000001.00000000000000000002.compacted.json")
      << add_b << "\n" << R"({"remove":{"path":"a.parquet","dataChange":true}})" << "\n";
  EXPECT_EQ(rows("v"), "{'v': 2}\n{'v': 3}\n");
  // The compaction file is what replay reads for those versions.
  std::ofstream(root_ / "_delta_log" / "00000000000000000001.00000000000000000002.compacted.json") << "not json\n";
  auto snapshot = Snapshot::load(root_, *connection_);
  ASSERT_FALSE(snapshot.is_ok());
  EXPECT_NE(snapshot.status().message().find("00000000000000000001.00000000000000000002.compacted.json"),
            std::string::npos)
      << snapshot.status().to_string();
}

}  // namespace
}  // namespace loch::delta
