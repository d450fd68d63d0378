#include "store/delta/dml_parser.h"

#include <gtest/gtest.h>

#include <unistd.h>

namespace loch::delta {
namespace {

namespace fs = std::filesystem;

// A lake with the Delta tables bronze.t and silver.src (only their
// _delta_log directories: the parser checks that a table exists).
class DmlParser : public ::testing::Test {
 protected:
  void SetUp() override {
    lake_ = fs::temp_directory_path() / ("loch_dml_parser_" + std::to_string(::getpid()));
    fs::remove_all(lake_);
    fs::create_directories(lake_ / "bronze" / "t" / "_delta_log");
    fs::create_directories(lake_ / "silver" / "src" / "_delta_log");
  }
  void TearDown() override { fs::remove_all(lake_); }

  template <typename T>
  T parse(const std::string& sql) {
    auto parsed = parse_dml_statement(sql, lake_);
    EXPECT_TRUE(parsed.is_ok()) << parsed.status().to_string();
    if (!parsed.is_ok() || !parsed->has_value()) {
      ADD_FAILURE() << "not parsed as a Delta statement: " << sql;
      return T{};
    }
    EXPECT_TRUE(std::holds_alternative<T>(**parsed)) << sql;
    return std::holds_alternative<T>(**parsed) ? std::get<T>(**parsed) : T{};
  }

