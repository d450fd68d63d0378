#include "store/delta/data_skipping.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "store/delta/file_paths.h"
#include "store/delta/statement_layer.h"
#include "store/delta/table_scan.h"
#include "store/sql/database.h"

namespace loch::delta {
namespace {

namespace fs = std::filesystem;

std::vector<ColumnPredicate> predicates_of(const std::string& sql, const std::string& alias = "t") {
  auto tokens = lex_sql(sql);
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i].is_word("FROM")) return predicates_for_reference(tokens, i + 1, i + 1, alias);
  }
  return {};
}

TEST(DataSkipping, ConjunctsOfSimpleComparisonsAreFound) {
  auto predicates = predicates_of("SELECT * FROM t WHERE a = 1 AND 'x' < b AND t.c IS NOT NULL ORDER BY a");
  ASSERT_EQ(predicates.size(), 3u);
  EXPECT_EQ(predicates[0].column, "a");
  EXPECT_EQ(predicates[1].column, "b");
  EXPECT_EQ(predicates[1].op, ColumnPredicate::Op::kGt);  // 'x' < b is b > 'x'
  EXPECT_EQ(predicates[2].op, ColumnPredicate::Op::kIsNotNull);
}

TEST(DataSkipping, BetweenIsTwoBoundsAndInIsASetOfEqualities) {
  auto predicates = predicates_of("SELECT * FROM t WHERE a BETWEEN 1 AND 5 AND b IN ('x', 'y') AND c = 2");
  ASSERT_EQ(predicates.size(), 4u);
  EXPECT_EQ(predicates[0].op, ColumnPredicate::Op::kGe);
  EXPECT_EQ(predicates[1].op, ColumnPredicate::Op::kLe);
  EXPECT_EQ(predicates[1].literal, "5");
  EXPECT_EQ(predicates[2].any_of, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(predicates[3].column, "c");
}

TEST(DataSkipping, DisjunctionsJoinsAndOtherTablesDisableSkipping) {
  EXPECT_TRUE(predicates_of("SELECT * FROM t WHERE a = 1 OR b = 2").empty());
  EXPECT_TRUE(predicates_of("SELECT * FROM t JOIN u ON t.a = u.a WHERE a = 1").empty());
  EXPECT_TRUE(predicates_of("SELECT * FROM t, u WHERE a = 1").empty());
  EXPECT_TRUE(predicates_of("SELECT * FROM t WHERE a NOT BETWEEN 1 AND 2").empty());
  EXPECT_TRUE(predicates_of("SELECT * FROM t WHERE a NOT IN (1, 2)").empty());
  EXPECT_TRUE(predicates_of("SELECT * FROM t WHERE other.a = 1").empty());
}

// Skipping must never change an answer: on real tables, for every column
// and values taken from the data, COUNT(*) with a WHERE clause (files
// skipped) equals the count filtered after reading every file.
TEST(DataSkipping, SkippingNeverChangesCountsOnRealTables) {
  const fs::path data = "/work/shared/testdata/delta";
  if (!fs::exists(data)) GTEST_SKIP() << "no shared Delta test data";
  auto database = sql::Database::open(":memory:", {{"threads", "2"}});
  ASSERT_TRUE(database.is_ok());
  auto connection = (*database)->connect();
  ASSERT_TRUE(connection.is_ok());
  ASSERT_TRUE(connection->execute("SET TimeZone = 'UTC'").is_ok());
  const std::vector<std::string> tables = {
      "dat/basic_partitioned",  "dat/multi_partitioned", "dat/with_checkpoint", "dat/stats_as_struct",
      "dat/no_stats",           "dat/all_primitive_types",
      "delta-kernel-rs-golden/data-skipping-basic-stats-all-types",
      "delta-kernel-rs-golden/data-skipping-basic-stats-all-types-checkpoint",
      "delta-kernel-rs-golden/data-skipping-basic-stats-all-types-columnmapping-name",
      "delta-kernel-rs-golden/data-skipping-partition-and-data-column",
      "delta-kernel-rs-golden/data-reader-partition-values",
      "delta-kernel-rs-golden/dv-partitioned-with-checkpoint",
      "delta-rs/delta-0.8.0-partitioned"};
  int checked = 0, skipped_somewhere = 0;
  for (const auto& table : tables) {
    const fs::path root = data / table / "delta";
    auto snapshot = Snapshot::load(root, *connection);
    ASSERT_TRUE(snapshot.is_ok()) << table << ": " << snapshot.status().to_string();
    const std::string scan = "delta_scan(" + sql_string_literal(root.string()) + ")";
    for (const auto& field : snapshot->schema().fields) {
      if (field.type.kind != DataType::Kind::kPrimitive) continue;
      const std::string& p = field.type.primitive;
      const bool is_timestamp = p == "timestamp" || p == "timestamp_ntz";
      const bool quoted = p == "string" || p == "date" || is_timestamp;
      if (!quoted && p != "long" && p != "integer" && p != "short" && p != "byte" && p != "double" &&
          !p.starts_with("decimal")) {
        continue;
      }
      auto values = connection->query("SELECT DISTINCT CAST(" + sql_identifier(field.name) + " AS VARCHAR) FROM (" +
                                       *rewrite_delta_statement("SELECT * FROM " + scan, "/", *connection) +
                                       ") WHERE " + sql_identifier(field.name) + " IS NOT NULL ORDER BY 1 LIMIT 3");
      ASSERT_TRUE(values.is_ok()) << values.status().to_string();
      std::vector<std::string> literals;
      while (auto chunk = values->next_chunk()) {
        if (!*chunk) break;
        for (size_t r = 0; r < (*chunk)->size(); ++r) {
          std::string v((*chunk)->column(0).string_at(r));
          literals.push_back(quoted ? sql_string_literal(v) : v);
          // Timestamps also as TIMESTAMP literals, and instants without their
          // zone (read in the session's zone, UTC here).
          if (is_timestamp) literals.push_back("TIMESTAMP " + sql_string_literal(v.substr(0, 19)));
        }
      }
      std::vector<std::string> conditions = {" IS NULL", " IS NOT NULL"};
      for (const auto& literal : literals) {
        for (const char* op : {" = ", " <> ", " < ", " <= ", " > ", " >= "}) conditions.push_back(op + literal);
      }
      if (!literals.empty()) {
        conditions.push_back(" BETWEEN " + literals.front() + " AND " + literals.back());
        std::string in = " IN (";
        for (size_t k = 0; k < literals.size(); ++k) in += (k ? ", " : "") + literals[k];
        conditions.push_back(in + ")");
        conditions.push_back(" IN (" + literals.back() + ")");
      }
      for (const auto& condition : conditions) {
        const std::string where = sql_identifier(field.name) + condition;
        auto pruned_sql = rewrite_delta_statement("SELECT count(*) FROM " + scan + " WHERE " + where, "/", *connection);
        ASSERT_TRUE(pruned_sql.is_ok()) << pruned_sql.status().to_string();
        auto full_sql = rewrite_delta_statement("SELECT count(*) FROM (SELECT * FROM " + scan + ") WHERE " + where, "/",
                                                *connection);
        auto pruned = connection->query(*pruned_sql);
        auto full = connection->query(*full_sql);
        ASSERT_TRUE(pruned.is_ok()) << table << " " << where << ": " << pruned.status().to_string();
        ASSERT_TRUE(full.is_ok()) << full.status().to_string();
        auto a = pruned->next_chunk();
        auto b = full->next_chunk();
        ASSERT_TRUE(a.is_ok() && *a && b.is_ok() && *b);
        EXPECT_EQ((**a).column(0).values<int64_t>()[0], (**b).column(0).values<int64_t>()[0]) << table << " WHERE " << where;
        ++checked;
        auto explained = rewrite_delta_statement("EXPLAIN SELECT * FROM " + scan + " WHERE " + where, "/", *connection);
        if (explained.is_ok() && explained->find(" 0 skipped") == std::string::npos) ++skipped_somewhere;
      }
    }
  }
  EXPECT_GT(checked, 300);
  EXPECT_GT(skipped_somewhere, 50) << "skipping should prune files for many of these predicates";
}

// Spark writes timestamp statistics in its session's zone, truncated to
// milliseconds ("2000-01-01T00:00:00.000-08:00"); files whose range a
// filter excludes are skipped, and never one that holds a matching row.
TEST(DataSkipping, TimestampStatisticsSkipFiles) {
  const fs::path root = "/work/shared/testdata/delta/delta-kernel-rs-golden/data-skipping-basic-stats-all-types/delta";
  if (!fs::exists(root)) GTEST_SKIP() << "no shared Delta test data";
  auto database = sql::Database::open(":memory:", {{"threads", "2"}});
  ASSERT_TRUE(database.is_ok());
  auto connection = (*database)->connect();
  ASSERT_TRUE(connection.is_ok());
  auto snapshot = Snapshot::load(root, *connection);
  ASSERT_TRUE(snapshot.is_ok()) << snapshot.status().to_string();
  const size_t files = snapshot->files().size();
  auto kept = [&](const std::string& where) {
    return skip_files(*snapshot, predicates_of("SELECT * FROM t WHERE " + where)).files.size();
  };
  // The table's one row has as_timestamp = 2000-01-01 08:00:00 UTC.
  EXPECT_EQ(kept("as_timestamp > TIMESTAMPTZ '2000-01-01 08:00:00.001+00'"), 0u);
  EXPECT_EQ(kept("as_timestamp >= '2000-01-01T08:00:00.001Z'"), 0u);
  EXPECT_EQ(kept("as_timestamp < '2000-01-01 07:59:59Z'"), 0u);
  EXPECT_EQ(kept("as_timestamp = '2000-01-01 08:00:00Z'"), files);
  EXPECT_EQ(kept("as_timestamp <= '2000-01-01 08:00:00Z'"), files);
  // Within a millisecond of the truncated bound nothing is certain.
  EXPECT_EQ(kept("as_timestamp > '2000-01-01 08:00:00Z'"), files);
  EXPECT_EQ(kept("as_timestamp > '2000-01-01 07:59:59.9995Z'"), files);
  // Without a zone, the literal could be in any time zone: only a day away is certain.
  EXPECT_EQ(kept("as_timestamp > TIMESTAMP '2000-01-01 08:00:00'"), files);
  EXPECT_EQ(kept("as_timestamp > TIMESTAMP '2000-01-02 08:00:00'"), 0u);
  EXPECT_EQ(kept("as_timestamp < '1999-12-31 08:00:00'"), 0u);
}

}  // namespace
}  // namespace loch::delta
