// Runs the statements that create and write Delta tables
// (write_statement_parser.h) and returns the SQL DuckDB should run in their
// place: the rows Spark/Databricks users expect (num_affected_rows,
// num_inserted_rows for INSERT and CTAS) or a statement without rows.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "common/result.h"

namespace loch::sql {
class Connection;
}

namespace loch::delta {

class SnapshotCache;

struct WriteContext {
  std::filesystem::path lake_dir;
  sql::Connection& connection;
  SnapshotCache* cache;  // may be null
};

// nullopt when `statement` is not a write statement of the lake.
Result<std::optional<std::string>> run_write_statement(const std::string& statement, const WriteContext& context);

}  // namespace loch::delta
