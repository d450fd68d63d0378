// Test helper (header-only, test code only): reading one value back through
// a SQL session, as the sink tests check what landed in their tables.
#pragma once

#include <string>

#include <gtest/gtest.h>

#include "store/sql/sql_session.h"

namespace loch::sink::testing {

// The first column of the first row of `query` as text: "<null>" for NULL,
// "<none>" for no rows, and "<error>" (with a test failure) when it fails.
inline std::string first_text(sql::SqlSession& session, const std::string& query) {
  auto result = session.run(query);
  EXPECT_TRUE(result.is_ok()) << query << ": " << (result.is_ok() ? "" : result.status().to_string());
  if (!result.is_ok()) return "<error>";
  std::string value = "<none>";
  while (true) {
    auto chunk = result->next_chunk();
    if (!chunk.is_ok() || !*chunk) break;
    if ((*chunk)->size() > 0 && value == "<none>") {
      value = (*chunk)->column(0).is_valid(0) ? std::string((*chunk)->column(0).string_at(0)) : "<null>";
    }
  }
  return value;
}

}  // namespace loch::sink::testing
