#include "process/runner/staging_tables.h"

#include <algorithm>

#include <duckdb.h>

#include "collect/decode/text_encoding.h"
#include "process/ingest/column_batch_appender.h"
#include "store/delta/file_paths.h"

namespace loch::runner {
namespace {

using delta::sql_identifier;

std::string_view verdict_name(StagedVerdict verdict) {
  switch (verdict) {
    case StagedVerdict::kAccepted: return "accepted";
    case StagedVerdict::kLate: return "late";
    case StagedVerdict::kDuplicate: return "duplicate";
    case StagedVerdict::kPoison: return "poison";
  }
  return "?";
}

bool is_count(pipeline::AggregateKind kind) {
  return kind == pipeline::AggregateKind::kCount || kind == pipeline::AggregateKind::kCountAll ||
         kind == pipeline::AggregateKind::kCountDistinct;
}

// EventExtractor's group key: values joined by U+001F, null as "\N".
std::vector<std::string> split_key(const std::string& key, size_t parts) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i + 1 < parts; ++i) {
    size_t sep = key.find('\x1f', start);
    if (sep == std::string::npos) break;
    out.push_back(key.substr(start, sep - start));
    start = sep + 1;
  }
  out.push_back(key.substr(start));
  out.resize(parts);
  return out;
}

// Appends `batch` to `table` a whole DuckDB vector (2,048 rows) at a time,
// writing each column's values straight into the chunk: the row-by-row
// appender builds a DuckDB Value per BLOB and TIMESTAMPTZ cell, which was
// most of a raw bronze batch's staging time. NotSupported for a column whose
// type this does not write (decimals, UUIDs, UBIGINT): the caller then uses
// the row appender.
Status append_by_chunks(sql::Connection& connection, const std::string& table, const decode::ColumnBatch& batch) {
  using decode::ColumnType;
  for (const decode::Column& column : batch.columns()) {
    switch (column.spec().type) {
      case ColumnType::kUint64:
      case ColumnType::kDecimal:
      case ColumnType::kUuid: return Status::not_supported("column type " + std::string(decode::column_type_name(column.spec().type)));
      default: break;
    }
  }
  duckdb_appender appender = nullptr;
  if (duckdb_appender_create(connection.handle(), nullptr, table.c_str(), &appender) == DuckDBError) {
    std::string error = appender ? duckdb_appender_error(appender) : "cannot create an appender";
    duckdb_appender_destroy(&appender);
    return Status::internal("staging " + table + ": " + error);
  }
  const size_t column_count = batch.columns().size();
  std::vector<duckdb_logical_type> types(column_count);
  for (size_t c = 0; c < column_count; ++c) types[c] = duckdb_appender_column_type(appender, c);
  duckdb_data_chunk chunk = duckdb_create_data_chunk(types.data(), column_count);
  auto release = [&] {
    duckdb_destroy_data_chunk(&chunk);
    for (auto& type : types) duckdb_destroy_logical_type(&type);
  };
  auto fail = [&](const std::string& what) {
    std::string error = duckdb_appender_error(appender) ? duckdb_appender_error(appender) : "unknown error";
    release();
    duckdb_appender_destroy(&appender);
    return Status::internal("staging " + table + ": " + what + ": " + error);
  };
  const size_t vector_size = duckdb_vector_size();
  for (size_t first = 0; first < batch.rows(); first += vector_size) {
    const size_t count = std::min(vector_size, batch.rows() - first);
    duckdb_data_chunk_reset(chunk);
    for (size_t c = 0; c < column_count; ++c) {
      const decode::Column& column = batch.columns()[c];
      duckdb_vector vector = duckdb_data_chunk_get_vector(chunk, c);
      void* data = duckdb_vector_get_data(vector);
      uint64_t* validity = nullptr;
      for (size_t i = 0; i < count; ++i) {
        const size_t row = first + i;
        if (column.is_null(row)) {
          if (validity == nullptr) {
            duckdb_vector_ensure_validity_writable(vector);
            validity = duckdb_vector_get_validity(vector);
          }
          duckdb_validity_set_row_invalid(validity, i);
          continue;
        }
        switch (column.spec().type) {
          case ColumnType::kBoolean: static_cast<bool*>(data)[i] = column.ints()[row] != 0; break;
          case ColumnType::kInt32:
          case ColumnType::kDate: static_cast<int32_t*>(data)[i] = static_cast<int32_t>(column.ints()[row]); break;
          case ColumnType::kInt64:
          case ColumnType::kTimeMicros:
          case ColumnType::kTimestampMicros:
          case ColumnType::kTimestampNtzMicros: static_cast<int64_t*>(data)[i] = column.ints()[row]; break;
          case ColumnType::kFloat: static_cast<float*>(data)[i] = static_cast<float>(column.reals()[row]); break;
          case ColumnType::kDouble: static_cast<double*>(data)[i] = column.reals()[row]; break;
          case ColumnType::kString:
          case ColumnType::kJson:
            // The row appender refuses invalid UTF-8 in VARCHAR; a chunk is not checked.
            if (decode::find_invalid_utf8(column.texts()[row]) != std::string_view::npos) {
              release();
              duckdb_appender_destroy(&appender);
              return Status::invalid_argument("row " + std::to_string(row) + " column '" + column.spec().name +
                                              "': invalid UTF-8");
            }
            [[fallthrough]];
          case ColumnType::kBinary: {
            const std::string& text = column.texts()[row];
            duckdb_vector_assign_string_element_len(vector, i, text.data(), text.size());
            break;
          }
          default: break;  // refused above
        }
      }
    }
    duckdb_data_chunk_set_size(chunk, count);
    if (duckdb_append_data_chunk(appender, chunk) == DuckDBError) return fail("append");
  }
  release();
  const bool closed = duckdb_appender_close(appender) == DuckDBSuccess;
  if (!closed) {
    std::string error = duckdb_appender_error(appender) ? duckdb_appender_error(appender) : "unknown error";
    duckdb_appender_destroy(&appender);
    return Status::internal("staging " + table + ": close: " + error);
  }
  duckdb_appender_destroy(&appender);
  return Status::ok();
}

}  // namespace

