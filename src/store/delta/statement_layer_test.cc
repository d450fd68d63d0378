#include "store/delta/statement_layer.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "store/delta/sql_lexer.h"
#include "store/sql/database.h"

namespace loch::delta {
namespace {

namespace fs = std::filesystem;

class StatementLayer : public ::testing::Test {
 protected:
  void SetUp() override {
    auto database = sql::Database::open(":memory:");
    ASSERT_TRUE(database.is_ok());
    database_ = std::move(database).value();
    auto connection = database_->connect();
    ASSERT_TRUE(connection.is_ok());
    connection_ = std::make_unique<sql::Connection>(std::move(connection).value());
    lake_ = fs::temp_directory_path() / ("loch_statement_layer_test_" + std::to_string(::getpid()));
    fs::remove_all(lake_);
    fs::create_directories(lake_ / "bronze");
    const fs::path source = "/work/shared/testdata/delta/dat/basic_append/delta";
    if (fs::exists(source)) fs::copy(source, lake_ / "bronze" / "events", fs::copy_options::recursive);
  }
  void TearDown() override { fs::remove_all(lake_); }

  std::string rewrite(const std::string& sql) {
    auto rewritten = rewrite_delta_statement(sql, lake_, *connection_);
    EXPECT_TRUE(rewritten.is_ok()) << rewritten.status().to_string();
    return rewritten.is_ok() ? *rewritten : "";
  }
  int64_t count(const std::string& sql) {
    auto result = connection_->query(rewrite(sql));
    EXPECT_TRUE(result.is_ok()) << result.status().to_string();
    if (!result.is_ok()) return -1;
    auto chunk = result->next_chunk();
    return chunk.is_ok() && *chunk ? (**chunk).column(0).values<int64_t>()[0] : -1;
  }

  std::unique_ptr<sql::Database> database_;
  std::unique_ptr<sql::Connection> connection_;
  fs::path lake_;
};

TEST_F(StatementLayer, StatementsWithoutDeltaTablesAreUnchanged) {
  const std::string sql = "SELECT 'bronze.events', \"delta_scan\" FROM t -- bronze.events\n/* delta_scan('x') */";
  EXPECT_EQ(rewrite(sql), sql);
  // Tables outside the lake zones are DuckDB's own.
  EXPECT_EQ(rewrite("CREATE TABLE main.other (a INT)"), "CREATE TABLE main.other (a INT)");
  EXPECT_EQ(rewrite("INSERT INTO other VALUES (1)"), "INSERT INTO other VALUES (1)");
}

TEST_F(StatementLayer, ZoneTablesTimeTravelAndBareSubqueries) {
  if (!fs::exists(lake_ / "bronze" / "events")) GTEST_SKIP();
  EXPECT_EQ(count("SELECT count(*) FROM bronze.events"), 5);
  EXPECT_EQ(count("SELECT count(*) FROM bronze.events VERSION AS OF 0"), 3);
  EXPECT_EQ(count("SELECT count(*) FROM \"bronze\".\"events\" AS e WHERE e.letter IS NOT NULL"), 5);
  EXPECT_EQ(count("WITH x AS (SELECT * FROM bronze.events) SELECT count(*) FROM x"), 5);
  EXPECT_EQ(count("SELECT count(*) FROM (DESCRIBE bronze.events)"), 3);
  EXPECT_EQ(count("SELECT count(*) FROM (DESCRIBE HISTORY bronze.events LIMIT 1)"), 1);
}

TEST_F(StatementLayer, BadOptionsAreInvalidArguments) {
  auto result = rewrite_delta_statement("SELECT * FROM delta_scan('/x', versoin := 1)", lake_, *connection_);
  ASSERT_FALSE(result.is_ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  result = rewrite_delta_statement("SELECT * FROM delta_scan(42)", lake_, *connection_);
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
}

TEST(SqlLexer, StringsIdentifiersAndCommentsAreSingleTokens) {
  auto tokens = lex_sql("SELECT 'it''s', \"a \"\"b\"\"\" /* x */ FROM t -- y\n WHERE a >= 1");
  ASSERT_EQ(tokens.size(), 10u);
  EXPECT_EQ(tokens[1].text, "it's");
  EXPECT_EQ(tokens[3].text, "a \"b\"");
  EXPECT_TRUE(tokens[8].is_symbol(">="));
}

}  // namespace
}  // namespace loch::delta
