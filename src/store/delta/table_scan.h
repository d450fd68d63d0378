// TableScan: the rows of a snapshot as one DuckDB query.
//
// The query reads the live data files with read_parquet (Hive partition
// discovery off: partition values come from the log, not from paths;
// union_by_name only when the files' schemas differ, file_schemas.h), renames
// physical columns to their logical names (column mapping), casts each column
// to its Delta type (type widening, timestamps as instants), adds partition
// columns from the add actions, returns NULL for columns a file lacks, and
// drops the rows deletion vectors remove (anti-join on file_row_number).
// The SQL produced is described in doc/delta-sql.md.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "store/delta/snapshot.h"

namespace loch::sql {
class Connection;
}

namespace loch::delta {

struct ScanPlan {
  std::string sql;  // a SELECT producing the table's logical columns
  size_t files_total = 0;
  size_t files_read = 0;
  std::vector<std::string> skip_reasons;  // why files were skipped (see data_skipping.h)
};

// Builds the query for `files` (a subset of snapshot.files(), e.g. after
// pruning). Fails, naming the file and the version, when a data file or a
// deletion vector file is missing or unreadable.
Result<std::string> build_scan_sql(const Snapshot& snapshot, sql::Connection& connection,
                                   const std::vector<const LiveFile*>& files);

// The same query with two more columns locating each row for DML:
// loch_file_index (the row's file as an index into `files`) and
// loch_row_number (its 0-based position in that Parquet file, the index a
// deletion vector stores).
Result<std::string> build_located_scan_sql(const Snapshot& snapshot, sql::Connection& connection,
                                           const std::vector<const LiveFile*>& files);

// All live files of the snapshot.
std::vector<const LiveFile*> all_files(const Snapshot& snapshot);

// The SQL expression (typed) for a serialized partition value of `type`.
Result<std::string> partition_value_sql(const std::optional<std::string>& value, const DataType& type);

}  // namespace loch::delta
