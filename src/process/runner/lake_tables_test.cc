#include "process/runner/lake_tables.h"

#include <gtest/gtest.h>

#include "store/sql/database.h"
#include "store/sql/lake_session_test_util.h"

namespace loch::runner {
namespace {

// A lake written through `loch sql`'s session, read by a pipeline's own
// in-memory DuckDB through LakeTables.
class LakeTablesTest : public sql::testing::LakeSessionTest {
 protected:
  LakeTablesTest() : LakeSessionTest("loch_lake_tables_test") {}

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(LakeSessionTest::SetUp());
    pipeline_db_ = std::move(sql::Database::open(":memory:")).value();
    connection_ = std::make_unique<sql::Connection>(std::move(pipeline_db_->connect()).value());
    ASSERT_TRUE(connection_->execute("CREATE TABLE batch AS SELECT * FROM (VALUES (1, 'o1'), (2, 'o2')) t(customer_id, order_id)")
                    .is_ok());
  }
  void TearDown() override {
    connection_.reset();
    pipeline_db_.reset();
    LakeSessionTest::TearDown();
  }

  void lake(const std::string& statement) {
    auto result = session_->run(statement);
    ASSERT_TRUE(result.is_ok()) << statement << ": " << result.status().to_string();
    while (true) {  // run it to its end
      auto chunk = result->next_chunk();
      ASSERT_TRUE(chunk.is_ok());
      if (!*chunk) break;
    }
  }

  // The (order_id, tier) rows of `sql` run on the pipeline's connection after LakeTables, as "o1|a o2|b".
  std::string rows(LakeTables& tables, const std::string& sql) {
    auto resolved = tables.resolve(sql, *connection_);
    EXPECT_TRUE(resolved.is_ok()) << resolved.status().to_string();
    if (!resolved.is_ok()) return "<error>";
    auto result = connection_->query("SELECT coalesce(string_agg(concat_ws('|', order_id, tier), ' ' ORDER BY order_id), '') FROM (" +
                                     *resolved + ")");
    EXPECT_TRUE(result.is_ok()) << *resolved << ": " << result.status().to_string();
    if (!result.is_ok()) return "<error>";
    auto chunk = result->next_chunk();
    if (!chunk.is_ok() || !*chunk || (*chunk)->size() == 0) return "<none>";
    return std::string((*chunk)->column(0).string_at(0));
  }

  std::unique_ptr<sql::Database> pipeline_db_;
  std::unique_ptr<sql::Connection> connection_;
};

TEST_F(LakeTablesTest, TheTransformReadsTheTablesNewestSnapshotEachTime) {
  lake("CREATE TABLE silver.customers AS SELECT * FROM (VALUES (1, 'gold'), (2, 'silver')) t(id, tier)");
  LakeTables tables(dir_ / "lake");
  const std::string join =
      "SELECT b.order_id, c.tier FROM batch b LEFT JOIN silver.customers c ON c.id = b.customer_id";
  EXPECT_EQ(rows(tables, join), "o1|gold o2|silver");
  lake("UPDATE silver.customers SET tier = 'platinum' WHERE id = 2");
  EXPECT_EQ(rows(tables, join), "o1|gold o2|platinum") << "a commit is seen by the next batch";
  lake("DELETE FROM silver.customers WHERE id = 1");
  EXPECT_EQ(rows(tables, join), "o1 o2|platinum");
}

TEST_F(LakeTablesTest, SqlNamingNoLakeTableIsLeftAsItIs) {
  LakeTables tables(dir_ / "lake");
  const std::string sql = "SELECT 'silver.customers' AS text, * FROM batch -- silver.customers";
  auto resolved = tables.resolve(sql, *connection_);
  ASSERT_TRUE(resolved.is_ok());
  EXPECT_EQ(*resolved, sql);
  // A table that does not exist yet is left to DuckDB, which names it.
  auto missing = tables.resolve("SELECT * FROM batch JOIN silver.nowhere USING (customer_id)", *connection_);
  ASSERT_TRUE(missing.is_ok());
  auto run = connection_->query(*missing);
  ASSERT_FALSE(run.is_ok());
  EXPECT_NE(run.status().message().find("nowhere"), std::string::npos) << run.status().message();
}

}  // namespace
}  // namespace loch::runner
