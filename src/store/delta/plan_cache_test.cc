#include "store/delta/plan_cache.h"

#include <gtest/gtest.h>

#include "store/delta/statement_layer.h"
#include "store/sql/lake_session_test_util.h"
#include "store/sql/sql_session.h"

namespace loch::delta {
namespace {

TEST(PlanCache, KeepsOnlyQueriesThatReadNoOtherFiles) {
  EXPECT_TRUE(PlanCache::cacheable("SELECT count(*) FROM bronze.t WHERE name = 'x'"));
  EXPECT_TRUE(PlanCache::cacheable("with a AS (SELECT * FROM delta_scan('/lake/t')) SELECT * FROM a"));
  EXPECT_TRUE(PlanCache::cacheable("SELECT * FROM bronze.t WHERE name IN ('a') AND id > 2"));
  // Not queries, or more than one statement.
  EXPECT_FALSE(PlanCache::cacheable("INSERT INTO bronze.t SELECT 1"));
  EXPECT_FALSE(PlanCache::cacheable("EXPLAIN SELECT * FROM bronze.t"));
  EXPECT_FALSE(PlanCache::cacheable("SELECT 1; DROP TABLE x"));
  // Files DuckDB would bind once and not look at again.
  EXPECT_FALSE(PlanCache::cacheable("SELECT * FROM bronze.t JOIN read_csv('x.csv') c USING (id)"));
  EXPECT_FALSE(PlanCache::cacheable("SELECT * FROM 'x.parquet'"));
  EXPECT_FALSE(PlanCache::cacheable("SELECT * FROM bronze.t, 'x.json'"));
  EXPECT_FALSE(PlanCache::cacheable("SELECT * FROM bronze.t JOIN ('y.csv') USING (id)"));
  EXPECT_FALSE(PlanCache::cacheable("SELECT * FROM parquet_scan('p')"));
  EXPECT_FALSE(PlanCache::cacheable("SELECT * FROM glob('*')"));
}

class PlanCacheSession : public sql::testing::LakeSessionTest {
 protected:
  PlanCacheSession() : LakeSessionTest("loch_plan_cache_test") {}
  void run(const std::string& sql) {
    auto result = session_->run(sql);
    ASSERT_TRUE(result.is_ok()) << sql << ": " << result.status().to_string();
    while (true) {
      auto chunk = result->next_chunk();
      ASSERT_TRUE(chunk.is_ok());
      if (!*chunk) break;
    }
  }
  // The first value of a one-BIGINT query run through `plans`.
  int64_t count(PlanCache& plans, const std::string& sql) {
    auto rewritten = rewrite_delta_statement(sql, session_->lake_dir(), session_->connection());
    EXPECT_TRUE(rewritten.is_ok());
    auto result = plans.stream(session_->connection(), sql, *rewritten);
    EXPECT_TRUE(result.is_ok()) << result.status().to_string();
    auto chunk = result->next_chunk();
    EXPECT_TRUE(chunk.is_ok() && *chunk);
    return (*chunk)->column(0).values<int64_t>()[0];
  }
};

TEST_F(PlanCacheSession, ReusesAPlanOnlyWhileTheTableIsUnchanged) {
  run("CREATE TABLE bronze.t (id BIGINT, name STRING)");
  run("INSERT INTO bronze.t SELECT i, 'n' || i FROM range(10) r(i)");
  PlanCache plans;
  const std::string query = "SELECT count(*) FROM bronze.t WHERE id >= 5";
  EXPECT_EQ(count(plans, query), 5);
  EXPECT_EQ(count(plans, query), 5);
  EXPECT_EQ(plans.hits(), 1u);
  // A new commit adds a file: new text, new plan, new rows.
  run("INSERT INTO bronze.t SELECT i, 'm' FROM range(10, 13) r(i)");
  EXPECT_EQ(count(plans, query), 8);
  EXPECT_EQ(plans.hits(), 1u);
  // A deleted row (deletion vector or rewritten file) changes the text too.
  run("DELETE FROM bronze.t WHERE id = 7");
  EXPECT_EQ(count(plans, query), 7);
  EXPECT_EQ(count(plans, query), 7);
  EXPECT_EQ(plans.hits(), 2u);
  // A DuckDB table the query joins is read afresh at every run.
  run("CREATE TABLE wanted AS SELECT 5 AS id");
  const std::string joined = "SELECT count(*) FROM bronze.t JOIN wanted USING (id)";
  EXPECT_EQ(count(plans, joined), 1);
  run("INSERT INTO wanted VALUES (6), (7)");
  EXPECT_EQ(count(plans, joined), 2);
  // Statements that read no Delta table, or other files, are not kept.
  EXPECT_EQ(count(plans, "SELECT 3::BIGINT"), 3);
  EXPECT_EQ(plans.size(), 4u);
  // Through the session, as loch sql runs them.
  run("SELECT * FROM bronze.t");
  run("SELECT * FROM bronze.t");
}

// A kept plan must not keep the time zone it was prepared under: zoneless
// timestamp literals (and partition values) are read in the session's zone.
TEST_F(PlanCacheSession, AKeptPlanFollowsTheSessionTimeZone) {
  run("SET TimeZone = 'UTC'");
  run("CREATE TABLE bronze.t (ts TIMESTAMP)");
  run("INSERT INTO bronze.t SELECT TIMESTAMPTZ '2024-01-02 05:00:00+00'");
  PlanCache plans;
  const std::string query = "SELECT count(*) FROM bronze.t WHERE ts < '2024-01-02 03:00:00'";
  EXPECT_EQ(count(plans, query), 0);
  run("SET TimeZone = 'America/Los_Angeles'");
  EXPECT_EQ(count(plans, query), 1);
  run("SET TimeZone = 'UTC'");
  EXPECT_EQ(count(plans, query), 0);
}

TEST_F(PlanCacheSession, KeepsAtMostItsCapacity) {
  run("CREATE TABLE bronze.t (id BIGINT)");
  run("INSERT INTO bronze.t SELECT i FROM range(10) r(i)");
  PlanCache plans(2);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(count(plans, "SELECT count(*) FROM bronze.t WHERE id < " + std::to_string(i)), i);
  EXPECT_EQ(plans.size(), 2u);
  EXPECT_EQ(count(plans, "SELECT count(*) FROM bronze.t WHERE id < 3"), 3);
  EXPECT_EQ(plans.hits(), 1u);
  EXPECT_EQ(count(plans, "SELECT count(*) FROM bronze.t WHERE id < 0"), 0);
  EXPECT_EQ(plans.hits(), 1u);
}

}  // namespace
}  // namespace loch::delta
