// The Delta statement layer of `loch sql`: rewrites the lake's own syntax
// into plain DuckDB SQL before DuckDB parses a statement.
//
//   delta_scan('path' [, version := N] [, timestamp := '...'])  anywhere a
//       table may appear: a subquery over the snapshot's files.
//   bronze.t / silver.t / gold.t   a Delta table under <data-dir>/lake/<zone>/t
//       (only when that directory holds a _delta_log; otherwise the name is
//       left to DuckDB), optionally followed by VERSION AS OF n or
//       TIMESTAMP AS OF '...'.
//   DESCRIBE HISTORY t, DESCRIBE DETAIL t   (t: a zone table or 'path').
//   EXPLAIN ...   when the statement reads a Delta table, a row per table
//       saying how many files were read and skipped, and why.
//
// The rewrite works on tokens (sql_lexer.h), so strings, quoted identifiers
// and comments are never misread. Filters are pushed into the snapshot's
// file list when they compare a column with a literal (data_skipping.h).
#pragma once

#include <filesystem>
#include <string>

#include "common/result.h"

namespace loch::sql {
class Connection;
}

namespace loch::delta {

class SnapshotCache;

// The statement DuckDB should run in place of `statement` (the same text
// when it names no Delta table). With a cache, snapshots of unchanged
// tables are reused between statements (snapshot_cache.h).
Result<std::string> rewrite_delta_statement(const std::string& statement, const std::filesystem::path& lake_dir,
                                            sql::Connection& connection, SnapshotCache* cache = nullptr);

}  // namespace loch::delta
