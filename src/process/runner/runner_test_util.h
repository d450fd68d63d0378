// Test helper (header-only, test code only): the runner's tests over a
// private in-memory DuckDB, as a pipeline has one, reading values back as
// text.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "store/sql/database.h"

namespace loch::runner::testing {

// A fresh in-memory database and a connection to it (session time zone
// UTC, as the pipeline's own connection).
class InMemoryDuckDbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_ = std::move(sql::Database::open(":memory:")).value();
    connection_ = std::make_unique<sql::Connection>(std::move(database_->connect()).value());
    ASSERT_TRUE(connection_->execute("SET TimeZone = 'UTC'").is_ok());
  }

  // The first column of the first row of `sql`, as text: "NULL", "no rows",
  // or "error: ..." when it fails.
  std::string text_of(const std::string& sql) {
    auto result = connection_->query("SELECT CAST((" + sql + ") AS VARCHAR)");
    if (!result.is_ok()) return "error: " + result.status().to_string();
    auto chunk = std::move(result->next_chunk()).value();
    if (!chunk || chunk->size() == 0) return "no rows";
    return chunk->column(0).is_valid(0) ? std::string(chunk->column(0).string_at(0)) : "NULL";
  }

  std::unique_ptr<sql::Database> database_;
  std::unique_ptr<sql::Connection> connection_;
};

}  // namespace loch::runner::testing
