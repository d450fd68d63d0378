#include "store/delta/table_check.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "store/delta/data_writer.h"
#include "store/delta/transaction.h"
#include "store/delta/writer_protocol.h"
#include "store/sql/database.h"

namespace loch::delta {
namespace {

namespace fs = std::filesystem;

class TableCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_ = std::move(sql::Database::open(":memory:")).value();
    connection_ = std::make_unique<sql::Connection>(std::move(database_->connect()).value());
    root_ = fs::temp_directory_path() / ("loch_table_check_test_" + std::to_string(::getpid()));
    fs::remove_all(root_);
    Metadata m;
    m.id = "8a7b6c5d-4e3f-4a1b-9c8d-7e6f5a4b3c2d";
    m.schema_string = R"({"type":"struct","fields":[{"name":"id","type":"long","nullable":true,"metadata":{}},)"
                      R"({"name":"p","type":"string","nullable":true,"metadata":{}}]})";
    m.partition_columns = {"p"};
    Transaction create = Transaction::begin_create(root_, *connection_);
    create.set_metadata(m);
    create.set_protocol(required_protocol(m, std::nullopt).value());
    ASSERT_TRUE(create.commit().is_ok());
    for (int i = 0; i < 3; ++i) {
      auto txn = Transaction::begin(root_, *connection_);
      auto adds = write_data_files(*connection_, root_, txn->metadata(),
                                   "SELECT " + std::to_string(i) + "::BIGINT AS id, 'x' AS p");
      ASSERT_TRUE(adds.is_ok());
      for (auto& add : *adds) txn->add_file(std::move(add));
      ASSERT_TRUE(txn->commit().is_ok());
    }
  }
  void TearDown() override { fs::remove_all(root_); }

  std::vector<std::string> problems() {
    std::vector<std::string> out;
    for (const auto& problem : check_table(root_, *connection_).problems) out.push_back(problem.to_string());
    return out;
  }
  static bool any_contains(const std::vector<std::string>& lines, const std::string& text) {
    return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) { return l.find(text) != std::string::npos; });
  }
  fs::path commit(int version) { return root_ / "_delta_log" / commit_file_name(TableVersion(version)); }

  std::unique_ptr<sql::Database> database_;
  std::unique_ptr<sql::Connection> connection_;
  fs::path root_;
};

TEST_F(TableCheckTest, AHealthyTableHasNoProblems) {
  auto report = check_table(root_, *connection_);
  EXPECT_TRUE(report.problems.empty()) << report.problems.front().to_string();
  EXPECT_EQ(report.latest_version, 3);
  EXPECT_EQ(report.live_files, 3u);
}

TEST_F(TableCheckTest, AMissingCommitIsAGapNamingTheFileAndVersion) {
  fs::remove(commit(2));
  auto lines = problems();
  EXPECT_TRUE(any_contains(lines, "_delta_log/00000000000000000002.json (version 2): missing: versions jump from 1 to 3"))
      << (lines.empty() ? "" : lines[0]);
}

TEST_F(TableCheckTest, BadJsonIsReportedWithItsLine) {
  std::ofstream(commit(3), std::ios::app) << "{not json\n";
  auto lines = problems();
  EXPECT_TRUE(any_contains(lines, "_delta_log/00000000000000000003.json (version 3): line 3 is not a JSON object"))
      << (lines.empty() ? "" : lines[0]);
}

TEST_F(TableCheckTest, AMissingOrTruncatedDataFileIsReported) {
  std::string first, second;
  for (const auto& entry : fs::recursive_directory_iterator(root_)) {
    if (entry.path().extension() != ".parquet") continue;
    (first.empty() ? first : second) = entry.path().string();
  }
  fs::remove(first);
  fs::resize_file(second, 10);
  auto lines = problems();
  EXPECT_TRUE(any_contains(lines, "data file is missing")) << (lines.empty() ? "" : lines[0]);
  EXPECT_TRUE(any_contains(lines, "data file has 10 bytes"));
}

TEST_F(TableCheckTest, AProtocolThatDoesNotNameAFeatureInUseIsReported) {
  auto txn = Transaction::begin(root_, *connection_);
  Metadata m = txn->metadata();
  m.configuration["delta.enableDeletionVectors"] = "true";
  txn->set_metadata(m);  // deliberately without the protocol upgrade
  ASSERT_TRUE(txn->commit().is_ok());
  auto lines = problems();
  EXPECT_TRUE(any_contains(lines, "(version 4): protocol: deletion vectors are enabled")) << (lines.empty() ? "" : lines[0]);
}

TEST_F(TableCheckTest, PartitionValuesMustNameThePartitionColumns) {
  std::ofstream(commit(4)) << R"({"commitInfo":{"operation":"WRITE","timestamp":1}})" << "\n"
                           << R"({"add":{"path":"x.parquet","partitionValues":{},"size":1,"modificationTime":1,"dataChange":true}})"
                           << "\n";
  auto lines = problems();
  EXPECT_TRUE(any_contains(lines, "(version 4): line 2: add x.parquet: partitionValues do not name exactly"))
      << (lines.empty() ? "" : lines[0]);
  EXPECT_TRUE(any_contains(lines, "x.parquet (version 4): data file is missing"));
}

}  // namespace
}  // namespace loch::delta
