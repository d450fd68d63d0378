#include "process/sink/cdc_table.h"

#include "common/ascii.h"
#include "store/delta/file_paths.h"
#include "store/delta/schema_writer.h"
#include "store/delta/table_scan.h"
#include "store/delta/write_statement_parser.h"
#include "store/delta/write_statement_steps.h"
#include "store/delta/writer_protocol.h"
#include "store/sql/database.h"

namespace loch::sink {
namespace {

namespace fs = std::filesystem;
using delta::sql_identifier;

bool already_applied(const delta::Snapshot& snapshot, const std::vector<CdcTxnMark>& txns) {
  if (txns.empty()) return false;
  for (const auto& mark : txns) {
    auto committed = snapshot.transactions().find(mark.app_id);
    if (committed == snapshot.transactions().end() || committed->second.version < mark.version) return false;
  }
  return true;
}

Result<delta::Metadata> metadata_for(const std::vector<CdcColumn>& columns) {
  std::vector<delta::ColumnDefinition> definitions;
  for (const auto& column : columns) {
    // A DuckDB TIMESTAMP has no zone: it is Delta's timestamp_ntz (as CREATE TABLE AS does).
    definitions.push_back({column.name, column.type == "TIMESTAMP" ? "TIMESTAMP WITHOUT TIME ZONE" : column.type,
                           false, std::nullopt});
  }
  LOCH_ASSIGN_OR_RETURN(auto fields, delta::fields_from_definitions(definitions));
  delta::Metadata metadata;
  metadata.id = delta::new_uuid();
  metadata.created_time = delta::now_ms();
  metadata.schema_string = delta::schema_string(delta::TableSchema{fields});
  return metadata;
}

}  // namespace

const CdcColumn* find_column(const std::vector<CdcColumn>& columns, const std::string& name) {
  for (const auto& column : columns) {
    if (ascii_lower(column.name) == ascii_lower(name)) return &column;
  }
  return nullptr;
}

Result<std::optional<CdcTable>> open_cdc_table(sql::Connection& connection, const fs::path& table_root,
                                               const std::vector<CdcTxnMark>& txns,
                                               const std::vector<CdcColumn>& columns_to_create) {
  const std::string what = "CDC sink table " + table_root.string();
  auto begun = delta::Transaction::begin_or_create(table_root, connection);
  if (!begun.is_ok()) return begun.status().with_context(what);
  CdcTable table{std::move(begun).value(), {}, {}, {}};
  if (const delta::Snapshot* snapshot = table.txn.read_snapshot()) {
    if (already_applied(*snapshot, txns)) return std::optional<CdcTable>();
    for (const auto& field : snapshot->schema().fields) {
      auto type = delta::duckdb_type(field.type);
      if (!type.is_ok()) return type.status().with_context(what + " column " + field.name);
      table.columns.push_back({field.name, *type});
    }
    table.files = delta::all_files(*snapshot);
    auto scan = delta::build_located_scan_sql(*snapshot, connection, table.files);
    if (!scan.is_ok()) return scan.status().with_context(what);
    table.located_scan = std::move(scan).value();
    return std::optional<CdcTable>(std::move(table));
  }
  // The data files are written before the commit creates _delta_log: the
  // table's directory (and its zone's, on a fresh lake) must exist first.
  std::error_code ec;
  fs::create_directories(table_root, ec);
  if (ec) return Status::io_error(what + ": cannot create " + table_root.string() + ": " + ec.message());
  auto metadata = metadata_for(columns_to_create);
  if (!metadata.is_ok()) return metadata.status().with_context(what);
  auto protocol = delta::required_protocol(*metadata, std::nullopt);
  if (!protocol.is_ok()) return protocol.status().with_context(what);
  table.txn.set_metadata(std::move(metadata).value());
  table.txn.set_protocol(std::move(protocol).value());
  table.columns = columns_to_create;
  std::string empty = "SELECT CAST(NULL AS BIGINT) AS loch_file_index, CAST(NULL AS BIGINT) AS loch_row_number";
  for (const auto& column : columns_to_create) {
    empty += ", CAST(NULL AS " + column.type + ") AS " + sql_identifier(column.name);
  }
  table.located_scan = empty + " WHERE false";
  return std::optional<CdcTable>(std::move(table));
}

Status check_batch_columns(const CdcTable& table, const CdcBatch& batch, const fs::path& table_root) {
  for (const auto& column : batch.stored) {
    if (!find_column(table.columns, column.name)) {
      return Status::invalid_argument("CDC sink table " + table_root.string() + " has no column '" + column.name +
                                      "' that the batch has (add it with ALTER TABLE ... ADD COLUMNS)");
    }
  }
  return Status::ok();
}

Result<std::optional<int64_t>> commit_cdc_changes(CdcTable& table, sql::Connection& connection,
                                                  const std::string& changes_table,
                                                  const std::vector<CdcTxnMark>& txns, const std::string& mode,
                                                  const std::vector<std::string>& keys,
                                                  delta::RowChangeCounts* counts) {
  const std::string what = "CDC sink table " + table.txn.table_root().string();
  auto applied = delta::apply_row_changes(table.txn, connection, table.files, changes_table);
  if (!applied.is_ok()) return applied.status().with_context(what);
  *counts = *applied;
  const bool changed = counts->deleted + counts->updated + counts->inserted > 0;
  if (!changed && txns.empty() && table.txn.read_snapshot()) return std::optional<int64_t>();
  for (const auto& mark : txns) table.txn.set_transaction_id(mark.app_id, mark.version);
  nlohmann::json metrics = delta::change_metrics(*counts);
  metrics["numTargetRowsInserted"] = std::to_string(counts->inserted);
  metrics["numTargetRowsUpdated"] = std::to_string(counts->updated);
  metrics["numTargetRowsDeleted"] = std::to_string(counts->deleted);
  table.txn.set_operation({"MERGE", {{"mode", mode}, {"mergeKeys", nlohmann::json(keys).dump()}}, metrics});
  auto committed = table.txn.commit();
  if (!committed.is_ok()) return committed.status().with_context(what);
  return std::optional<int64_t>(committed->version.value());
}

}  // namespace loch::sink
