// DELETE / UPDATE / MERGE / OPTIMIZE / VACUUM / RESTORE through the SQL
// session, each checked against the same statement run by plain DuckDB on a
// copy of the data, and each table read back two ways: loch's reader, and
// read_parquet over the live files minus their deletion-vector rows.
#include "store/delta/dml_executor.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <fstream>

#include "store/delta/data_writer.h"
#include "store/delta/file_paths.h"
#include "store/delta/snapshot.h"
#include "store/delta/transaction.h"
#include "store/delta/writer_protocol.h"
#include "store/sql/sql_session.h"

namespace loch::delta {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Parameter: true for tables with delta.enableDeletionVectors.
class DmlTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("loch_dml_test_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    auto session = sql::SqlSession::open(dir_);
    ASSERT_TRUE(session.is_ok()) << session.status().to_string();
    session_ = std::move(session).value();
    root_ = session_->lake_dir() / "bronze" / "t";
  }
  void TearDown() override {
    session_.reset();
    fs::remove_all(dir_);
  }

  sql::Connection& connection() { return session_->connection(); }

  // Creates bronze.t (id BIGINT, name STRING, grp INT partition) and the
  // DuckDB table `expected`, both holding `rows` rows written in `files` appends.
  void create_table(int rows, int files, bool partitioned = false) {
    Metadata m;
    m.id = "5f0e3c39-1d6a-4b8c-9e4b-2b7c6d1e0f11";
    m.schema_string = R"({"type":"struct","fields":[{"name":"id","type":"long","nullable":true,"metadata":{}},)"
                      R"({"name":"name","type":"string","nullable":true,"metadata":{}},)"
                      R"({"name":"grp","type":"integer","nullable":true,"metadata":{}}]})";
    if (partitioned) m.partition_columns = {"grp"};
    if (GetParam()) m.configuration["delta.enableDeletionVectors"] = "true";
    m.configuration["delta.autoOptimize.autoCompact"] = "false";
    m.created_time = now_ms();
    Transaction create = Transaction::begin_create(root_, connection());
    create.set_metadata(m);
    create.set_protocol(required_protocol(m, std::nullopt).value());
    create.set_operation({"CREATE TABLE", {}, {}});
    ASSERT_TRUE(create.commit().is_ok());
    const int per_file = rows / files;
    for (int f = 0; f < files; ++f) {
      const int first = f * per_file;
      const int last = f == files - 1 ? rows : first + per_file;
      append("SELECT i AS id, 'n' || i AS name, (i % 3)::INT AS grp FROM range(" + std::to_string(first) + ", " +
             std::to_string(last) + ") r(i)");
    }
    exec("CREATE TABLE expected AS SELECT i AS id, 'n' || i AS name, (i % 3)::INT AS grp FROM range(" +
         std::to_string(rows) + ") r(i)");
  }

  void append(const std::string& query) {
    auto txn = Transaction::begin(root_, connection());
    ASSERT_TRUE(txn.is_ok());
    auto adds = write_data_files(connection(), root_, txn->metadata(), query);
    ASSERT_TRUE(adds.is_ok()) << adds.status().to_string();
    for (auto& add : *adds) txn->add_file(std::move(add));
    ASSERT_TRUE(txn->commit().is_ok());
  }

  void exec(const std::string& sql) {
    auto result = session_->run(sql);
    ASSERT_TRUE(result.is_ok()) << sql << ": " << result.status().to_string();
    while (true) {
      auto chunk = result->next_chunk();
      ASSERT_TRUE(chunk.is_ok());
      if (!*chunk) break;
    }
  }

  int64_t scalar(const std::string& sql) {
    auto result = session_->run(sql);
    EXPECT_TRUE(result.is_ok()) << sql << ": " << (result.is_ok() ? "" : result.status().to_string());
    if (!result.is_ok()) return -1;
    int64_t value = -1;
    while (true) {
      auto chunk = result->next_chunk();
      if (!chunk.is_ok() || !*chunk) break;
      if ((*chunk)->size() > 0 && value == -1) {
        auto& c = **chunk;
        value = c.column(0).is_valid(0) ? c.column(0).values<int64_t>()[0] : -2;
      }
    }
    return value;
  }

  // The statement's num_affected_rows (its first column).
  int64_t affected(const std::string& sql) { return scalar(sql); }

