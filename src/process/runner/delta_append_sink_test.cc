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

}  // namespace
}  // namespace loch::runner
