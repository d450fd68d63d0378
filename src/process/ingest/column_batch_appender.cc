#include "process/ingest/column_batch_appender.h"

#include <fmt/format.h>

#include <cstring>

namespace loch::ingest {
namespace {

std::string quoted(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  return out + "\"";
}

// One cell as the appender wants it. Types the appender's typed calls would
// mis-convert (DECIMAL from an integer, TIMESTAMPTZ from a TIMESTAMP through
// the session time zone) go through duckdb_value of the exact type.
Status append_cell(sql::Appender& appender, const decode::Column& column, size_t row) {
  if (column.is_null(row)) return appender.append_null();
  using decode::ColumnType;
  const auto& spec = column.spec();
  switch (spec.type) {
    case ColumnType::kBoolean: return appender.append_bool(column.ints()[row] != 0);
    case ColumnType::kInt32: return appender.append_int32(static_cast<int32_t>(column.ints()[row]));
    case ColumnType::kInt64: return appender.append_int64(column.ints()[row]);
    case ColumnType::kUint64: {
      duckdb_uhugeint v{static_cast<uint64_t>(column.ints()[row]), 0};
      return appender.append(sql::Value(duckdb_create_uhugeint(v)));
    }
    case ColumnType::kFloat:
    case ColumnType::kDouble: return appender.append_double(column.reals()[row]);
    case ColumnType::kDecimal: {
      __int128 unscaled = column.decimals()[row];
      duckdb_decimal d;
      d.width = static_cast<uint8_t>(spec.precision);
      d.scale = static_cast<uint8_t>(spec.scale);
      d.value.lower = static_cast<uint64_t>(static_cast<unsigned __int128>(unscaled));
      d.value.upper = static_cast<int64_t>(unscaled >> 64);
      return appender.append(sql::Value(duckdb_create_decimal(d)));
    }
    case ColumnType::kBinary: return appender.append_blob(column.texts()[row]);
    case ColumnType::kDate: return appender.append(sql::Value(duckdb_create_date({static_cast<int32_t>(column.ints()[row])})));
    case ColumnType::kTimeMicros: return appender.append(sql::Value(duckdb_create_time({column.ints()[row]})));
    case ColumnType::kTimestampMicros:
      return appender.append(sql::Value(duckdb_create_timestamp_tz({column.ints()[row]})));
    case ColumnType::kTimestampNtzMicros: return appender.append(sql::Value(duckdb_create_timestamp({column.ints()[row]})));
    case ColumnType::kString:
    case ColumnType::kUuid:
    case ColumnType::kJson: return appender.append_varchar(column.texts()[row]);
  }
  return Status::internal("unknown column type");
}

}  // namespace

std::string create_table_sql(const std::string& table, const std::vector<decode::ColumnSpec>& columns) {
  std::string sql = "CREATE TABLE IF NOT EXISTS " + quoted(table) + " (";
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i > 0) sql += ", ";
    sql += quoted(columns[i].name) + " " + decode::duckdb_type_name(columns[i]);
    if (!columns[i].nullable) sql += " NOT NULL";
  }
  return sql + ")";
}

Status append_column_batch(sql::Connection& connection, const std::string& table, const decode::ColumnBatch& batch) {
  LOCH_ASSIGN_OR_RETURN(sql::Appender appender, connection.appender("", table));
  for (size_t row = 0; row < batch.rows(); ++row) {
    for (const auto& column : batch.columns()) {
      Status s = append_cell(appender, column, row);
      if (!s.is_ok()) {
        return Status::invalid_argument(fmt::format("row {} column '{}': {}", row, column.spec().name, s.message()));
      }
    }
    LOCH_RETURN_IF_ERROR(appender.end_row());
  }
  return appender.close();
}

}  // namespace loch::ingest