  // The live files read with plain read_parquet, minus deletion-vector rows.
  std::string independent_read() {
    auto snapshot = Snapshot::load(root_, connection());
    EXPECT_TRUE(snapshot.is_ok());
    std::string parts;
    for (const auto& file : snapshot->files()) {
      std::string grp = "NULL::INT";
      if (auto it = file.add.partition_values.find("grp"); it != file.add.partition_values.end() && it->second) {
        grp = *it->second + "::INT";
      }
      std::string columns = snapshot->metadata().partition_columns.empty() ? "id, name, grp" : "id, name, " + grp + " AS grp";
      std::string part = "SELECT " + columns + " FROM read_parquet(" + sql_string_literal(file.absolute_path.string()) +
                         ", file_row_number = true)";
      if (file.add.deletion_vector) {
        auto rows = load_deletion_vector(*file.add.deletion_vector, root_);
        EXPECT_TRUE(rows.is_ok());
        std::string list;
        for (uint64_t r : *rows) list += (list.empty() ? "" : ",") + std::to_string(r);
        if (!list.empty()) part += " WHERE file_row_number NOT IN (" + list + ")";
      }
      parts += (parts.empty() ? "" : " UNION ALL ") + part;
    }
    return parts.empty() ? "SELECT * FROM expected LIMIT 0" : parts;
  }

  // bronze.t equals `expected`, read by loch and by plain read_parquet.
  void expect_table_matches_duckdb() {
    for (const std::string& table : {std::string("bronze.t"), "(" + independent_read() + ")"}) {
      EXPECT_EQ(scalar("SELECT count(*) FROM (SELECT id, name, grp FROM " + table +
                       " EXCEPT ALL SELECT id, name, grp FROM expected)"),
                0)
          << table;
      EXPECT_EQ(scalar("SELECT count(*) FROM (SELECT id, name, grp FROM expected EXCEPT ALL SELECT id, name, grp FROM " +
                       table + ")"),
                0)
          << table;
    }
    EXPECT_EQ(scalar("SELECT count(*) FROM bronze.t"), scalar("SELECT count(*) FROM expected"));
  }

  std::string last_operation() {
    auto history = load_history(root_, 1);
    EXPECT_TRUE(history.is_ok());
    return history->empty() ? "" : (*history)[0].commit_info.value("operation", "");
  }
  json last_metrics() {
    auto history = load_history(root_, 1);
    return (*history)[0].commit_info.value("operationMetrics", json::object());
  }

  size_t live_files() { return Snapshot::load(root_, connection())->files().size(); }

  fs::path dir_;
  std::unique_ptr<sql::SqlSession> session_;
  fs::path root_;
};

TEST_P(DmlTest, DeleteRemovesTheSameRowsAsDuckDb) {
  create_table(1000, 4);
  EXPECT_EQ(affected("DELETE FROM bronze.t WHERE id % 7 = 0 OR name = 'n500'"), 143 + 1);
  exec("DELETE FROM expected WHERE id % 7 = 0 OR name = 'n500'");
  expect_table_matches_duckdb();
  EXPECT_EQ(last_operation(), "DELETE");
  EXPECT_EQ(last_metrics()["numDeletedRows"], "144");
  if (GetParam()) {
    EXPECT_EQ(last_metrics()["numDeletionVectorsAdded"], "4");
  }
  if (!GetParam()) {
    EXPECT_EQ(last_metrics()["numCopiedRows"], std::to_string(1000 - 144));
  }
  // A second delete merges with the vectors already there.
  EXPECT_EQ(affected("DELETE FROM bronze.t AS x WHERE x.id BETWEEN 10 AND 30"), 18);
  exec("DELETE FROM expected WHERE id BETWEEN 10 AND 30");
  expect_table_matches_duckdb();
  // Nothing matches: no commit.
  const int64_t version = Snapshot::load(root_, connection())->version().value();
  EXPECT_EQ(affected("DELETE FROM bronze.t WHERE id < 0"), 0);
  EXPECT_EQ(Snapshot::load(root_, connection())->version().value(), version);
  // Everything: files are removed, not given full vectors.
  EXPECT_EQ(affected("DELETE FROM bronze.t"), 1000 - 144 - 18);
  exec("DELETE FROM expected");
  expect_table_matches_duckdb();
  EXPECT_EQ(live_files(), 0u);
}

TEST_P(DmlTest, UpdateChangesTheSameRowsAsDuckDbOnAPartitionedTable) {
  create_table(600, 3, /*partitioned=*/true);
  EXPECT_EQ(affected("UPDATE bronze.t SET name = upper(name) || '!', grp = grp + 10 WHERE id < 100 OR id = 555"),
            101);
  exec("UPDATE expected SET name = upper(name) || '!', grp = grp + 10 WHERE id < 100 OR id = 555");
  expect_table_matches_duckdb();
  EXPECT_EQ(last_operation(), "UPDATE");
  EXPECT_EQ(last_metrics()["numUpdatedRows"], "101");
  EXPECT_EQ(scalar("SELECT count(*) FROM bronze.t WHERE grp >= 10"), 101);
  EXPECT_FALSE(session_->run("UPDATE bronze.t SET nope = 1").is_ok());
}

