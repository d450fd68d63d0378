// apply_scd1 (cdc_sink.h): each key's last change of the batch merged into
// the table's current rows.
#include "process/sink/cdc_batch.h"
#include "process/sink/cdc_sink.h"
#include "process/sink/cdc_table.h"
#include "store/delta/file_paths.h"
#include "store/sql/database.h"

namespace loch::sink {

namespace {
using delta::sql_identifier;
constexpr const char* kRowChanges = "loch_cdc_row_changes";
}  // namespace

Result<CdcOutcome> apply_scd1(sql::Connection& connection, const std::filesystem::path& table_root,
                              const std::vector<std::string>& keys, const std::string& batch_relation,
                              const std::vector<CdcTxnMark>& txns, NullKeys null_keys) {
  CdcTempTables temp_tables(connection);
  const std::string what = "SCD1 merge into " + table_root.string();
  auto loaded = load_cdc_batch(connection, keys, batch_relation, null_keys);
  if (!loaded.is_ok()) return loaded.status().with_context(what);
  const CdcBatch& batch = *loaded;
  CdcOutcome outcome;
  outcome.changes = batch.rows;
  LOCH_ASSIGN_OR_RETURN(std::optional<CdcTable> opened, open_cdc_table(connection, table_root, txns, batch.stored));
  if (!opened) {
    outcome.skipped = true;
    return outcome;
  }
  CdcTable& table = *opened;
  LOCH_RETURN_IF_ERROR(check_batch_columns(table, batch, table_root));

  std::string on;
  for (const auto& key : batch.keys) {
    const std::string column = sql_identifier(find_column(table.columns, key.name)->name);
    const char* equals = null_keys == NullKeys::kOneValue ? " IS NOT DISTINCT FROM " : " = ";
    on += (on.empty() ? "" : " AND ") + std::string("loch_t.") + column + equals + "loch_s." + sql_identifier(key.name);
  }
  std::string partition;
  for (const auto& key : batch.keys) partition += (partition.empty() ? "" : ", ") + sql_identifier(key.name);
  // An upsert replaces the whole row; a table column the batch lacks keeps
  // its value (NULL for a new row).
  std::string values;
  for (const auto& column : table.columns) {
    const CdcColumn* in_batch = find_column(batch.stored, column.name);
    values += ", " + (in_batch ? "loch_s." + sql_identifier(in_batch->name) : "loch_t." + sql_identifier(column.name)) +
              " AS " + sql_identifier(column.name);
  }
  const std::string table_lsn = find_column(table.columns, "_lsn") ? "loch_t.\"_lsn\"" : "CAST(NULL AS BIGINT)";
  // A change applies to an existing row only when newer than the change the
  // row came from (a replayed batch changes nothing).
  const std::string newer = "(loch_s.\"_lsn\" IS NULL OR " + table_lsn + " IS NULL OR loch_s.\"_lsn\" > " + table_lsn + ")";
  const std::string last_changes = std::string("SELECT * FROM ") + kCdcChangesTable +
                                   " QUALIFY loch_seq = max(loch_seq) OVER (PARTITION BY " + partition + ")";
  const std::string create =
      std::string("CREATE OR REPLACE TEMP TABLE ") + kRowChanges +
      " AS SELECT loch_t.loch_file_index, loch_t.loch_row_number, CASE"
      " WHEN loch_t.loch_file_index IS NULL THEN (CASE WHEN loch_s.loch_action = 'U' THEN 'I' END)"
      " WHEN " + newer + " THEN loch_s.loch_action END AS loch_action" + values + " FROM (" + last_changes +
      ") AS loch_s LEFT JOIN (" + table.located_scan + ") AS loch_t ON " + on;
  Status created = connection.execute(create);
  if (!created.is_ok()) return created.with_context(what);
  LOCH_ASSIGN_OR_RETURN(int64_t stale,
                        query_int64(connection, std::string("SELECT count(*)::BIGINT FROM ") + kRowChanges +
                                                    " WHERE loch_action IS NULL AND loch_file_index IS NOT NULL"));
  LOCH_RETURN_IF_ERROR(connection.execute(std::string("DELETE FROM ") + kRowChanges + " WHERE loch_action IS NULL"));
  outcome.ignored = batch.without_key + stale;

  delta::RowChangeCounts counts;
  LOCH_ASSIGN_OR_RETURN(outcome.version,
                        commit_cdc_changes(table, connection, kRowChanges, txns, "scd1", keys, &counts));
  outcome.upserted = counts.inserted + counts.updated;
  outcome.deleted = counts.deleted;
  return outcome;
}

}  // namespace loch::sink
