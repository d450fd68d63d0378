// apply_scd2 (cdc_sink.h): the batch's changes added to a history table,
// one row per version with valid_from, valid_to (NULL while current) and
// is_current.
#include "process/sink/cdc_batch.h"
#include "process/sink/cdc_sink.h"
#include "process/sink/cdc_table.h"
#include "store/delta/file_paths.h"
#include "store/sql/database.h"

namespace loch::sink {

namespace {
using delta::sql_identifier;
constexpr const char* kApplicable = "loch_cdc_applicable";
constexpr const char* kRowChanges = "loch_cdc_row_changes";
constexpr const char* kValidFrom = "valid_from";
constexpr const char* kValidTo = "valid_to";
constexpr const char* kIsCurrent = "is_current";
}  // namespace

Result<CdcOutcome> apply_scd2(sql::Connection& connection, const std::filesystem::path& table_root,
                              const std::vector<std::string>& keys, const std::string& batch_relation,
                              const std::vector<CdcTxnMark>& txns) {
  CdcTempTables temp_tables(connection);
  const std::string what = "SCD2 history of " + table_root.string();
  auto loaded = load_cdc_batch(connection, keys, batch_relation);
  if (!loaded.is_ok()) return loaded.status().with_context(what);
  const CdcBatch& batch = *loaded;
  CdcOutcome outcome;
  outcome.changes = batch.rows;
  std::vector<CdcColumn> history_columns = batch.stored;
  history_columns.push_back({kValidFrom, "TIMESTAMPTZ"});
  history_columns.push_back({kValidTo, "TIMESTAMPTZ"});
  history_columns.push_back({kIsCurrent, "BOOLEAN"});
  auto opened = open_cdc_table(connection, table_root, txns, history_columns);
  if (!opened.is_ok()) return opened.status().with_context(what);
  if (!*opened) {
    outcome.skipped = true;
    return outcome;
  }
  CdcTable& table = **opened;
  LOCH_RETURN_IF_ERROR(check_batch_columns(table, batch, table_root));
  for (const char* column : {kValidFrom, kValidTo, kIsCurrent, "_lsn"}) {
    if (!find_column(table.columns, column)) {
      return Status::invalid_argument(what + ": the table has no column '" + column +
                                      "' (an SCD2 table has valid_from, valid_to, is_current and _lsn)");
    }
  }

  std::string partition, change_partition, on_history, on_table;
  for (const auto& key : batch.keys) {
    const std::string column = sql_identifier(key.name);
    partition += (partition.empty() ? "" : ", ") + column;
    change_partition += (change_partition.empty() ? "" : ", ") + std::string("loch_c.") + column;
    on_history += (on_history.empty() ? "" : " AND ") + std::string("loch_h.") + column + " = loch_c." + column;
    on_table += (on_table.empty() ? "" : " AND ") + std::string("loch_t.") + column + " = loch_a." + column;
  }
  // The changes newer than every version the table holds of their key (a
  // replayed change is not applied twice), numbered again per key, each with
  // the time of the key's next change (when its version stops being valid).
  const std::string history = "SELECT " + partition + ", max(\"_lsn\") AS loch_max_lsn FROM (" +
                              table.located_scan + ") AS loch_scan GROUP BY " + partition;
  const std::string applicable =
      std::string("CREATE OR REPLACE TEMP TABLE ") + kApplicable +
      " AS SELECT loch_c.*, row_number() OVER loch_key AS loch_n, lead(loch_c.loch_time) OVER loch_key AS "
      "loch_next_time, lead(loch_c.loch_seq) OVER loch_key IS NULL AS loch_is_last FROM " + kCdcChangesTable +
      " AS loch_c LEFT JOIN (" + history + ") AS loch_h ON " + on_history +
      " WHERE loch_c.\"_lsn\" IS NULL OR loch_h.loch_max_lsn IS NULL OR loch_c.\"_lsn\" > loch_h.loch_max_lsn"
      " WINDOW loch_key AS (PARTITION BY " + change_partition + " ORDER BY loch_c.loch_seq)";
  Status created = connection.execute(applicable);
  if (!created.is_ok()) return created.with_context(what);

  // The current rows the batch's first change per key closes, and the new versions.
  std::string closed_values, new_values;
  for (const auto& column : table.columns) {
    const std::string name = sql_identifier(column.name);
    const CdcColumn* in_batch = find_column(batch.stored, column.name);
    if (column.name == kValidTo) {
      closed_values += ", loch_a.loch_time AS " + name;
      new_values += ", loch_a.loch_next_time AS " + name;
    } else if (column.name == kIsCurrent) {
      closed_values += ", false AS " + name;
      new_values += ", loch_a.loch_is_last AS " + name;
    } else if (column.name == kValidFrom) {
      closed_values += ", loch_t." + name + " AS " + name;
      new_values += ", loch_a.loch_time AS " + name;
    } else {
      closed_values += ", loch_t." + name + " AS " + name;
      new_values += ", " + (in_batch ? "loch_a." + sql_identifier(in_batch->name) : "CAST(NULL AS " + column.type + ")") +
                    " AS " + name;
    }
  }
  const std::string changes =
      std::string("CREATE OR REPLACE TEMP TABLE ") + kRowChanges +
      " AS SELECT loch_t.loch_file_index, loch_t.loch_row_number, 'U' AS loch_action" + closed_values + " FROM (" +
      table.located_scan + ") AS loch_t JOIN " + kApplicable + " AS loch_a ON " + on_table +
      " AND loch_a.loch_n = 1 WHERE loch_t.\"" + kIsCurrent + "\" UNION ALL SELECT CAST(NULL AS BIGINT), "
      "CAST(NULL AS BIGINT), 'I'" + new_values + " FROM " + kApplicable + " AS loch_a WHERE loch_a.loch_action = 'U'";
  created = connection.execute(changes);
  if (!created.is_ok()) return created.with_context(what);

  LOCH_ASSIGN_OR_RETURN(int64_t applied,
                        query_int64(connection, std::string("SELECT count(*)::BIGINT FROM ") + kApplicable));
  LOCH_ASSIGN_OR_RETURN(int64_t kept, query_int64(connection, std::string("SELECT count(*)::BIGINT FROM ") + kCdcChangesTable));
  LOCH_ASSIGN_OR_RETURN(int64_t closed_new,
                        query_int64(connection, std::string("SELECT count(*)::BIGINT FROM ") + kRowChanges +
                                                    " WHERE loch_action = 'I' AND NOT \"" + kIsCurrent + "\""));
  outcome.ignored = batch.without_key + (kept - applied);

  delta::RowChangeCounts counts;
  LOCH_ASSIGN_OR_RETURN(outcome.version,
                        commit_cdc_changes(table, connection, kRowChanges, txns, "scd2", keys, &counts));
  outcome.versions_inserted = counts.inserted;
  outcome.versions_closed = counts.updated + closed_new;
  return outcome;
}

}  // namespace loch::sink
