#include "store/delta/checkpoint_writer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "store/delta/data_writer.h"
#include "store/delta/table_scan.h"
#include "store/delta/transaction.h"
#include "store/delta/writer_protocol.h"
#include "store/sql/database.h"

namespace loch::delta {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class CheckpointWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_ = std::move(sql::Database::open(":memory:")).value();
    connection_ = std::make_unique<sql::Connection>(std::move(database_->connect()).value());
    root_ = fs::temp_directory_path() / ("loch_checkpoint_test_" + std::to_string(::getpid()));
    fs::remove_all(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  void create(std::map<std::string, std::string> configuration) {
    Metadata m;
    m.id = "5b0b6d3a-9f1e-4c0a-8d7e-1a2b3c4d5e6f";
    m.schema_string = R"({"type":"struct","fields":[{"name":"id","type":"long","nullable":true,"metadata":{}},)"
                      R"({"name":"part","type":"string","nullable":true,"metadata":{}}]})";
    m.partition_columns = {"part"};
    m.configuration = std::move(configuration);
    Transaction txn = Transaction::begin_create(root_, *connection_);
    txn.set_metadata(m);
    txn.set_protocol(required_protocol(m, std::nullopt).value());
    ASSERT_TRUE(txn.commit().is_ok());
  }

  CommitResult append(int first, bool remove_oldest = false) {
    auto txn = Transaction::begin(root_, *connection_);
    EXPECT_TRUE(txn.is_ok());
    if (remove_oldest && !txn->read_snapshot()->files().empty()) {
      txn->remove_file(remove_for(txn->read_snapshot()->files().front().add));
    }
    auto adds = write_data_files(*connection_, root_, txn->metadata(),
                                 "SELECT " + std::to_string(first) + " + i AS id, CASE WHEN i = 0 THEN NULL ELSE 'p' || (i % 2) END AS part FROM range(3) r(i)");
    EXPECT_TRUE(adds.is_ok());
    for (auto& add : *adds) txn->add_file(std::move(add));
    txn->set_transaction_id("app", first);
    auto result = txn->commit();
    EXPECT_TRUE(result.is_ok()) << result.status().to_string();
    return *result;
  }

  std::string rows(std::optional<TableVersion> version = std::nullopt) {
    SnapshotRequest request;
    request.version = version;
    auto snapshot = Snapshot::load(root_, *connection_, request);
    EXPECT_TRUE(snapshot.is_ok()) << snapshot.status().to_string();
    auto sql = build_scan_sql(*snapshot, *connection_, all_files(*snapshot));
    EXPECT_TRUE(sql.is_ok());
    auto result = connection_->query("SELECT string_agg(id || ':' || coalesce(part, 'null'), ',' ORDER BY id) FROM (" +
                                     *sql + ")");
    EXPECT_TRUE(result.is_ok());
    auto chunk = result->next_chunk();
    return std::string((**chunk).column(0).string_at(0));
  }

  std::unique_ptr<sql::Database> database_;
  std::unique_ptr<sql::Connection> connection_;
  fs::path root_;
};

TEST_F(CheckpointWriterTest, EveryIntervalCommitsWritesACheckpointTheReaderUses) {
  create({{"delta.checkpointInterval", "3"}});
  for (int i = 1; i <= 4; ++i) {
    auto result = append(i * 10, /*remove_oldest=*/i == 2);
    EXPECT_EQ(result.checkpoint_written, i == 3) << i;
  }
  const fs::path log = root_ / "_delta_log";
  ASSERT_TRUE(fs::exists(log / "00000000000000000003.checkpoint.parquet"));
  std::ifstream in(log / "_last_checkpoint");
  json last = json::parse(in);
  EXPECT_EQ(last["version"], 3);
  EXPECT_GT(last["numOfAddFiles"].get<int>(), 0);

  const std::string expected = rows();
  EXPECT_EQ(std::count(expected.begin(), expected.end(), ','), 10);  // 4 x 3 rows, one file removed
  auto snapshot = Snapshot::load(root_, *connection_);
  ASSERT_TRUE(snapshot.is_ok());
  ASSERT_TRUE(snapshot->checkpoint().has_value());
  EXPECT_EQ(snapshot->checkpoint()->version.value(), 3);
  EXPECT_EQ(snapshot->transactions().at("app").version, 40);
  EXPECT_EQ(snapshot->metadata().partition_columns, std::vector<std::string>{"part"});
  const std::string at_three = rows(TableVersion(3));
  // Reading from the checkpoint alone gives the state the commits gave.
  fs::rename(log / "00000000000000000001.json", root_ / "hidden1.json");
  fs::rename(log / "00000000000000000002.json", root_ / "hidden2.json");
  fs::rename(log / "00000000000000000003.json", root_ / "hidden3.json");
  EXPECT_EQ(rows(), expected);
  EXPECT_EQ(rows(TableVersion(3)), at_three);

  // The checkpoint has the spec's columns, stats as JSON, and the tombstone.
  auto result = connection_->query("SELECT count(*) FILTER (WHERE add IS NOT NULL), count(*) FILTER (WHERE remove IS NOT NULL), "
                                   "bool_and(add.stats LIKE '{\"numRecords\":%') FILTER (WHERE add IS NOT NULL), "
                                   "max(protocol.minWriterVersion), max(metaData.id) FROM read_parquet('" +
                                   (log / "00000000000000000003.checkpoint.parquet").string() + "')");
  ASSERT_TRUE(result.is_ok()) << result.status().to_string();
  auto chunk = result->next_chunk();
  ASSERT_TRUE(chunk.is_ok() && *chunk);
  EXPECT_EQ((**chunk).column(0).values<int64_t>()[0], 8);
  EXPECT_EQ((**chunk).column(1).values<int64_t>()[0], 1);
  EXPECT_TRUE((**chunk).column(2).values<bool>()[0]);
  EXPECT_EQ((**chunk).column(3).values<int32_t>()[0], 2);
}

TEST_F(CheckpointWriterTest, ExpiredLogIsDeletedOnlyBelowTheNewestCheckpoint) {
  create({{"delta.checkpointInterval", "2"}, {"delta.logRetentionDuration", "interval 30 days"}});
  append(10);
  // Versions 0 and 1 look 60 days old; the checkpoint at 2 covers them.
  const fs::path log = root_ / "_delta_log";
  const auto old = fs::file_time_type::clock::now() - std::chrono::hours(24 * 60);
  fs::last_write_time(log / "00000000000000000000.json", old);
  fs::last_write_time(log / "00000000000000000001.json", old);
  append(20);  // version 2: checkpoint, then cleanup
  EXPECT_FALSE(fs::exists(log / "00000000000000000000.json"));
  EXPECT_FALSE(fs::exists(log / "00000000000000000001.json"));
  EXPECT_TRUE(fs::exists(log / "00000000000000000002.json"));
  EXPECT_EQ(rows(), "10:null,11:p1,12:p0,20:null,21:p1,22:p0");
  // Old but not covered by a checkpoint: version 2 stays until one at 4.
  fs::last_write_time(log / "00000000000000000002.json", old);
  append(30);
  EXPECT_TRUE(fs::exists(log / "00000000000000000002.json"));
}

TEST(CheckpointInterval, DeltaIntervalsParse) {
  EXPECT_EQ(parse_interval_ms("interval 30 days").value(), 30LL * 86'400'000);
  EXPECT_EQ(parse_interval_ms("INTERVAL 1 WEEK").value(), 604'800'000);
  EXPECT_EQ(parse_interval_ms("168 hours").value(), 168LL * 3'600'000);
  EXPECT_FALSE(parse_interval_ms("forever").is_ok());
}

}  // namespace
}  // namespace loch::delta
