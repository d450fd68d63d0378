#include "store/delta/merge_pruning.h"

#include <gtest/gtest.h>

#include "store/sql/lake_session_test_util.h"
#include "store/sql/sql_session.h"

namespace loch::delta {
namespace {

TEST(MergeKeyEqualities, PlainConjunctionsOnly) {
  EXPECT_EQ(key_equalities("t.id = s.id", "t", "s").size(), 1u);
  auto both = key_equalities("s.id = t.id AND (t.name = s.label) AND t.v > 3", "t", "s");
  ASSERT_EQ(both.size(), 2u);
  EXPECT_EQ(both[0].target_column, "id");
  EXPECT_EQ(both[0].source_column, "id");
  EXPECT_EQ(both[1].target_column, "name");
  EXPECT_EQ(both[1].source_column, "label");
  EXPECT_EQ(key_equalities("T.Id = S.Id", "t", "s").size(), 1u);
  EXPECT_EQ(key_equalities("t.\"my id\" = s.k", "t", "s")[0].target_column, "my id");
  // Not necessary conditions, or not a column of each side.
  EXPECT_TRUE(key_equalities("t.id = s.id OR t.x = s.x", "t", "s").empty());
  EXPECT_TRUE(key_equalities("t.id = s.id AND NOT t.deleted", "t", "s").empty());
  EXPECT_TRUE(key_equalities("t.id = s.id AND t.v BETWEEN 1 AND 2", "t", "s").empty());
  EXPECT_TRUE(key_equalities("t.id = s.id + 1", "t", "s").empty());
  EXPECT_TRUE(key_equalities("t.id = t.other", "t", "s").empty());
  EXPECT_TRUE(key_equalities("t.id = x.id", "t", "s").empty());
}

class MergePruning : public sql::testing::LakeSessionTest {
 protected:
  MergePruning() : LakeSessionTest("loch_merge_pruning_test") {}
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(LakeSessionTest::SetUp());
    run("CREATE TABLE bronze.t (id BIGINT, name STRING, day DATE) "
        "TBLPROPERTIES ('delta.autoOptimize.autoCompact' = 'false')");
    // Four files: ids 0-99, 100-199, 200-299, 300-399.
    for (int f = 0; f < 4; ++f) {
      run("INSERT INTO bronze.t SELECT i, 'n' || i, DATE '2024-01-01' + i::INT FROM range(" + std::to_string(f * 100) +
          ", " + std::to_string(f * 100 + 100) + ") r(i)");
    }
  }
  void run(const std::string& sql) {
    auto result = session_->run(sql);
    ASSERT_TRUE(result.is_ok()) << sql << ": " << result.status().to_string();
  }
  // How many of the four files a MERGE with this source, ON and clause reads.
  size_t files_read(const std::string& source_select, const std::string& on,
                    MergeClause::Match match = MergeClause::Match::kMatched) {
    auto snapshot = Snapshot::load(session_->lake_dir() / "bronze" / "t", session_->connection());
    EXPECT_TRUE(snapshot.is_ok());
    EXPECT_EQ(snapshot->files().size(), 4u);
    MergeStatement statement;
    statement.target.alias = "t";
    statement.source = "(" + source_select + ")";
    statement.source_alias = "s";
    statement.on = on;
    statement.clauses.push_back({match, MergeClause::Action::kDelete, std::nullopt, {}});
    auto files = merge_target_files(*snapshot, session_->connection(), statement, source_select);
    EXPECT_TRUE(files.is_ok()) << files.status().to_string();
    return files.is_ok() ? files->size() : 99;
  }
};

TEST_F(MergePruning, ReadsOnlyTheFilesTheSourceKeysCanMatch) {
  EXPECT_EQ(files_read("SELECT i AS id FROM range(150, 160) r(i)", "t.id = s.id"), 1u);
  EXPECT_EQ(files_read("SELECT i::INTEGER AS k FROM range(150, 260) r(i)", "s.k = t.id AND t.name <> 'x'"), 2u);
  EXPECT_EQ(files_read("SELECT DATE '2024-01-01' + 320 AS d", "t.day = s.d"), 1u);
  EXPECT_EQ(files_read("SELECT * FROM (VALUES (50), (350)) v(id)", "t.id = s.id"), 4u);
  // No source key, no matched target row.
  EXPECT_EQ(files_read("SELECT NULL::BIGINT AS id", "t.id = s.id"), 0u);
  EXPECT_EQ(files_read("SELECT i AS id FROM range(0) r(i)", "t.id = s.id"), 0u);
}

TEST_F(MergePruning, ReadsEverythingWhenPruningCouldChangeTheAnswer) {
  // NOT MATCHED BY SOURCE acts on the target rows no source row matches.
  EXPECT_EQ(files_read("SELECT 150 AS id", "t.id = s.id", MergeClause::Match::kNotMatchedBySource), 4u);
  // Keys compared after a cast ('150' as text orders differently from 150).
  EXPECT_EQ(files_read("SELECT '150' AS id", "t.id = s.id"), 4u);
  EXPECT_EQ(files_read("SELECT 150 AS id", "t.id = s.id OR t.name = 'n1'"), 4u);
  EXPECT_EQ(files_read("SELECT 150 AS id", "t.id + 0 = s.id"), 4u);
}

}  // namespace
}  // namespace loch::delta
