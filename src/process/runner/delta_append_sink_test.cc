#include "process/runner/delta_append_sink.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "store/delta/snapshot.h"
#include "store/sql/database.h"

namespace loch::runner {
namespace {

namespace fs = std::filesystem;

class DeltaAppendSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_ = std::move(sql::Database::open(":memory:")).value();
    connection_ = std::make_unique<sql::Connection>(std::move(database_->connect()).value());
    root_ = fs::temp_directory_path() / ("loch_append_sink_test_" + std::to_string(::getpid())) / "orders";
    fs::remove_all(root_.parent_path());
  }
  void TearDown() override { fs::remove_all(root_.parent_path()); }

  DeltaAppendSink sink(const std::string& pipeline = "bronze_orders") {
    return DeltaAppendSink(SinkTable{root_, "bronze.orders", {"day"}, std::nullopt}, pipeline);
  }

  // Records [first, last) of orders/0, as a micro-batch would stage them.
  static std::string records(int first, int last) {
    return "SELECT 'orders' AS _topic, 0 AS _partition, i::BIGINT AS _offset, ('{\"n\":' || i || '}')::JSON AS value, "
           "DATE '2026-01-01' + (i % 2)::INT AS day FROM range(" +
           std::to_string(first) + ", " + std::to_string(last) + ") r(i)";
  }

  delta::Snapshot snapshot() { return std::move(delta::Snapshot::load(root_, *connection_)).value(); }

  int64_t table_rows() {
    int64_t rows = 0;
    delta::Snapshot table = snapshot();
    for (const auto& file : table.files()) rows += nlohmann::json::parse(*file.add.stats)["numRecords"].get<int64_t>();
    return rows;
  }

  std::unique_ptr<sql::Database> database_;
  std::unique_ptr<sql::Connection> connection_;
  fs::path root_;
  const SourcePartition orders0_{"orders", 0};
};

TEST_F(DeltaAppendSinkTest, FirstAppendCreatesThePartitionedTableWithTheOffsets) {
  DeltaAppendSink orders = sink();
  EXPECT_EQ(orders.version(*connection_).value(), -1);
  EXPECT_TRUE(orders.committed_offsets(*connection_).value().empty());

  auto outcome = orders.append(*connection_, records(0, 10), {{orders0_, 10}});
  ASSERT_TRUE(outcome.is_ok()) << outcome.status().to_string();
  EXPECT_FALSE(outcome->skipped);
  EXPECT_EQ(outcome->version, 0);
  EXPECT_EQ(outcome->rows, 10);

  delta::Snapshot table = snapshot();
  EXPECT_EQ(table.metadata().partition_columns, std::vector<std::string>{"day"});
  ASSERT_EQ(table.files().size(), 2u);  // one per day
  for (const auto& file : table.files()) EXPECT_TRUE(file.add.partition_values.count("day"));
  ASSERT_EQ(table.transactions().count("bronze_orders/orders/0"), 1u);
  EXPECT_EQ(table.transactions().at("bronze_orders/orders/0").version, 10);
  // JSON is stored as a string column.
  EXPECT_NE(table.metadata().schema_string.find(R"("name":"value","nullable":true,"type":"string")"), std::string::npos)
      << table.metadata().schema_string;
  EXPECT_EQ((orders.committed_offsets(*connection_).value()), (Offsets{{orders0_, 10}}));
}

TEST_F(DeltaAppendSinkTest, ReplayOfACommittedBatchIsSkipped) {
  DeltaAppendSink orders = sink();
  ASSERT_TRUE(orders.append(*connection_, records(0, 10), {{orders0_, 10}}).is_ok());
  ASSERT_TRUE(orders.append(*connection_, records(10, 20), {{orders0_, 20}}).is_ok());

  auto replay = orders.append(*connection_, records(10, 20), {{orders0_, 20}});
  ASSERT_TRUE(replay.is_ok()) << replay.status().to_string();
  EXPECT_TRUE(replay->skipped);
  EXPECT_EQ(replay->version, 1);
  auto older = orders.append(*connection_, records(0, 10), {{orders0_, 10}});
  ASSERT_TRUE(older.is_ok());
  EXPECT_TRUE(older->skipped);
  EXPECT_EQ(snapshot().version().value(), 1);
  EXPECT_EQ(table_rows(), 20);
}

