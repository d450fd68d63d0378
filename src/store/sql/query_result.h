// QueryResult: the owned result of one statement, read chunk by chunk.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <duckdb.h>

#include "common/result.h"
#include "store/sql/data_chunk.h"
#include "store/sql/logical_type.h"

namespace loch::sql {

class QueryResult {
 public:
  // Takes ownership of a result that DuckDB filled successfully.
  explicit QueryResult(duckdb_result result);
  QueryResult(QueryResult&& other) noexcept;
  QueryResult& operator=(QueryResult&& other) noexcept;
  QueryResult(const QueryResult&) = delete;
  QueryResult& operator=(const QueryResult&) = delete;
  ~QueryResult();

  size_t column_count() const { return duckdb_column_count(result_.get()); }
  std::string column_name(size_t index) const { return duckdb_column_name(result_.get(), index); }
  LogicalType column_type(size_t index) const {
    return LogicalType(duckdb_column_logical_type(result_.get(), index));
  }
  // Rows inserted, updated or deleted by a DML statement.
  int64_t rows_changed() const { return static_cast<int64_t>(duckdb_rows_changed(result_.get())); }
  // True when the statement returns rows (a query), false for DDL and DML.
  bool returns_rows() const { return duckdb_result_return_type(*result_) == DUCKDB_RESULT_TYPE_QUERY_RESULT; }

  // The next chunk of rows; std::nullopt at the end. A streaming result may
  // fail while fetching (the query runs as it is read).
  Result<std::optional<DataChunk>> next_chunk();

 private:
  // Boxed so that moving a QueryResult does not move the duckdb_result
  // struct DuckDB may hold pointers into.
  std::unique_ptr<duckdb_result> result_;
};

}  // namespace loch::sql