Status stage_records(sql::Connection& connection, const std::vector<decode::ColumnSpec>& columns,
                     const decode::ColumnBatch& batch) {
  LOCH_RETURN_IF_ERROR(connection.execute("DROP VIEW IF EXISTS batch; DROP VIEW IF EXISTS late_rows; "
                                          "DROP TABLE IF EXISTS batch_all; " +
                                          ingest::create_table_sql("batch_all", columns)));
  if (batch.rows() == 0) return Status::ok();
  Status staged = append_by_chunks(connection, "batch_all", batch);
  if (staged.code() != StatusCode::kNotSupported) return staged;
  return ingest::append_column_batch(connection, "batch_all", batch);
}

Status stage_verdicts(sql::Connection& connection, const decode::ColumnBatch& batch,
                      const std::vector<RowVerdict>& verdicts) {
  LOCH_RETURN_IF_ERROR(connection.execute(
      "CREATE OR REPLACE TABLE verdicts (_topic VARCHAR, _partition INTEGER, _offset BIGINT, verdict VARCHAR, "
      "reason VARCHAR, watermark_ms BIGINT)"));
  LOCH_ASSIGN_OR_RETURN(auto appender, connection.appender("main", "verdicts"));
  for (size_t row = 0; row < verdicts.size(); ++row) {
    const RowVerdict& v = verdicts[row];
    LOCH_RETURN_IF_ERROR(appender.append_varchar(batch.column(0).texts()[row]));
    LOCH_RETURN_IF_ERROR(appender.append_int32(static_cast<int32_t>(batch.column(1).ints()[row])));
    LOCH_RETURN_IF_ERROR(appender.append_int64(batch.column(2).ints()[row]));
    LOCH_RETURN_IF_ERROR(appender.append_varchar(verdict_name(v.verdict)));
    LOCH_RETURN_IF_ERROR(v.reason.empty() ? appender.append_null() : appender.append_varchar(v.reason));
    LOCH_RETURN_IF_ERROR(v.watermark_ms == pipeline::kNoTimestamp ? appender.append_null()
                                                                  : appender.append_int64(v.watermark_ms));
    LOCH_RETURN_IF_ERROR(appender.end_row());
  }
  return appender.close();
}

