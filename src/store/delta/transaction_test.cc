#include "store/delta/transaction.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <atomic>
#include <fstream>
#include <set>
#include <thread>

#include "store/delta/commit_file.h"
#include "store/delta/data_writer.h"
#include "store/delta/writer_protocol.h"
#include "store/sql/database.h"

namespace loch::delta {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class TransactionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto database = sql::Database::open(":memory:");
    ASSERT_TRUE(database.is_ok());
    database_ = std::move(database).value();
    connection_ = std::make_unique<sql::Connection>(std::move(database_->connect()).value());
    root_ = fs::temp_directory_path() / ("loch_transaction_test_" + std::to_string(::getpid()));
    fs::remove_all(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  Metadata metadata(std::vector<std::string> partitions = {}) {
    Metadata m;
    m.id = "0b9b5f2e-4a35-4c55-9d5e-0d6e1f2a3b4c";
    m.schema_string = R"({"type":"struct","fields":[{"name":"id","type":"long","nullable":true,"metadata":{}},)"
                      R"({"name":"name","type":"string","nullable":true,"metadata":{}},)"
                      R"({"name":"day","type":"date","nullable":true,"metadata":{}}]})";
    m.partition_columns = std::move(partitions);
    m.created_time = now_ms();
    return m;
  }

  void create(std::vector<std::string> partitions = {}) {
    Transaction txn = Transaction::begin_create(root_, *connection_);
    txn.set_metadata(metadata(partitions));
    txn.set_protocol(required_protocol(txn.metadata(), std::nullopt).value());
    txn.set_operation({"CREATE TABLE", {}, {}});
    auto result = txn.commit();
    ASSERT_TRUE(result.is_ok()) << result.status().to_string();
    ASSERT_EQ(result->version.value(), 0);
  }

  // Stages an append of `rows` rows starting at id `first`.
  void stage_append(Transaction& txn, int first, int rows) {
    auto adds = write_data_files(*connection_, root_, txn.metadata(),
                                 "SELECT i AS id, 'n' || i AS name, DATE '2024-01-01' + (i % 3)::INT AS day FROM range(" +
                                     std::to_string(first) + ", " + std::to_string(first + rows) + ") r(i)");
    ASSERT_TRUE(adds.is_ok()) << adds.status().to_string();
    for (auto& add : *adds) txn.add_file(std::move(add));
  }

  int64_t count_rows(const Snapshot& snapshot) {
    int64_t total = 0;
    for (const auto& file : snapshot.files()) total += json::parse(*file.add.stats)["numRecords"].get<int64_t>();
    return total;
  }

  std::unique_ptr<sql::Database> database_;
  std::unique_ptr<sql::Connection> connection_;
  fs::path root_;
};

TEST_F(TransactionTest, CreateThenAppendWritesVersionsZeroAndOneWithStats) {
  create();
  auto txn = Transaction::begin(root_, *connection_);
  ASSERT_TRUE(txn.is_ok()) << txn.status().to_string();
  EXPECT_EQ(txn->read_version(), 0);
  stage_append(*txn, 0, 100);
  auto result = txn->commit();
  ASSERT_TRUE(result.is_ok()) << result.status().to_string();
  EXPECT_EQ(result->version.value(), 1);

  auto snapshot = Snapshot::load(root_, *connection_);
  ASSERT_TRUE(snapshot.is_ok()) << snapshot.status().to_string();
  EXPECT_EQ(snapshot->protocol().min_reader_version, 1);
  EXPECT_EQ(snapshot->protocol().min_writer_version, 2);
  ASSERT_EQ(snapshot->files().size(), 1u);
  json stats = json::parse(*snapshot->files()[0].add.stats);
  EXPECT_EQ(stats["numRecords"], 100);
  EXPECT_EQ(stats["minValues"]["id"], 0);
  EXPECT_EQ(stats["maxValues"]["id"], 99);
  EXPECT_EQ(stats["minValues"]["day"], "2024-01-01");
  EXPECT_EQ(stats["nullCount"]["name"], 0);

  // The commit starts with commitInfo naming the operation and read version.
  std::ifstream in(root_ / "_delta_log" / "00000000000000000001.json");
  std::string first_line;
  std::getline(in, first_line);
  json info = json::parse(first_line)["commitInfo"];
  EXPECT_EQ(info["operation"], "WRITE");
  EXPECT_EQ(info["readVersion"], 0);
  EXPECT_EQ(info["isBlindAppend"], true);
}

TEST_F(TransactionTest, PartitionedWriteRecordsPartitionValuesAndLeavesThemOutOfTheFiles) {
  create({"day"});
  auto txn = Transaction::begin(root_, *connection_);
  ASSERT_TRUE(txn.is_ok());
  stage_append(*txn, 0, 30);
  ASSERT_TRUE(txn->commit().is_ok());
  auto snapshot = Snapshot::load(root_, *connection_);
  ASSERT_TRUE(snapshot.is_ok());
  ASSERT_EQ(snapshot->files().size(), 3u);
  std::set<std::string> days;
  for (const auto& file : snapshot->files()) days.insert(*file.add.partition_values.at("day"));
  EXPECT_EQ(days, (std::set<std::string>{"2024-01-01", "2024-01-02", "2024-01-03"}));
  EXPECT_EQ(count_rows(*snapshot), 30);
}

TEST_F(TransactionTest, FilesAreCutAtTheTargetFileSize) {
  Metadata m = metadata();
  m.configuration["delta.targetFileSize"] = "1mb";
  auto adds = write_data_files(*connection_, root_, m,
                               "SELECT i AS id, md5(i::VARCHAR) || md5((i + 1)::VARCHAR) AS name, "
                               "DATE '2024-01-01' AS day FROM range(300000) r(i)");
  ASSERT_TRUE(adds.is_ok()) << adds.status().to_string();
  EXPECT_GT(adds->size(), 3u);
  int64_t rows = 0;
  for (const auto& add : *adds) {
    rows += json::parse(*add.stats)["numRecords"].get<int64_t>();
    EXPECT_LT(add.size, 4 * 1024 * 1024) << add.path;  // DuckDB cuts after the row group that passes the size
  }
  EXPECT_EQ(rows, 300000);
}

TEST_F(TransactionTest, DictionarySizeLimitWritesColumnsOfManyValuesPlain) {
  // `name` has 500 distinct values, `day` three, each repeated.
  const std::string rows =
      "SELECT i AS id, 'n' || (i % 500) AS name, DATE '2024-01-01' + (i % 3)::INT AS day FROM range(50000) r(i)";
  auto encodings = [&](const FileAction& add, const std::string& column) {
    auto result = connection_->query("SELECT encodings FROM parquet_metadata('" + (root_ / add.path).string() +
                                     "') WHERE path_in_schema = '" + column + "'");
    EXPECT_TRUE(result.is_ok());
    auto chunk = std::move(result->next_chunk()).value();
    return chunk && chunk->size() > 0 ? std::string(chunk->column(0).string_at(0)) : std::string("?");
  };
  auto by_default = write_data_files(*connection_, root_, metadata(), rows);
  ASSERT_TRUE(by_default.is_ok()) << by_default.status().to_string();
  EXPECT_EQ(encodings(by_default->front(), "name"), "PLAIN_DICTIONARY");
  DataWriteOptions options;
  options.dictionary_size_limit = 100;
  auto limited = write_data_files(*connection_, root_, metadata(), rows, options);
  ASSERT_TRUE(limited.is_ok()) << limited.status().to_string();
  EXPECT_EQ(encodings(limited->front(), "name"), "PLAIN") << "500 values, past the limit of 100";
  EXPECT_EQ(encodings(limited->front(), "day"), "PLAIN_DICTIONARY") << "3 values keep their dictionary";
}

TEST_F(TransactionTest, PutIfAbsentRefusesAVersionThatExists) {
  fs::create_directories(root_ / "_delta_log");
  const fs::path path = root_ / "_delta_log" / "00000000000000000000.json";
  ASSERT_TRUE(put_if_absent(path, "first\n").is_ok());
  Status second = put_if_absent(path, "second\n");
  EXPECT_EQ(second.code(), StatusCode::kAlreadyExists);
  std::ifstream in(path);
  std::string text;
  std::getline(in, text);
  EXPECT_EQ(text, "first");
  // No temporary file is left behind either way.
  size_t entries = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(root_ / "_delta_log")) ++entries;
  EXPECT_EQ(entries, 1u);
}

