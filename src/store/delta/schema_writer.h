// Writing Delta schemas: SQL type names (Spark's and DuckDB's spellings) to
// Delta types, and a schema to its schemaString (PROTOCOL.md "Schema
// Serialization Format").
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "store/delta/table_schema.h"

namespace loch::delta {

// The Delta type of a SQL type name: STRING/VARCHAR/TEXT -> string,
// INT/INTEGER -> integer, BIGINT/LONG -> long, SMALLINT/SHORT, TINYINT/BYTE,
// DOUBLE, FLOAT/REAL, BOOLEAN, DATE, TIMESTAMP (an instant; also
// TIMESTAMPTZ / TIMESTAMP WITH TIME ZONE), TIMESTAMP_NTZ, DECIMAL(p,s),
// BINARY/BLOB, ARRAY<T> / T[], MAP<K,V> / MAP(K, V), STRUCT<a: T, ...> /
// STRUCT(a T, ...). A DuckDB TIMESTAMP without zone becomes timestamp_ntz.
Result<DataType> parse_sql_type(const std::string& text);

nlohmann::json type_json(const DataType& type);
nlohmann::json field_json(const StructField& field);
// The schemaString of `schema`.
std::string schema_string(const TableSchema& schema);

}  // namespace loch::delta
