// RowChanges: how DELETE, UPDATE and MERGE change a Delta table, once the
// rows they touch are known (doc/delta-dml.md "How rows are changed").
//
// Each statement materializes a DuckDB temporary table of changes over the
// located scan of the table (table_scan.h build_located_scan_sql):
//
//   loch_file_index  BIGINT   the changed row's file (index into the scanned
//                             files), NULL for an inserted row
//   loch_row_number  BIGINT   its row index in that file, NULL when inserted
//   loch_action      VARCHAR  'D' delete, 'U' update, 'I' insert
//   <table columns>           the row's new values ('U' and 'I')
//
// apply_row_changes() then stages the actions into the transaction:
//   - copy-on-write (default): every file holding a changed row is rewritten
//     without its deleted/updated rows, new rows written beside, old files
//     removed;
//   - deletion vectors (delta.enableDeletionVectors = true): each touched
//     file gets a deletion vector (its old one merged in) through a remove of
//     the old logical file and an add of the same path with the new vector
//     (stats kept, tightBounds false); a file whose every row is deleted is
//     only removed; only the new rows are written.
// The files read are recorded for conflict detection.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "store/delta/snapshot.h"
#include "store/delta/transaction.h"

namespace loch::sql {
class Connection;
}

namespace loch::delta {

struct RowChangeCounts {
  int64_t deleted = 0;   // 'D' rows
  int64_t updated = 0;   // 'U' rows
  int64_t inserted = 0;  // 'I' rows
  int64_t copied = 0;    // unchanged rows rewritten (copy-on-write)
  int64_t files_removed = 0;
  int64_t files_added = 0;
  int64_t deletion_vectors_added = 0;
  int64_t deletion_vectors_removed = 0;
};

// True when the table's configuration asks for deletion vectors.
bool deletion_vectors_enabled(const Metadata& metadata);

// Stages the changes held in the temporary table `changes_table` (columns
// above) into `txn`. `files` are the files the located scan read, in the
// order its loch_file_index refers to.
Result<RowChangeCounts> apply_row_changes(Transaction& txn, sql::Connection& connection,
                                          const std::vector<const LiveFile*>& files,
                                          const std::string& changes_table);

// Builds the commitInfo metrics Delta writes (values as strings).
nlohmann::json change_metrics(const RowChangeCounts& counts);

}  // namespace loch::delta