TEST_P(DmlTest, MergeAppliesClausesInOrderLikeDuckDb) {
  create_table(500, 5);
  exec("CREATE TABLE src AS SELECT i AS id, 'new' || i AS name, (i % 5)::INT AS grp FROM range(400, 700) r(i)");
  const std::string clauses =
      " WHEN MATCHED AND s.grp = 0 THEN DELETE"
      " WHEN MATCHED THEN UPDATE SET name = s.name, grp = s.grp"
      " WHEN NOT MATCHED AND s.id % 2 = 0 THEN INSERT (id, name, grp) VALUES (s.id, s.name || '+', s.grp)"
      " WHEN NOT MATCHED BY SOURCE AND t.id < 50 THEN DELETE"
      " WHEN NOT MATCHED BY SOURCE AND t.id < 100 THEN UPDATE SET name = 'old'";
  auto result = session_->run("MERGE INTO bronze.t USING src AS s ON t.id = s.id" + clauses);
  ASSERT_TRUE(result.is_ok()) << result.status().to_string();
  auto chunk = result->next_chunk();
  ASSERT_TRUE(chunk.is_ok() && *chunk);
  // 100 matched: 20 deleted, 80 updated; 100 even new ids inserted; 50 deleted, 50 updated by source.
  EXPECT_EQ((*chunk)->column(1).values<int64_t>()[0], 80 + 50);
  EXPECT_EQ((*chunk)->column(2).values<int64_t>()[0], 20 + 50);
  EXPECT_EQ((*chunk)->column(3).values<int64_t>()[0], 100);
  EXPECT_EQ((*chunk)->column(0).values<int64_t>()[0], 130 + 70 + 100);
  result = Status::internal("done");
  exec("MERGE INTO expected AS t USING src AS s ON t.id = s.id" + clauses);
  expect_table_matches_duckdb();
  EXPECT_EQ(last_operation(), "MERGE");
  EXPECT_EQ(last_metrics()["numTargetRowsInserted"], "100");
}

TEST_P(DmlTest, MergeSourceMayBeADeltaTableAndUpdateSetStarInsertStar) {
  create_table(100, 2);
  exec("CREATE TABLE src AS SELECT i AS id, 'x' || i AS name, 7 AS grp FROM range(90, 120) r(i)");
  exec("CREATE TABLE expected_src AS SELECT * FROM src");
  // Make the source a Delta table too: silver.src.
  Metadata m = Snapshot::load(root_, connection())->metadata();
  m.id = "6a1e3c39-1d6a-4b8c-9e4b-2b7c6d1e0f12";
  const fs::path source_root = session_->lake_dir() / "silver" / "src";
  Transaction create = Transaction::begin_create(source_root, connection());
  create.set_metadata(m);
  create.set_protocol(required_protocol(m, std::nullopt).value());
  auto adds = write_data_files(connection(), source_root, m, "SELECT * FROM src");
  ASSERT_TRUE(adds.is_ok());
  for (auto& add : *adds) create.add_file(std::move(add));
  ASSERT_TRUE(create.commit().is_ok());
  EXPECT_EQ(affected("MERGE INTO bronze.t USING silver.src ON t.id = src.id WHEN MATCHED THEN UPDATE SET * "
                     "WHEN NOT MATCHED THEN INSERT *"),
            30);
  exec("MERGE INTO expected USING expected_src AS src ON expected.id = src.id WHEN MATCHED THEN UPDATE SET name = src.name, "
       "grp = src.grp WHEN NOT MATCHED THEN INSERT (id, name, grp) VALUES (src.id, src.name, src.grp)");
  expect_table_matches_duckdb();
}