TEST_F(DeltaAppendSinkTest, AStraddlingReplayAddsOnlyTheNewRowsWhenAskedTo) {
  DeltaAppendSink orders = sink();
  ASSERT_TRUE(orders.append(*connection_, records(0, 10), {{orders0_, 10}}).is_ok());
  // After a restart the batch boundaries differ: [5, 15) overlaps the commit.
  auto outcome = orders.append(*connection_, records(5, 15), {{orders0_, 15}}, /*skip_committed_rows=*/true);
  ASSERT_TRUE(outcome.is_ok()) << outcome.status().to_string();
  EXPECT_EQ(outcome->rows, 5);
  EXPECT_EQ(table_rows(), 15);
  EXPECT_EQ(snapshot().transactions().at("bronze_orders/orders/0").version, 15);
}

TEST_F(DeltaAppendSinkTest, AnEmptyBatchStillAdvancesTheOffsetsAndOtherPipelinesAreIgnored) {
  DeltaAppendSink orders = sink();
  ASSERT_TRUE(orders.append(*connection_, records(0, 4), {{orders0_, 4}}).is_ok());
  auto empty = orders.append(*connection_, records(0, 0), {{orders0_, 9}});
  ASSERT_TRUE(empty.is_ok()) << empty.status().to_string();
  EXPECT_FALSE(empty->skipped);
  EXPECT_EQ(empty->rows, 0);
  EXPECT_EQ((orders.committed_offsets(*connection_).value()), (Offsets{{orders0_, 9}}));

  DeltaAppendSink other = sink("silver_orders");
  EXPECT_TRUE(other.committed_offsets(*connection_).value().empty());
  ASSERT_TRUE(other.append(*connection_, records(0, 2), {{orders0_, 2}}).is_ok());
  EXPECT_EQ((orders.committed_offsets(*connection_).value()), (Offsets{{orders0_, 9}}));
  EXPECT_EQ(table_rows(), 6);
}

TEST_F(DeltaAppendSinkTest, AFirstCommitKilledHalfWayLeavesNoTable) {
  // kill -9 between writing the commit's temporary file and linking it.
  fs::create_directories(root_ / "_delta_log");
  std::ofstream(root_ / "_delta_log" / "._loch_tmp.00000000000000000000.json.123.0") << "{}";
  DeltaAppendSink orders = sink();
  EXPECT_EQ(orders.version(*connection_).value(), -1);
  EXPECT_TRUE(orders.committed_offsets(*connection_).value().empty());
  auto outcome = orders.append(*connection_, records(0, 3), {{orders0_, 3}});
  ASSERT_TRUE(outcome.is_ok()) << outcome.status().to_string();
  EXPECT_EQ(outcome->version, 0);
  EXPECT_EQ(table_rows(), 3);
}

TEST_F(DeltaAppendSinkTest, AMissingPartitionColumnIsNamed) {
  DeltaAppendSink bad(SinkTable{root_, "bronze.orders", {"_ingested_date"}, std::nullopt}, "bronze_orders");
  auto outcome = bad.append(*connection_, records(0, 3), {{orders0_, 3}});
  ASSERT_FALSE(outcome.is_ok());
  EXPECT_NE(outcome.status().message().find("partition column _ingested_date"), std::string::npos)
      << outcome.status().to_string();
}

