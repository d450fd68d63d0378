// A table loch writes reads back identically through loch's reader and
// through DuckDB's plain read_parquet over the active files, for every
// Delta type loch writes, with partitions and nulls.
#include <gtest/gtest.h>

#include <filesystem>

#include "store/delta/file_paths.h"
#include "store/delta/snapshot.h"
#include "store/delta/statement_layer.h"
#include "store/sql/database.h"

namespace loch::delta {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class WriteReadBack : public ::testing::Test {
 protected:
  void SetUp() override {
    database_ = std::move(sql::Database::open(":memory:")).value();
    connection_ = std::make_unique<sql::Connection>(std::move(database_->connect()).value());
    lake_ = fs::temp_directory_path() / ("loch_write_read_back_" + std::to_string(::getpid()));
    fs::remove_all(lake_);
    for (const char* zone : {"bronze", "silver", "gold"}) {
      fs::create_directories(lake_ / zone);
      ASSERT_TRUE(connection_->execute(std::string("CREATE SCHEMA IF NOT EXISTS ") + zone).is_ok());
    }
  }
  void TearDown() override { fs::remove_all(lake_); }

  void run(const std::string& statement) {
    auto rewritten = rewrite_delta_statement(statement, lake_, *connection_);
    ASSERT_TRUE(rewritten.is_ok()) << statement << ": " << rewritten.status().to_string();
    auto status = connection_->execute(*rewritten);
    ASSERT_TRUE(status.is_ok()) << *rewritten << ": " << status.to_string();
  }
  int64_t count(const std::string& query) {
    auto rewritten = rewrite_delta_statement(query, lake_, *connection_);
    EXPECT_TRUE(rewritten.is_ok()) << rewritten.status().to_string();
    auto result = connection_->query(*rewritten);
    EXPECT_TRUE(result.is_ok()) << result.status().to_string();
    if (!result.is_ok()) return -1;
    auto chunk = result->next_chunk();
    return (**chunk).column(0).values<int64_t>()[0];
  }

  std::unique_ptr<sql::Database> database_;
  std::unique_ptr<sql::Connection> connection_;
  fs::path lake_;
};

TEST_F(WriteReadBack, EveryTypeReadsBackThroughLochAndThroughReadParquet) {
  ASSERT_TRUE(connection_->execute("SET TimeZone = 'UTC'").is_ok());
  ASSERT_TRUE(connection_->execute(R"(CREATE TEMP TABLE src AS SELECT
      i::BIGINT AS id, (i * 7)::INTEGER AS i32, (i % 100)::SMALLINT AS i16, (i % 50)::TINYINT AS i8,
      CASE WHEN i % 9 = 0 THEN NULL ELSE i / 3.0 END AS dbl, (i / 4.0)::FLOAT AS flt,
      (i * 1.25)::DECIMAL(10,2) AS dec, i % 2 = 0 AS flag, DATE '2024-01-01' + (i % 40)::INT AS d,
      TIMESTAMPTZ '2024-03-01 10:00:00.123456+00' + i * INTERVAL 1 minute AS ts,
      TIMESTAMP '2024-03-01 10:00:00.654321' + i * INTERVAL 1 second AS ts_ntz,
      CASE WHEN i % 5 = 0 THEN NULL ELSE 'name ' || i || ' é/=%' END AS s, encode('b' || i) AS bin,
      [i, i + 1] AS arr, MAP {'k': i::INTEGER} AS m, {'a': i::INTEGER, 'b': 'x' || i} AS st,
      CASE WHEN i % 7 = 0 THEN NULL ELSE 'p' || (i % 3) || ' /x' END AS part_s,
      DATE '2024-06-01' + (i % 2)::INT AS part_d
      FROM range(500) r(i))").is_ok());
  run("CREATE TABLE bronze.all_types (id BIGINT, i32 INT, i16 SMALLINT, i8 TINYINT, dbl DOUBLE, flt FLOAT, "
      "dec DECIMAL(10,2), flag BOOLEAN, d DATE, ts TIMESTAMP, ts_ntz TIMESTAMP_NTZ, s STRING, bin BINARY, "
      "arr ARRAY<BIGINT>, m MAP<STRING, INT>, st STRUCT<a: INT, b: STRING>, part_s STRING, part_d DATE) "
      "PARTITIONED BY (part_s, part_d)");
  run("INSERT INTO bronze.all_types SELECT * FROM src WHERE id < 250");
  run("INSERT INTO bronze.all_types SELECT * FROM src WHERE id >= 250");

  const std::string columns = "id, i32, i16, i8, dbl, flt, dec, flag, d, ts, ts_ntz, s, bin, arr, "
                              "CAST(m AS VARCHAR) AS m, st, part_s, part_d";
  EXPECT_EQ(count("SELECT count(*) FROM bronze.all_types"), 500);
  EXPECT_EQ(count("SELECT count(*) FROM (SELECT " + columns + " FROM src EXCEPT ALL SELECT " + columns +
                  " FROM bronze.all_types)"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM (SELECT " + columns + " FROM bronze.all_types EXCEPT ALL SELECT " + columns +
                  " FROM src)"), 0);

  // DuckDB's read_parquet over the active files, partition values from
  // the log: the same rows.
  auto snapshot = Snapshot::load(lake_ / "bronze" / "all_types", *connection_);
  ASSERT_TRUE(snapshot.is_ok()) << snapshot.status().to_string();
  std::string union_sql;
  for (const auto& file : snapshot->files()) {
    auto value = [&](const char* key, const char* type) {
      const auto& v = file.add.partition_values.at(key);
      return v ? "CAST(" + sql_string_literal(*v) + " AS " + type + ")" : "CAST(NULL AS " + std::string(type) + ")";
    };
    union_sql += std::string(union_sql.empty() ? "" : " UNION ALL ") +
                 "SELECT id, i32, i16, i8, dbl, flt, dec, flag, d, ts, ts_ntz, s, bin, arr, CAST(m AS VARCHAR) AS m, st, " +
                 value("part_s", "VARCHAR") + " AS part_s, " + value("part_d", "DATE") + " AS part_d FROM read_parquet(" +
                 sql_string_literal(file.absolute_path.string()) + ")";
    // Every add has stats with the row count of its file.
    ASSERT_TRUE(file.add.stats.has_value());
    json stats = json::parse(*file.add.stats);
    EXPECT_EQ(stats["numRecords"].get<int64_t>(),
              count("SELECT count(*) FROM read_parquet(" + sql_string_literal(file.absolute_path.string()) + ")"));
    EXPECT_TRUE(stats["minValues"].contains("id") && stats["maxValues"].contains("ts"));
  }
  EXPECT_EQ(count("SELECT count(*) FROM (SELECT " + columns + " FROM src EXCEPT ALL (" + union_sql + "))"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM (" + union_sql + ")"), 500);

  // Filters that data skipping evaluates on the written stats return the
  // same rows as the source.
  for (const char* where : {"id BETWEEN 100 AND 120", "ts > TIMESTAMPTZ '2024-03-01 15:00:00+00'",
                            "d = DATE '2024-01-05'", "s = 'name 42 é/=%'", "part_s IS NULL", "dec < 10.00"}) {
    EXPECT_EQ(count(std::string("SELECT count(*) FROM bronze.all_types WHERE ") + where),
              count(std::string("SELECT count(*) FROM src WHERE ") + where))
        << where;
  }
}

}  // namespace
}  // namespace loch::delta
