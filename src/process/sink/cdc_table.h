// CdcTable: the Delta table side of a CDC sink call (cdc_sink.h): the read
// snapshot, created on the first batch, the batch's txn marks checked and
// committed with the row changes.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "process/sink/cdc_batch.h"
#include "process/sink/cdc_sink.h"
#include "store/delta/row_changes.h"
#include "store/delta/transaction.h"

namespace loch::sink {

struct CdcTable {
  delta::Transaction txn;
  std::vector<const delta::LiveFile*> files;  // what `located_scan` reads
  // The table's rows with loch_file_index and loch_row_number (table_scan.h);
  // an empty relation of the table's columns when this batch creates it.
  std::string located_scan;
  std::vector<CdcColumn> columns;  // the table's columns (DuckDB types)
};

// Opens the table at its latest version, or stages its creation with
// `columns_to_create` (DuckDB types) when it does not exist. nullopt when
// every mark of `txns` (at least one) is already in the table: the batch was
// applied before.
Result<std::optional<CdcTable>> open_cdc_table(sql::Connection& connection, const std::filesystem::path& table_root,
                                               const std::vector<CdcTxnMark>& txns,
                                               const std::vector<CdcColumn>& columns_to_create);

// Fails naming the column when the batch stores a column the table lacks.
Status check_batch_columns(const CdcTable& table, const CdcBatch& batch, const std::filesystem::path& table_root);

// Applies the row changes in temporary table `changes_table` (row_changes.h
// layout) and commits them with the txn marks as one version; commits the
// marks alone when nothing changed, nothing when there are neither.
Result<std::optional<int64_t>> commit_cdc_changes(CdcTable& table, sql::Connection& connection,
                                                  const std::string& changes_table,
                                                  const std::vector<CdcTxnMark>& txns, const std::string& mode,
                                                  const std::vector<std::string>& keys,
                                                  delta::RowChangeCounts* counts);

// `name` as a column of `columns` (case-insensitively), or nullptr.
const CdcColumn* find_column(const std::vector<CdcColumn>& columns, const std::string& name);

}  // namespace loch::sink
