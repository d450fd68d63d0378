// Appending decoded records (decode::ColumnBatch, collect/decode) to a DuckDB
// table: the adapter that keeps the decoder library free of DuckDB.
// Column types follow decode::duckdb_type_name (doc/registry-decoding.md).
#pragma once

#include <string>

#include "collect/decode/column_batch.h"
#include "common/status.h"
#include "store/sql/database.h"

namespace loch::ingest {

// CREATE TABLE IF NOT EXISTS "name" ("col" TYPE, ...) for a decoder's columns.
std::string create_table_sql(const std::string& table, const std::vector<decode::ColumnSpec>& columns);

// Appends every row of `batch` to `table` (in the connection's default
// schema) through DuckDB's appender; the table's columns must be those of
// the batch, in order. The rows are flushed before returning.
Status append_column_batch(sql::Connection& connection, const std::string& table, const decode::ColumnBatch& batch);

}  // namespace loch::ingest