TEST_F(TransactionTest, CreatingATableThatExistsFails) {
  create();
  Transaction txn = Transaction::begin_create(root_, *connection_);
  txn.set_metadata(metadata());
  txn.set_protocol({1, 2, std::nullopt, std::nullopt});
  auto result = txn.commit();
  EXPECT_EQ(result.status().code(), StatusCode::kAlreadyExists);
}

TEST_F(TransactionTest, ConcurrentBlindAppendsBothCommitAfterARetry) {
  create();
  auto a = Transaction::begin(root_, *connection_);
  auto b = Transaction::begin(root_, *connection_);
  ASSERT_TRUE(a.is_ok() && b.is_ok());
  stage_append(*a, 0, 10);
  stage_append(*b, 10, 10);
  auto first = a->commit();
  auto second = b->commit();
  ASSERT_TRUE(first.is_ok() && second.is_ok()) << second.status().to_string();
  EXPECT_EQ(first->version.value(), 1);
  EXPECT_EQ(second->version.value(), 2);
  EXPECT_EQ(second->attempts, 2);
  auto snapshot = Snapshot::load(root_, *connection_);
  ASSERT_TRUE(snapshot.is_ok());
  EXPECT_EQ(count_rows(*snapshot), 20);
}

TEST_F(TransactionTest, RemovingAFileAnotherCommitRemovedConflictsNamingTheWinner) {
  create();
  {
    auto txn = Transaction::begin(root_, *connection_);
    stage_append(*txn, 0, 10);
    ASSERT_TRUE(txn->commit().is_ok());
  }
  auto a = Transaction::begin(root_, *connection_);
  auto b = Transaction::begin(root_, *connection_);
  const LiveFile& file = a->read_snapshot()->files().at(0);
  a->record_read_files({&file});
  a->remove_file(remove_for(file.add));
  a->set_operation({"DELETE", {{"predicate", "[\"true\"]"}}, {}});
  b->record_read_files({&b->read_snapshot()->files().at(0)});
  b->remove_file(remove_for(b->read_snapshot()->files().at(0).add));
  ASSERT_TRUE(a->commit().is_ok());
  auto lost = b->commit();
  ASSERT_EQ(lost.status().code(), StatusCode::kConflict);
  EXPECT_NE(lost.status().message().find("version 2 (DELETE)"), std::string::npos) << lost.status().message();
}

