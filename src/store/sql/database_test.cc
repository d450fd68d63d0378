#include "store/sql/database.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace loch::sql {
namespace {

class DatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Database::open(":memory:");
    ASSERT_TRUE(db.is_ok()) << db.status().to_string();
    db_ = std::move(*db);
    auto conn = db_->connect();
    ASSERT_TRUE(conn.is_ok());
    conn_.emplace(std::move(*conn));
  }

  // Runs `sql` and returns the single BIGINT it yields.
  int64_t scalar(const std::string& sql) {
    auto result = conn_->query(sql);
    EXPECT_TRUE(result.is_ok()) << result.status().to_string();
    auto chunk = result->next_chunk();
    EXPECT_TRUE(chunk.is_ok() && chunk->has_value());
    return (*chunk)->column(0).values<int64_t>()[0];
  }

  std::unique_ptr<Database> db_;
  std::optional<Connection> conn_;
};

}  // namespace

TEST_F(DatabaseTest, ErrorsCarryDuckDbsMessage) {
  auto result = conn_->query("select * from nope");
  ASSERT_FALSE(result.is_ok());
  EXPECT_NE(result.status().message().find("Catalog Error"), std::string::npos) << result.status().message();
  EXPECT_NE(result.status().message().find("nope"), std::string::npos);
}

TEST_F(DatabaseTest, UnknownOptionIsRefusedAtOpen) {
  auto db = Database::open(":memory:", {{"no_such_option", "1"}});
  ASSERT_FALSE(db.is_ok());
  EXPECT_NE(db.status().message().find("no_such_option"), std::string::npos);
}

TEST_F(DatabaseTest, FileDatabasePersistsAcrossOpens) {
  auto path = std::filesystem::temp_directory_path() / ("loch-db-" + std::to_string(::getpid()) + ".duckdb");
  std::filesystem::remove(path);
  {
    auto db = Database::open(path.string());
    ASSERT_TRUE(db.is_ok());
    auto conn = (*db)->connect();
    ASSERT_TRUE(conn->execute("create table t as select 7::bigint as x").is_ok());
  }
  {
    auto db = Database::open(path.string());
    auto conn = (*db)->connect();
    auto result = conn->query("select x from t");
    ASSERT_TRUE(result.is_ok());
    auto chunk = result->next_chunk();
    EXPECT_EQ((*chunk)->column(0).values<int64_t>()[0], 7);
  }
  std::filesystem::remove(path);
}

TEST_F(DatabaseTest, QueryResultDescribesColumns) {
  auto result = conn_->query("select 1::integer as a, 'x' as b");
  ASSERT_TRUE(result.is_ok());
  EXPECT_TRUE(result->returns_rows());
  ASSERT_EQ(result->column_count(), 2u);
  EXPECT_EQ(result->column_name(0), "a");
  EXPECT_EQ(result->column_type(0).id(), DUCKDB_TYPE_INTEGER);
  EXPECT_EQ(result->column_type(1).to_sql(), "VARCHAR");
}

TEST_F(DatabaseTest, StreamingResultReadsEveryChunkInOrder) {
  auto result = conn_->stream("select i::bigint as i from range(10000) t(i)");
  ASSERT_TRUE(result.is_ok());
  int64_t expected = 0;
  size_t chunks = 0;
  for (;;) {
    auto chunk = result->next_chunk();
    ASSERT_TRUE(chunk.is_ok());
    if (!*chunk) break;
    ++chunks;
    const int64_t* values = (*chunk)->column(0).values<int64_t>();
    for (size_t r = 0; r < (*chunk)->size(); ++r) ASSERT_EQ(values[r], expected++);
  }
  EXPECT_EQ(expected, 10000);
  EXPECT_GT(chunks, 1u);
}

TEST_F(DatabaseTest, VectorViewReportsNullsAndStrings) {
  auto result = conn_->query("select * from (values ('a'), (null), ('a string longer than twelve bytes')) t(s)");
  auto chunk = result->next_chunk();
  VectorView column = (*chunk)->column(0);
  EXPECT_TRUE(column.is_valid(0));
  EXPECT_FALSE(column.is_valid(1));
  EXPECT_EQ(column.string_at(0), "a");
  EXPECT_EQ(column.string_at(2), "a string longer than twelve bytes");
}

TEST_F(DatabaseTest, DmlReportsRowsChanged) {
  ASSERT_TRUE(conn_->execute("create table t(x bigint)").is_ok());
  auto result = conn_->query("insert into t select * from range(5)");
  ASSERT_TRUE(result.is_ok());
  EXPECT_EQ(result->rows_changed(), 5);
}