  fs::path lake_;
};

TEST_F(DmlParser, DeleteKeepsItsConditionAsSqlText) {
  auto d = parse<DeleteStatement>("DELETE FROM bronze.t WHERE id > 3 AND name = 'a;b';");
  EXPECT_EQ(d.target.root, lake_ / "bronze" / "t");
  EXPECT_EQ(d.target.alias, "t");
  EXPECT_EQ(d.where, "id > 3 AND name = 'a;b'");
  auto all = parse<DeleteStatement>("delete from bronze.t x");
  EXPECT_EQ(all.target.alias, "x");
  EXPECT_FALSE(all.where.has_value());
}

TEST_F(DmlParser, StatementsOnDuckDbTablesAreLeftToDuckDb) {
  for (const char* sql : {"DELETE FROM plain WHERE a = 1", "UPDATE plain SET a = 1", "VACUUM", "VACUUM plain",
                          "SELECT 1", "DELETE FROM bronze.missing"}) {
    auto parsed = parse_dml_statement(sql, lake_);
    ASSERT_TRUE(parsed.is_ok()) << sql;
    EXPECT_FALSE(parsed->has_value()) << sql;
  }
}

TEST_F(DmlParser, UpdateSplitsAssignmentsOnlyAtTopLevelCommas) {
  auto u = parse<UpdateStatement>(
      "UPDATE bronze.t AS x SET x.a = coalesce(b, 1), \"c d\" = CASE WHEN e THEN 'x,y' ELSE f(1, 2) END WHERE id IN (1, 2)");
  EXPECT_EQ(u.target.alias, "x");
  ASSERT_EQ(u.assignments.size(), 2u);
  EXPECT_EQ(u.assignments[0].column, "a");
  EXPECT_EQ(u.assignments[0].expression, "coalesce(b, 1)");
  EXPECT_EQ(u.assignments[1].column, "c d");
  EXPECT_EQ(u.assignments[1].expression, "CASE WHEN e THEN 'x,y' ELSE f(1, 2) END");
  EXPECT_EQ(u.where, "id IN (1, 2)");
}

TEST_F(DmlParser, MergeReadsEveryClauseKindInOrder) {
  auto m = parse<MergeStatement>(
      "MERGE INTO bronze.t tgt USING silver.src s ON tgt.id = s.id "
      "WHEN MATCHED AND s.op = 'D' THEN DELETE "
      "WHEN MATCHED THEN UPDATE SET v = s.v, w = CASE WHEN s.w > 0 THEN s.w END "
      "WHEN NOT MATCHED AND s.op <> 'D' THEN INSERT (id, v) VALUES (s.id, s.v + 1) "
      "WHEN NOT MATCHED BY TARGET THEN INSERT * "
      "WHEN NOT MATCHED BY SOURCE AND tgt.v < 0 THEN DELETE "
      "WHEN NOT MATCHED BY SOURCE THEN UPDATE SET v = 0");
  EXPECT_EQ(m.target.alias, "tgt");
  EXPECT_EQ(m.source, "silver.src");
  EXPECT_EQ(m.source_alias, "s");
  EXPECT_EQ(m.on, "tgt.id = s.id");
  ASSERT_EQ(m.clauses.size(), 6u);
  EXPECT_EQ(m.clauses[0].match, MergeClause::Match::kMatched);
  EXPECT_EQ(m.clauses[0].action, MergeClause::Action::kDelete);
  EXPECT_EQ(m.clauses[0].condition, "s.op = 'D'");
  EXPECT_EQ(m.clauses[1].action, MergeClause::Action::kUpdate);
  ASSERT_EQ(m.clauses[1].assignments.size(), 2u);
  EXPECT_EQ(m.clauses[1].assignments[1].expression, "CASE WHEN s.w > 0 THEN s.w END");
  EXPECT_EQ(m.clauses[2].match, MergeClause::Match::kNotMatched);
  EXPECT_EQ(m.clauses[2].action, MergeClause::Action::kInsert);
  ASSERT_EQ(m.clauses[2].assignments.size(), 2u);
  EXPECT_EQ(m.clauses[2].assignments[1].column, "v");
  EXPECT_EQ(m.clauses[2].assignments[1].expression, "s.v + 1");
  EXPECT_EQ(m.clauses[3].action, MergeClause::Action::kInsertAll);
  EXPECT_EQ(m.clauses[4].match, MergeClause::Match::kNotMatchedBySource);
  EXPECT_EQ(m.clauses[4].condition, "tgt.v < 0");
  EXPECT_EQ(m.clauses[5].action, MergeClause::Action::kUpdate);
}

TEST_F(DmlParser, MergeSourceMayBeAQueryOrAPlainTable) {
  auto q = parse<MergeStatement>(
      "MERGE INTO bronze.t USING (SELECT * FROM x WHERE a ON b) AS u ON t.id = u.id WHEN MATCHED THEN UPDATE SET *");
  EXPECT_EQ(q.source, "(SELECT * FROM x WHERE a ON b)");
  EXPECT_EQ(q.source_alias, "u");
  EXPECT_EQ(q.clauses[0].action, MergeClause::Action::kUpdateAll);
  auto plain = parse<MergeStatement>("MERGE INTO bronze.t USING updates ON t.id = updates.id WHEN MATCHED THEN DELETE");
  EXPECT_EQ(plain.source, "updates");
  EXPECT_EQ(plain.source_alias, "updates");
}

TEST_F(DmlParser, RestoreOptimizeAndVacuum) {
  auto r = parse<RestoreStatement>("RESTORE TABLE bronze.t TO VERSION AS OF 3");
  EXPECT_EQ(r.version, 3);
  auto rt = parse<RestoreStatement>("RESTORE bronze.t TIMESTAMP AS OF '2024-01-02'");
  EXPECT_EQ(rt.timestamp, "2024-01-02");
  auto o = parse<OptimizeStatement>("OPTIMIZE bronze.t WHERE day = '2024-01-01' ZORDER BY (a, b)");
  EXPECT_EQ(o.where, "day = '2024-01-01'");
  EXPECT_EQ(o.zorder_by, (std::vector<std::string>{"a", "b"}));
  auto v = parse<VacuumStatement>("VACUUM bronze.t RETAIN 0 HOURS DRY RUN");
  EXPECT_EQ(v.retain_hours, 0.0);
  EXPECT_TRUE(v.dry_run);
  auto path = parse<VacuumStatement>("VACUUM '" + (lake_ / "bronze" / "t").string() + "'");
  EXPECT_EQ(path.target.root, lake_ / "bronze" / "t");
}

TEST_F(DmlParser, MalformedStatementsSayWhatWasExpectedWhere) {
  auto missing_set = parse_dml_statement("UPDATE bronze.t WHERE a = 1", lake_);
  ASSERT_FALSE(missing_set.is_ok());
  EXPECT_NE(missing_set.status().message().find("expected SET at 'WHERE'"), std::string::npos)
      << missing_set.status().message();
  auto bad_insert = parse_dml_statement(
      "MERGE INTO bronze.t USING s ON t.id = s.id WHEN NOT MATCHED THEN INSERT (a, b) VALUES (1)", lake_);
  ASSERT_FALSE(bad_insert.is_ok());
  EXPECT_NE(bad_insert.status().message().find("2 columns but gives 1 values"), std::string::npos);
  auto no_table = parse_dml_statement("OPTIMIZE bronze.nope", lake_);
  ASSERT_FALSE(no_table.is_ok());
  EXPECT_EQ(no_table.status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(parse_dml_statement("RESTORE bronze.t TO VERSION AS OF x", lake_).is_ok());
  EXPECT_FALSE(parse_dml_statement("VACUUM bronze.t RETAIN 5", lake_).is_ok());
  EXPECT_FALSE(parse_dml_statement("MERGE INTO bronze.t USING s ON a = b", lake_).is_ok());
}

}  // namespace
}  // namespace loch::delta
