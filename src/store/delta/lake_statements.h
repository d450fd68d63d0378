// The hook of the statement layer for the statements that change or
// maintain Delta tables (dml_parser.h): DELETE, UPDATE, MERGE, RESTORE,
// OPTIMIZE, VACUUM, and the settings they read.
//
// Such a statement runs here, before DuckDB sees anything, and is replaced
// by a small SELECT of its outcome, so every SQL front end (loch sql, the
// shell, pgwire) prints what Spark prints: num_affected_rows, and for MERGE
// num_updated_rows, num_deleted_rows, num_inserted_rows as well.
//
// Settings: `SET loch.delta.retentionDurationCheck = false` (or Spark's
// spark.databricks.delta.retentionDurationCheck.enabled) becomes a DuckDB
// variable of the session, which VACUUM reads.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "common/result.h"

namespace loch::sql {
class Connection;
}

namespace loch::delta {

// The SQL to run in place of `statement` after it was executed here, or
// nullopt when it is not one of these statements.
Result<std::optional<std::string>> run_lake_statement(const std::string& statement,
                                                      const std::filesystem::path& lake_dir,
                                                      sql::Connection& connection);

}  // namespace loch::delta