TEST_F(TransactionTest, AReadPredicateConflictsWithANonBlindAddButNotWithABlindAppend) {
  create();
  auto reader = Transaction::begin(root_, *connection_);
  reader->record_read_predicate("id > 5");
  reader->set_operation({"DELETE", {}, {}});
  auto appender = Transaction::begin(root_, *connection_);
  stage_append(*appender, 0, 5);
  ASSERT_TRUE(appender->commit().is_ok());
  // The blind append commutes: the reader commits after it.
  auto committed = reader->commit();
  ASSERT_TRUE(committed.is_ok()) << committed.status().to_string();
  EXPECT_EQ(committed->version.value(), 2);

  auto second_reader = Transaction::begin(root_, *connection_);
  second_reader->record_read_predicate("id > 5");
  auto rewriter = Transaction::begin(root_, *connection_);
  rewriter->record_read_predicate("true");
  stage_append(*rewriter, 100, 5);
  ASSERT_TRUE(rewriter->commit().is_ok());
  auto lost = second_reader->commit();
  EXPECT_EQ(lost.status().code(), StatusCode::kConflict);
}

TEST_F(TransactionTest, TheSameAppIdCommittedConcurrentlyConflictsAndIsVisibleToTheNextWriter) {
  create();
  auto a = Transaction::begin(root_, *connection_);
  auto b = Transaction::begin(root_, *connection_);
  a->set_transaction_id("pipeline/0", 7);
  b->set_transaction_id("pipeline/0", 7);
  stage_append(*a, 0, 1);
  stage_append(*b, 0, 1);
  ASSERT_TRUE(a->commit().is_ok());
  EXPECT_EQ(b->commit().status().code(), StatusCode::kConflict);
  auto snapshot = Snapshot::load(root_, *connection_);
  ASSERT_TRUE(snapshot.is_ok());
  EXPECT_EQ(snapshot->transactions().at("pipeline/0").version, 7);
}

TEST_F(TransactionTest, AMetadataChangeByAWinnerConflicts) {
  create();
  auto a = Transaction::begin(root_, *connection_);
  auto b = Transaction::begin(root_, *connection_);
  Metadata changed = a->metadata();
  changed.configuration["delta.appendOnly"] = "true";
  a->set_metadata(changed);
  stage_append(*b, 0, 1);
  ASSERT_TRUE(a->commit().is_ok());
  auto lost = b->commit();
  EXPECT_EQ(lost.status().code(), StatusCode::kConflict);
  EXPECT_NE(lost.status().message().find("metadata"), std::string::npos);
}