Status stage_window_results(sql::Connection& connection, const pipeline::PipelineDefinition& definition,
                            const std::vector<pipeline::WindowResult>& results) {
  const auto& options = definition.options;
  std::string create = "CREATE OR REPLACE TABLE window_results (";
  for (const std::string& column : options.group_by) create += sql_identifier(column) + " VARCHAR, ";
  create += "_window_start_ms BIGINT, _window_end_ms BIGINT";
  // emit: updates: each row is an upsert ('u') or a withdrawn session ('d').
  const bool updates = options.emit == pipeline::EmitMode::kUpdates;
  if (updates) create += ", _op VARCHAR";
  for (const auto& aggregate : options.aggregates) {
    create += ", " + sql_identifier(aggregate.output_column) + (is_count(aggregate.kind) ? " BIGINT" : " DOUBLE");
  }
  LOCH_RETURN_IF_ERROR(connection.execute(create + ")"));
  LOCH_ASSIGN_OR_RETURN(auto appender, connection.appender("main", "window_results"));
  for (const pipeline::WindowResult& result : results) {
    const bool retract = result.kind == pipeline::WindowResult::Kind::kRetract;
    if (!updates && result.kind != pipeline::WindowResult::Kind::kFinal) {
      return Status::internal(definition.file.string() + ": an update result from a pipeline with emit: final");
    }
    for (const std::string& value : split_key(result.key, options.group_by.size())) {
      LOCH_RETURN_IF_ERROR(value == "\\N" ? appender.append_null() : appender.append_varchar(value));
    }
    LOCH_RETURN_IF_ERROR(appender.append_int64(result.bounds.start));
    LOCH_RETURN_IF_ERROR(appender.append_int64(result.bounds.end));
    if (updates) LOCH_RETURN_IF_ERROR(appender.append_varchar(retract ? "d" : "u"));
    for (size_t i = 0; i < options.aggregates.size(); ++i) {
      if (retract) {  // a retraction has no values
        LOCH_RETURN_IF_ERROR(appender.append_null());
        continue;
      }
      const auto& value = result.values.at(i);
      if (value.is_null) {
        LOCH_RETURN_IF_ERROR(appender.append_null());
      } else if (is_count(options.aggregates[i].kind)) {
        LOCH_RETURN_IF_ERROR(appender.append_int64(static_cast<int64_t>(value.number)));
      } else {
        LOCH_RETURN_IF_ERROR(appender.append_double(value.number));
      }
    }
    LOCH_RETURN_IF_ERROR(appender.end_row());
  }
  return appender.close();
}

Status stage_poison(sql::Connection& connection, const std::vector<PoisonRecord>& records) {
  LOCH_RETURN_IF_ERROR(connection.execute(
      "CREATE OR REPLACE TABLE poison (_topic VARCHAR, _partition INTEGER, _offset BIGINT, _timestamp_ms BIGINT, "
      "_key BLOB, value BLOB, _error VARCHAR)"));
  LOCH_ASSIGN_OR_RETURN(auto appender, connection.appender("main", "poison"));
  for (const PoisonRecord& poison : records) {
    const source::SourceRecord& r = *poison.record;
    LOCH_RETURN_IF_ERROR(appender.append_varchar(r.source.topic));
    LOCH_RETURN_IF_ERROR(appender.append_int32(r.source.partition));
    LOCH_RETURN_IF_ERROR(appender.append_int64(r.offset));
    LOCH_RETURN_IF_ERROR(appender.append_int64(r.timestamp_ms));
    LOCH_RETURN_IF_ERROR(r.key ? appender.append(sql::Value::blob(*r.key)) : appender.append_null());
    LOCH_RETURN_IF_ERROR(r.value ? appender.append(sql::Value::blob(*r.value)) : appender.append_null());
    LOCH_RETURN_IF_ERROR(appender.append_varchar(poison.error));
    LOCH_RETURN_IF_ERROR(appender.end_row());
  }
  return appender.close();
}

Status create_batch_views(sql::Connection& connection, bool has_event_time, bool has_window) {
  std::string sql;
  if (has_window) {
    sql = "CREATE OR REPLACE VIEW batch AS SELECT * EXCLUDE (_window_start_ms, _window_end_ms), "
          "CAST(epoch_ms(_window_start_ms) AS TIMESTAMPTZ) AS window_start, "
          "CAST(epoch_ms(_window_end_ms) AS TIMESTAMPTZ) AS window_end FROM window_results;";
  } else if (has_event_time) {
    sql = "CREATE OR REPLACE VIEW batch AS SELECT b.* FROM batch_all b SEMI JOIN "
          "(SELECT * FROM verdicts WHERE verdict = 'accepted') v USING (_topic, _partition, _offset);";
  } else {
    sql = "CREATE OR REPLACE VIEW batch AS SELECT * FROM batch_all;";
  }
  if (has_event_time) {
    sql += "CREATE OR REPLACE VIEW late_rows AS SELECT b.*, v.reason AS _late_reason, "
           "CAST(epoch_ms(v.watermark_ms) AS TIMESTAMPTZ) AS _watermark "
           "FROM batch_all b JOIN verdicts v USING (_topic, _partition, _offset) WHERE v.verdict = 'late';";
  }
  return connection.execute(sql);
}

}  // namespace loch::runner
