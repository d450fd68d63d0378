// Text and JSON values converted to the typed columns of a decode::ColumnBatch,
// for the formats loch decodes without a registry (jsonl, csv, debezium).
// Declared column types are DuckDB type names (doc/pipelines.md, "Formats").
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "collect/decode/column_batch.h"
#include "common/result.h"

namespace loch::source {

// The column type of a DuckDB type name (case-insensitive): BOOLEAN, INTEGER,
// BIGINT, FLOAT, DOUBLE, VARCHAR, JSON, UUID, DATE, TIMESTAMP, TIMESTAMPTZ.
// DECIMAL and the rest are NotSupported (cast in the pipeline's SQL instead).
Result<decode::ColumnSpec> column_spec(const std::string& name, const std::string& duckdb_type);

// "2026-11-25T10:00:00.123Z", "2026-11-25 10:00:00", "...+02:00": microseconds
// since the epoch (UTC; no zone means UTC). False when malformed.
bool parse_iso_timestamp(std::string_view text, int64_t& micros);

// Appends `value` to `column`, converting it to the column's type; null for
// JSON null. Numbers given for a timestamp are milliseconds since the epoch
// (Kafka's and Debezium's convention). Corruption naming the column otherwise.
Status append_json_value(const nlohmann::json& value, decode::Column& column);

// The same for one CSV field; an empty unquoted field is null.
Status append_text_value(std::string_view text, bool quoted, decode::Column& column);

}  // namespace loch::source