TEST_F(DeltaAppendSinkTest, ManyTinyBatchesAreCompactedWithEveryRowOnceAndTheOffsetsKept) {
  DeltaAppendSink orders = sink();
  constexpr int kBatches = 11;
  constexpr int kRows = 6;
  constexpr int64_t kMinSmallFiles = 4;
  int compactions = 0;
  size_t most_files = 0;
  for (int batch = 0; batch < kBatches; ++batch) {
    const int next = (batch + 1) * kRows;
    auto appended = orders.append(*connection_, records(batch * kRows, next), {{orders0_, next}});
    ASSERT_TRUE(appended.is_ok()) << appended.status().to_string();
    auto due = orders.has_small_files_to_compact(*connection_, kMinSmallFiles);
    ASSERT_TRUE(due.is_ok()) << due.status().to_string();
    // The append's own count (no snapshot loaded) says the same, with
    // compaction off it says never.
    EXPECT_EQ(DeltaAppendSink::has_small_files_to_compact(*appended, kMinSmallFiles), *due) << "batch " << batch;
    EXPECT_FALSE(DeltaAppendSink::has_small_files_to_compact(*appended, 0));
    EXPECT_GE(appended->most_small_files_in_a_partition, 1) << "batch " << batch;
    // Two day partitions, one file each per batch: due every 4th batch at the latest.
    if (*due) {
      auto compacted = orders.compact_small_files(*connection_, kMinSmallFiles);
      ASSERT_TRUE(compacted.is_ok()) << compacted.status().to_string();
      ASSERT_TRUE(compacted->has_value());
      EXPECT_EQ(**compacted, appended->version + 1);
      ++compactions;
    }
    most_files = std::max(most_files, snapshot().files().size());
    EXPECT_EQ((orders.committed_offsets(*connection_).value()), (Offsets{{orders0_, next}})) << "batch " << batch;
  }
  EXPECT_EQ(compactions, 3);  // after batches 4, 7 and 10 (the compacted file is small too)
  EXPECT_LE(most_files, 2u * kMinSmallFiles);

  delta::Snapshot table = snapshot();
  std::string files;
  for (const auto& file : table.files()) {
    files += (files.empty() ? "'" : ", '") + (root_ / file.add.path).string() + "'";
  }
  auto result = connection_->query("SELECT count(*), count(DISTINCT _offset), min(_offset), max(_offset) FROM read_parquet([" +
                                   files + "])");
  ASSERT_TRUE(result.is_ok()) << result.status().to_string();
  auto chunk = std::move(result->next_chunk()).value();
  ASSERT_TRUE(chunk);
  EXPECT_EQ(chunk->column(0).values<int64_t>()[0], kBatches * kRows);
  EXPECT_EQ(chunk->column(1).values<int64_t>()[0], kBatches * kRows);
  EXPECT_EQ(chunk->column(2).values<int64_t>()[0], 0);
  EXPECT_EQ(chunk->column(3).values<int64_t>()[0], kBatches * kRows - 1);
  EXPECT_EQ(table_rows(), kBatches * kRows);
  // Below the threshold nothing is due, and compaction off means never.
  EXPECT_FALSE(orders.has_small_files_to_compact(*connection_, kMinSmallFiles).value());
  EXPECT_FALSE(orders.has_small_files_to_compact(*connection_, 0).value());
}

TEST_F(DeltaAppendSinkTest, MaterializedRowsOfOnePartitionGoStraightIntoItsDirectory) {
  DeltaAppendSink orders = sink();
  ASSERT_TRUE(connection_->execute("CREATE TABLE one_day AS SELECT * FROM (" + records(0, 20) +
                                   ") WHERE day = DATE '2026-01-01'").is_ok());
  ASSERT_TRUE(connection_->execute("CREATE TABLE two_days AS " + records(20, 30)).is_ok());
  auto first = orders.append(*connection_, "SELECT * FROM one_day", {{orders0_, 20}}, false, true);
  ASSERT_TRUE(first.is_ok()) << first.status().to_string();
  EXPECT_EQ(first->rows, 10);
  delta::Snapshot table = snapshot();
  ASSERT_EQ(table.files().size(), 1u);
  EXPECT_EQ(table.files()[0].add.path.rfind("day=2026-01-01/part-", 0), 0u) << table.files()[0].add.path;
  EXPECT_EQ(table.files()[0].add.partition_values.at("day"), std::optional<std::string>("2026-01-01"));
  // Two days: the partitioned write, one file each.
  auto second = orders.append(*connection_, "SELECT * FROM two_days", {{orders0_, 30}}, false, true);
  ASSERT_TRUE(second.is_ok()) << second.status().to_string();
  table = snapshot();
  EXPECT_EQ(table.files().size(), 3u);
  std::string files;
  for (const auto& file : table.files()) files += (files.empty() ? "'" : ", '") + (root_ / file.add.path).string() + "'";
  // The partition column is in the directory names only, as Delta wants it.
  auto result = connection_->query("SELECT count(*), count(DISTINCT _offset) FROM read_parquet([" + files +
                                   "], hive_partitioning = false)");
  ASSERT_TRUE(result.is_ok()) << result.status().to_string();
  auto chunk = std::move(result->next_chunk()).value();
  EXPECT_EQ(chunk->column(0).values<int64_t>()[0], 20);
  EXPECT_EQ(chunk->column(1).values<int64_t>()[0], 20);
  auto columns = connection_->query("SELECT * FROM read_parquet('" + (root_ / table.files()[0].add.path).string() +
                                    "', hive_partitioning = false) LIMIT 0");
  ASSERT_TRUE(columns.is_ok());
  for (size_t c = 0; c < columns->column_count(); ++c) EXPECT_NE(columns->column_name(c), "day");
}

}  // namespace
}  // namespace loch::runner
