// Running DELETE, UPDATE and MERGE on a Delta table (doc/delta-dml.md).
//
// Each statement reads the table's latest snapshot through a Transaction,
// finds the rows it changes with one DuckDB query over the located scan
// (file and row number of every row) of the files its WHERE clause, or for
// MERGE its source's keys (merge_pruning.h), may match, then stages the changes with
// apply_row_changes (row_changes.h): copy-on-write, or deletion vectors when
// the table enables them. One commit per statement; none when no row
// changes. MERGE follows Spark: clauses are tried in the order written
// within their kind (MATCHED, NOT MATCHED, NOT MATCHED BY SOURCE), the
// first whose condition holds applies, and a target row matched by two
// source rows that an UPDATE would change is an error.
#pragma once

#include <filesystem>
#include <optional>

#include "common/result.h"
#include "store/delta/dml_parser.h"
#include "store/delta/row_changes.h"

namespace loch::sql {
class Connection;
}

namespace loch::delta {

struct DmlOutcome {
  RowChangeCounts counts;
  std::optional<int64_t> version;  // the version committed; none when nothing changed
};

Result<DmlOutcome> execute_delete(const DeleteStatement& statement, sql::Connection& connection);
Result<DmlOutcome> execute_update(const UpdateStatement& statement, sql::Connection& connection);
// `lake_dir` resolves zone tables the MERGE source names.
Result<DmlOutcome> execute_merge(const MergeStatement& statement, sql::Connection& connection,
                                 const std::filesystem::path& lake_dir);

}  // namespace loch::delta
