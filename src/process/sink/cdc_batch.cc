#include "process/sink/cdc_batch.h"

#include <map>

#include "common/ascii.h"
#include "store/delta/file_paths.h"
#include "store/delta/write_statement_steps.h"
#include "store/sql/database.h"

namespace loch::sink {
namespace {

using delta::sql_identifier;
using delta::sql_string_literal;

constexpr const char* kKeyedTable = "loch_cdc_keyed";

// The column of `columns` called `name` (case-insensitively), or null.
const CdcColumn* find(const std::vector<CdcColumn>& columns, const std::string& name) {
  for (const auto& column : columns) {
    if (ascii_lower(column.name) == ascii_lower(name)) return &column;
  }
  return nullptr;
}

// A key column's value: the column, or for a row without it (a tombstone)
// the same field of the record's JSON key.
std::string key_expression(const CdcColumn& key, const CdcColumn* record_key) {
  const std::string column = sql_identifier(key.name);
  if (!record_key) return column;
  // decode(): the BLOB's bytes as UTF-8 text (a CAST would escape quotes as \x22).
  const std::string text = record_key->type == "BLOB" ? "decode(" + sql_identifier(record_key->name) + ")"
                                                      : "CAST(" + sql_identifier(record_key->name) + " AS VARCHAR)";
  const std::string path = sql_string_literal("$.payload." + key.name);
  const std::string flat_path = sql_string_literal("$." + key.name);
  return "coalesce(" + column + ", CASE WHEN json_valid(" + text + ") THEN TRY_CAST(coalesce(json_extract_string(" +
         text + ", " + path + "), json_extract_string(" + text + ", " + flat_path + ")) AS " + key.type +
         ") END)";
}

}  // namespace

CdcTempTables::~CdcTempTables() {
  (void)connection_.execute(std::string("DROP TABLE IF EXISTS ") + kCdcChangesTable);
  (void)connection_.execute("DROP TABLE IF EXISTS loch_cdc_row_changes");
  (void)connection_.execute("DROP TABLE IF EXISTS loch_cdc_applicable");
  (void)connection_.execute(std::string("DROP TABLE IF EXISTS ") + kKeyedTable);
}

Result<int64_t> query_int64(sql::Connection& connection, const std::string& query) {
  LOCH_ASSIGN_OR_RETURN(auto result, connection.query(query));
  LOCH_ASSIGN_OR_RETURN(auto chunk, result.next_chunk());
  if (!chunk || chunk->size() == 0 || !chunk->column(0).is_valid(0)) return int64_t{0};
  return chunk->column(0).values<int64_t>()[0];
}

Result<CdcBatch> load_cdc_batch(sql::Connection& connection, const std::vector<std::string>& keys,
                                const std::string& batch_relation, NullKeys null_keys) {
  const std::string what = "CDC batch " + batch_relation;
  LOCH_ASSIGN_OR_RETURN(auto described, delta::describe_query(connection, "SELECT * FROM " + batch_relation));
  std::vector<CdcColumn> columns;
  for (auto& [name, type] : described) columns.push_back({name, type});
  if (!find(columns, "_op")) return Status::invalid_argument(what + " has no _op column (c, u, r, d or t)");
  if (keys.empty()) return Status::invalid_argument(what + ": the sink names no merge_keys");

  CdcBatch batch;
  for (const auto& key : keys) {
    const CdcColumn* column = find(columns, key);
    if (!column) return Status::invalid_argument(what + " has no key column '" + key + "'");
    batch.keys.push_back(*column);
  }
  for (const auto& column : columns) {
    if (!column.name.starts_with("_")) batch.stored.push_back(column);
  }
  batch.stored.push_back({"_lsn", "BIGINT"});

  auto optional_column = [&](const char* name, const char* type) {
    return find(columns, name) ? "CAST(" + sql_identifier(find(columns, name)->name) + " AS " + type + ")"
                               : std::string("CAST(NULL AS ") + type + ")";
  };
  const CdcColumn* record_key = find(columns, "_key");
  std::string key_list;      // the keys as the keyed relation names them
  std::string keyed_select;  // key and value columns of the keyed relation
  for (const auto& column : batch.stored) {
    if (column.name == "_lsn") continue;
    const bool is_key = find(batch.keys, column.name) != nullptr;
    keyed_select += (is_key ? key_expression(column, record_key) : sql_identifier(column.name)) + " AS " +
                    sql_identifier(column.name) + ", ";
    if (is_key) key_list += (key_list.empty() ? "" : ", ") + sql_identifier(column.name);
  }
  const std::string keyed =
      "SELECT " + keyed_select + optional_column("_lsn", "BIGINT") + " AS loch_given_lsn, lower(CAST(" +
      sql_identifier(find(columns, "_op")->name) + " AS VARCHAR)) AS loch_op, " +
      optional_column("_source_ts_ms", "BIGINT") + " AS loch_ts_ms, " + optional_column("_offset", "BIGINT") +
      " AS loch_offset, " + optional_column("_timestamp", "TIMESTAMPTZ") +
      " AS loch_record_time, row_number() OVER () AS loch_position FROM " + batch_relation;

  // The batch is read once (it may be a view over the transform).
  Status keyed_created = connection.execute(std::string("CREATE OR REPLACE TEMP TABLE ") + kKeyedTable + " AS " + keyed);
  if (!keyed_created.is_ok()) return keyed_created.with_context(what);
  // When a row has no key (kOneValue: never).
  std::string null_key = null_keys == NullKeys::kOneValue ? "FALSE" : "";
  for (const auto& key : batch.keys) {
    if (null_keys == NullKeys::kOneValue) break;
    null_key += (null_key.empty() ? "" : " OR ") + sql_identifier(key.name) + " IS NULL";
  }
  LOCH_ASSIGN_OR_RETURN(
      auto counted,
      connection.query(std::string("SELECT count(*)::BIGINT, (count(*) FILTER (WHERE loch_op IS NULL OR loch_op NOT IN "
                                   "('c', 'u', 'r', 'd', 't')))::BIGINT, (count(*) FILTER (WHERE loch_op IN "
                                   "('c', 'u', 'r') AND (") + null_key + ")))::BIGINT FROM " + kKeyedTable));
  LOCH_ASSIGN_OR_RETURN(auto counts, counted.next_chunk());
  if (!counts || counts->size() != 1) return Status::internal(what + ": no counts");
  batch.rows = counts->column(0).values<int64_t>()[0];
  const int64_t unknown_ops = counts->column(1).values<int64_t>()[0];
  const int64_t upserts_without_key = counts->column(2).values<int64_t>()[0];
  if (unknown_ops > 0) {
    return Status::invalid_argument(what + ": " + std::to_string(unknown_ops) +
                                    " rows have an _op other than c, u, r, d or t");
  }
  if (upserts_without_key > 0) {
    return Status::invalid_argument(what + ": " + std::to_string(upserts_without_key) +
                                    " changes of op c, u or r have a NULL key column (" + key_list + ")");
  }

  std::string stored_select;
  for (const auto& column : batch.stored) {
    if (column.name != "_lsn") stored_select += sql_identifier(column.name) + ", ";
  }
  // The batch's position breaks ties last, so a relation that keeps insertion order keeps it here.
  const std::string order_within_key = "loch_offset NULLS LAST, loch_position";
  // A tombstone follows its delete: it takes the LSN and time of its key's previous change.
  auto inherited = [&](const std::string& column) {
    return "CASE WHEN loch_op = 't' AND " + column + " IS NULL THEN last_value(" + column +
           " IGNORE NULLS) OVER loch_before ELSE " + column + " END";
  };
  const std::string ordered = "SELECT * EXCLUDE (loch_ts_ms), " + inherited("loch_given_lsn") + " AS loch_lsn, " +
                              inherited("loch_ts_ms") + " AS loch_ts_ms FROM " + kKeyedTable + " WHERE NOT (" +
                              null_key + ") WINDOW loch_before AS (PARTITION BY " + key_list + " ORDER BY " +
                              order_within_key + " ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)";
  const std::string create =
      std::string("CREATE OR REPLACE TEMP TABLE ") + kCdcChangesTable + " AS SELECT " + stored_select +
      "loch_lsn AS _lsn, CASE WHEN loch_op IN ('d', 't') THEN 'D' ELSE 'U' END AS loch_action, "
      "row_number() OVER (PARTITION BY " + key_list +
      " ORDER BY loch_lsn NULLS FIRST, loch_ts_ms NULLS LAST, loch_offset NULLS LAST, loch_position) AS loch_seq, "
      "coalesce(to_timestamp(0) + to_milliseconds(loch_ts_ms), loch_record_time, get_current_timestamp()) AS loch_time "
      "FROM (" + ordered + ") AS loch_ordered";
  Status created = connection.execute(create);
  if (!created.is_ok()) return created.with_context(what);
  LOCH_ASSIGN_OR_RETURN(int64_t kept, query_int64(connection, std::string("SELECT count(*)::BIGINT FROM ") + kCdcChangesTable));
  batch.without_key = batch.rows - kept;
  return batch;
}

}  // namespace loch::sink