TEST_F(DatabaseTest, PreparedStatementBindsEachParameterType) {
  auto stmt = conn_->prepare("select $1::bigint + 1, $2::double * 2, $3 || '!', $4 is null, $5::bigint");
  ASSERT_TRUE(stmt.is_ok()) << stmt.status().to_string();
  EXPECT_EQ(stmt->parameter_count(), 5u);
  ASSERT_TRUE(stmt->bind_int64(1, 41).is_ok());
  ASSERT_TRUE(stmt->bind_double(2, 1.25).is_ok());
  ASSERT_TRUE(stmt->bind_varchar(3, "hi").is_ok());
  ASSERT_TRUE(stmt->bind_null(4).is_ok());
  ASSERT_TRUE(stmt->bind(5, Value::int64(9)).is_ok());
  auto result = stmt->execute();
  ASSERT_TRUE(result.is_ok()) << result.status().to_string();
  auto chunk = result->next_chunk();
  EXPECT_EQ((*chunk)->column(0).values<int64_t>()[0], 42);
  EXPECT_DOUBLE_EQ((*chunk)->column(1).values<double>()[0], 2.5);
  EXPECT_EQ((*chunk)->column(2).string_at(0), "hi!");
  EXPECT_TRUE((*chunk)->column(3).values<bool>()[0]);
  EXPECT_EQ((*chunk)->column(4).values<int64_t>()[0], 9);
}

TEST_F(DatabaseTest, PreparedStatementRunsAgainWithNewParameters) {
  auto stmt = conn_->prepare("select $1::bigint * 10");
  ASSERT_TRUE(stmt.is_ok());
  for (int64_t i = 1; i <= 3; ++i) {
    ASSERT_TRUE(stmt->bind_int64(1, i).is_ok());
    auto result = stmt->execute();
    auto chunk = result->next_chunk();
    EXPECT_EQ((*chunk)->column(0).values<int64_t>()[0], i * 10);
  }
}

TEST_F(DatabaseTest, PrepareErrorCarriesDuckDbsMessage) {
  auto stmt = conn_->prepare("selec 1");
  ASSERT_FALSE(stmt.is_ok());
  EXPECT_NE(stmt.status().message().find("syntax error"), std::string::npos) << stmt.status().message();
}

TEST_F(DatabaseTest, BindingOutOfRangeParameterIsAnError) {
  auto stmt = conn_->prepare("select $1::bigint");
  ASSERT_TRUE(stmt.is_ok());
  EXPECT_FALSE(stmt->bind_int64(2, 1).is_ok());
}

TEST_F(DatabaseTest, AppenderLoadsRowsOfEveryAppendKind) {
  ASSERT_TRUE(conn_->execute("create table t(a bigint, b integer, c double, d boolean, e varchar, f varchar)").is_ok());
  {
    auto appender = conn_->appender("", "t");
    ASSERT_TRUE(appender.is_ok()) << appender.status().to_string();
    for (int i = 0; i < 1000; ++i) {
      ASSERT_TRUE(appender->append_int64(i).is_ok());
      ASSERT_TRUE(appender->append_int32(-i).is_ok());
      ASSERT_TRUE(appender->append_double(i / 2.0).is_ok());
      ASSERT_TRUE(appender->append_bool(i % 2 == 0).is_ok());
      ASSERT_TRUE(appender->append_varchar("row " + std::to_string(i)).is_ok());
      ASSERT_TRUE(i % 3 == 0 ? appender->append_null().is_ok() : appender->append(Value::varchar("v")).is_ok());
      ASSERT_TRUE(appender->end_row().is_ok());
    }
    ASSERT_TRUE(appender->close().is_ok());
  }
  EXPECT_EQ(scalar("select count(*) from t"), 1000);
  EXPECT_EQ(scalar("select sum(a) + sum(b) from t"), 0);
  EXPECT_EQ(scalar("select count(*) from t where f is null"), 334);
  EXPECT_EQ(scalar("select count(*) from t where e = 'row 999' and d = false"), 1);
}

TEST_F(DatabaseTest, AppenderRefusesAWrongRowShape) {
  ASSERT_TRUE(conn_->execute("create table t(a bigint, b bigint)").is_ok());
  auto appender = conn_->appender("", "t");
  ASSERT_TRUE(appender->append_int64(1).is_ok());
  EXPECT_FALSE(appender->end_row().is_ok());  // one value for two columns
}

TEST_F(DatabaseTest, AppenderForMissingTableIsAnError) {
  auto appender = conn_->appender("", "missing");
  EXPECT_FALSE(appender.is_ok());
}

TEST_F(DatabaseTest, AppenderTakesWholeChunks) {
  ASSERT_TRUE(conn_->execute("create table t(x bigint)").is_ok());
  auto source = conn_->query("select i::bigint from range(100) t(i)");
  auto chunk = source->next_chunk();
  auto appender = conn_->appender("", "t");
  ASSERT_TRUE(appender->append_chunk(**chunk).is_ok());
  ASSERT_TRUE(appender->close().is_ok());
  EXPECT_EQ(scalar("select sum(x) from t"), 4950);
}

TEST(Value, ReportsItsContentAndText) {
  EXPECT_TRUE(Value::null().is_null());
  EXPECT_EQ(Value::int64(42).as_int64(), 42);
  EXPECT_DOUBLE_EQ(Value::float64(0.5).as_double(), 0.5);
  EXPECT_EQ(Value::varchar("hello").to_string(), "'hello'");
  EXPECT_EQ(Value::boolean(true).to_string(), "true");
  Value moved = Value::int32(3);
  Value target = std::move(moved);
  EXPECT_EQ(target.as_int64(), 3);
}

}  // namespace loch::sql