TEST_P(DmlTest, MergeEvaluatesItsSourceOnce) {
  create_table(400, 4);  // files of ids 0-99, 100-199, 200-299, 300-399
  // Each evaluation of the source draws new keys: 150, 250, 350 the first
  // time, 450, 550, 650 a second time. Evaluated once, the three keys both
  // choose the files to read and match their rows; a second evaluation for
  // the join would match nothing and insert three rows instead.
  exec("CREATE SEQUENCE merge_keys START 150 INCREMENT 100");
  const std::string source = "(SELECT nextval('merge_keys') AS id, 'once' AS name FROM range(3))";
  EXPECT_EQ(affected("MERGE INTO bronze.t USING " + source +
                     " AS s ON t.id = s.id WHEN MATCHED THEN UPDATE SET name = s.name "
                     "WHEN NOT MATCHED THEN INSERT (id, name, grp) VALUES (s.id, s.name, 9)"),
            3);
  EXPECT_EQ(scalar("SELECT currval('merge_keys')"), 350);
  exec("UPDATE expected SET name = 'once' WHERE id IN (150, 250, 350)");
  expect_table_matches_duckdb();
  EXPECT_EQ(last_metrics()["numTargetRowsUpdated"], "3");
  EXPECT_EQ(last_metrics()["numTargetRowsInserted"], "0");
  // The materialised source does not outlive the statement, failed or not.
  EXPECT_EQ(scalar("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'loch_merge_source'"), 0);
  EXPECT_FALSE(session_->run("MERGE INTO bronze.t USING (SELECT 1 AS id) s ON t.id = s.id "
                             "WHEN MATCHED THEN UPDATE SET nope = 1")
                   .is_ok());
  EXPECT_EQ(scalar("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'loch_merge_source'"), 0);
}

TEST_P(DmlTest, MergeRefusesToUpdateATargetRowMatchedTwice) {
  create_table(10, 1);
  exec("CREATE TABLE dup AS SELECT * FROM (VALUES (3, 'a'), (3, 'b')) v(id, name)");
  const int64_t version = Snapshot::load(root_, connection())->version().value();
  auto result = session_->run("MERGE INTO bronze.t USING dup d ON t.id = d.id WHEN MATCHED THEN UPDATE SET name = d.name");
  ASSERT_FALSE(result.is_ok());
  EXPECT_NE(result.status().message().find("more than one source row"), std::string::npos) << result.status().message();
  EXPECT_EQ(Snapshot::load(root_, connection())->version().value(), version);
  // Deleting it is unambiguous.
  EXPECT_EQ(affected("MERGE INTO bronze.t USING dup d ON t.id = d.id WHEN MATCHED THEN DELETE"), 1);
  exec("DELETE FROM expected WHERE id = 3");
  expect_table_matches_duckdb();
}

TEST_P(DmlTest, OptimizeCompactsSmallFilesWithoutChangingData) {
  create_table(200, 20, /*partitioned=*/true);
  EXPECT_EQ(live_files(), 60u);  // 20 appends x 3 partitions
  if (GetParam()) {
    exec("DELETE FROM bronze.t WHERE id % 10 = 1");
  }
  if (GetParam()) {
    exec("DELETE FROM expected WHERE id % 10 = 1");
  }
  exec("OPTIMIZE bronze.t WHERE grp = 1");
  EXPECT_EQ(live_files(), 40u + 1u);
  exec("OPTIMIZE bronze.t");
  EXPECT_EQ(live_files(), 3u);
  expect_table_matches_duckdb();
  EXPECT_EQ(last_operation(), "OPTIMIZE");
  auto snapshot = Snapshot::load(root_, connection());
  for (const auto& file : snapshot->files()) EXPECT_FALSE(file.add.data_change);
  for (const auto& file : snapshot->files()) EXPECT_FALSE(file.add.deletion_vector.has_value());
  // Nothing left to compact: no commit.
  const int64_t version = snapshot->version().value();
  exec("OPTIMIZE bronze.t");
  EXPECT_EQ(Snapshot::load(root_, connection())->version().value(), version);
  EXPECT_FALSE(session_->run("OPTIMIZE bronze.t WHERE id = 1").is_ok());
}

TEST_P(DmlTest, ZorderClustersRowsAndKeepsThem) {
  create_table(2000, 4);
  exec("OPTIMIZE bronze.t ZORDER BY (id, name)");
  expect_table_matches_duckdb();
  EXPECT_EQ(live_files(), 1u);
  json params = load_history(root_, 1).value()[0].commit_info["operationParameters"];
  EXPECT_EQ(params["zOrderBy"], "[\"id\",\"name\"]");
  EXPECT_FALSE(session_->run("OPTIMIZE bronze.t ZORDER BY (nope)").is_ok());
}