TEST_F(TransactionTest, ThreadsAppendingConcurrentlyGetOneVersionEachAndKeepEveryRow) {
  create();
  constexpr int kThreads = 4;
  constexpr int kAppends = 15;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  std::atomic<int> retries{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto connection = database_->connect();
      if (!connection.is_ok()) {
        ++failures;
        return;
      }
      for (int i = 0; i < kAppends; ++i) {
        auto txn = Transaction::begin(root_, *connection);
        if (!txn.is_ok()) {
          ++failures;
          continue;
        }
        const int id = t * 1000 + i;
        auto adds = write_data_files(*connection, root_, txn->metadata(),
                                     "SELECT " + std::to_string(id) + "::BIGINT AS id, 'x' AS name, DATE '2024-01-01' AS day");
        if (!adds.is_ok()) {
          ++failures;
          continue;
        }
        for (auto& add : *adds) txn->add_file(std::move(add));
        auto result = txn->commit();
        if (!result.is_ok()) ++failures;
        if (result.is_ok()) retries += result->attempts - 1;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  auto snapshot = Snapshot::load(root_, *connection_);
  ASSERT_TRUE(snapshot.is_ok()) << snapshot.status().to_string();
  EXPECT_EQ(snapshot->version().value(), kThreads * kAppends);
  EXPECT_EQ(count_rows(*snapshot), kThreads * kAppends);
}

TEST_F(TransactionTest, DomainMetadataNeedsItsWriterFeature) {
  create();
  auto txn = Transaction::begin(root_, *connection_);
  txn->set_domain_metadata({"loch.test", "{}", false});
  EXPECT_EQ(txn->commit().status().code(), StatusCode::kInvalidArgument);

  auto upgraded = Transaction::begin(root_, *connection_);
  upgraded->set_protocol({1, 7, std::nullopt, std::vector<std::string>{"appendOnly", "invariants", "domainMetadata"}});
  upgraded->set_domain_metadata({"loch.test", R"({"a":1})", false});
  ASSERT_TRUE(upgraded->commit().is_ok());
  auto snapshot = Snapshot::load(root_, *connection_);
  ASSERT_TRUE(snapshot.is_ok());
  EXPECT_EQ(snapshot->domains().at("loch.test").configuration, R"({"a":1})");
}

TEST(WriterProtocol, DeletionVectorsNeedReaderAndWriterFeatures) {
  Metadata m;
  m.schema_string = R"({"type":"struct","fields":[{"name":"id","type":"long","nullable":true,"metadata":{}}]})";
  m.configuration["delta.enableDeletionVectors"] = "true";
  auto protocol = required_protocol(m, std::nullopt);
  ASSERT_TRUE(protocol.is_ok());
  EXPECT_EQ(protocol->min_reader_version, 3);
  EXPECT_EQ(protocol->min_writer_version, 7);
  EXPECT_EQ(*protocol->reader_features, std::vector<std::string>{"deletionVectors"});
  EXPECT_TRUE(has_writer_feature(*protocol, "deletionVectors"));
  EXPECT_TRUE(has_writer_feature(*protocol, "invariants"));
}

TEST(WriterProtocol, CheckConstraintsNeedWriterThree) {
  Metadata m;
  m.schema_string = R"({"type":"struct","fields":[]})";
  m.configuration["delta.constraints.positive"] = "id > 0";
  auto protocol = required_protocol(m, Protocol{1, 2, std::nullopt, std::nullopt});
  ASSERT_TRUE(protocol.is_ok());
  EXPECT_EQ(protocol->min_writer_version, 3);
}

TEST(WriterProtocol, UnknownWriterFeaturesAreRefused) {
  Metadata m;
  m.schema_string = R"({"type":"struct","fields":[]})";
  Protocol p{3, 7, std::vector<std::string>{}, std::vector<std::string>{"rowTracking"}};
  Status status = check_writer_protocol(p, m);
  EXPECT_EQ(status.code(), StatusCode::kNotSupported);
  EXPECT_NE(status.message().find("rowTracking"), std::string::npos);
}

}  // namespace
}  // namespace loch::delta