TEST_P(DmlTest, VacuumKeepsRetainedFilesAndDeletesOrphans) {
  create_table(100, 2);
  exec("DELETE FROM bronze.t WHERE id < 60");
  exec("DELETE FROM expected WHERE id < 60");
  // An orphan from a killed writer, two weeks old.
  const fs::path orphan = root_ / "part-00000-orphan.parquet";
  { std::ofstream(orphan) << "junk"; }
  const auto two_weeks_ago = fs::file_time_type::clock::now() - std::chrono::hours(24 * 14);
  fs::last_write_time(orphan, two_weeks_ago);
  auto refused = session_->run("VACUUM bronze.t RETAIN 0 HOURS");
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.status().message().find("168"), std::string::npos);
  // Default retention: only the old orphan goes.
  exec("VACUUM bronze.t DRY RUN");
  EXPECT_TRUE(fs::exists(orphan));
  exec("VACUUM bronze.t");
  EXPECT_FALSE(fs::exists(orphan));
  expect_table_matches_duckdb();
  // With the check off and no retention, the files of older versions go too.
  exec("SET loch.delta.retentionDurationCheck = false");
  exec("VACUUM bronze.t RETAIN 0 HOURS");
  expect_table_matches_duckdb();
  size_t parquet = 0;
  for (const auto& entry : fs::recursive_directory_iterator(root_)) {
    if (entry.path().extension() == ".parquet" && entry.path().string().find("_delta_log") == std::string::npos) ++parquet;
  }
  EXPECT_EQ(parquet, live_files());
  // Time travel to a vacuumed version now fails, naming the missing file.
  EXPECT_FALSE(session_->run("SELECT * FROM bronze.t VERSION AS OF 1").is_ok());
}

TEST_P(DmlTest, RestoreBringsBackAnEarlierVersion) {
  create_table(300, 3);
  exec("CREATE TABLE at_v2 AS SELECT * FROM bronze.t VERSION AS OF 2");
  exec("DELETE FROM bronze.t WHERE id > 10");
  exec("UPDATE bronze.t SET name = 'z'");
  exec("RESTORE TABLE bronze.t TO VERSION AS OF 2");
  EXPECT_EQ(last_operation(), "RESTORE");
  exec("DELETE FROM expected");
  exec("INSERT INTO expected SELECT * FROM at_v2");
  expect_table_matches_duckdb();
  EXPECT_FALSE(session_->run("RESTORE TABLE bronze.t TO VERSION AS OF 99").is_ok());
}

TEST_P(DmlTest, AutoCompactionFollowsADeleteWhenAPartitionHasManySmallFiles) {
  create_table(120, 12);
  // Turn auto-compaction back on, at 10 small files.
  {
    auto txn = Transaction::begin(root_, connection());
    ASSERT_TRUE(txn.is_ok());
    Metadata m = txn->metadata();
    m.configuration["delta.autoOptimize.autoCompact"] = "true";
    m.configuration["delta.autoOptimize.minNumFiles"] = "10";
    txn->set_metadata(m);
    txn->set_operation({"SET TBLPROPERTIES", {}, {}});
    ASSERT_TRUE(txn->commit().is_ok());
  }
  EXPECT_EQ(live_files(), 12u);
  EXPECT_EQ(affected("DELETE FROM bronze.t WHERE id = 5"), 1);
  exec("DELETE FROM expected WHERE id = 5");
  EXPECT_EQ(live_files(), 1u);
  EXPECT_EQ(last_operation(), "OPTIMIZE");
  EXPECT_EQ(load_history(root_, 1).value()[0].commit_info["operationParameters"]["auto"], "true");
  expect_table_matches_duckdb();
}

TEST_P(DmlTest, InsertsCompactOnlyWhenTheTableAsksForIt) {
  create_table(10, 1);
  for (int i = 0; i < 12; ++i) exec("INSERT INTO bronze.t VALUES (" + std::to_string(100 + i) + ", 'x', 1)");
  // autoCompact = false (create_table): one version an INSERT, 13 files.
  EXPECT_EQ(live_files(), 13u);
  EXPECT_EQ(last_operation(), "WRITE");
  exec("ALTER TABLE bronze.t SET TBLPROPERTIES ('delta.autoOptimize.autoCompact' = 'true', "
       "'delta.autoOptimize.minNumFiles' = '10')");
  exec("INSERT INTO bronze.t VALUES (200, 'y', 2)");
  EXPECT_EQ(live_files(), 1u);
  EXPECT_EQ(last_operation(), "OPTIMIZE");
  exec("INSERT INTO expected SELECT 100 + i, 'x', 1 FROM range(12) r(i)");
  exec("INSERT INTO expected VALUES (200, 'y', 2)");
  expect_table_matches_duckdb();
}

INSTANTIATE_TEST_SUITE_P(CopyOnWriteAndDeletionVectors, DmlTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? std::string("DeletionVectors") : std::string("CopyOnWrite");
                         });

}  // namespace
}  // namespace loch::delta
