// PreparedStatement: a parsed, planned statement run many times with new
// parameters. Parameters are numbered from 1, as in SQL ($1, ?).
#pragma once

#include <cstdint>
#include <string_view>

#include <duckdb.h>

#include "common/result.h"
#include "store/sql/query_result.h"
#include "store/sql/value.h"

namespace loch::sql {

class PreparedStatement {
 public:
  explicit PreparedStatement(duckdb_prepared_statement stmt) : stmt_(stmt) {}
  PreparedStatement(PreparedStatement&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }
  PreparedStatement& operator=(PreparedStatement&& other) noexcept;
  PreparedStatement(const PreparedStatement&) = delete;
  PreparedStatement& operator=(const PreparedStatement&) = delete;
  ~PreparedStatement();

  size_t parameter_count() const { return duckdb_nparams(stmt_); }

  Status bind(size_t index, const Value& value);
  Status bind_int64(size_t index, int64_t value);
  Status bind_double(size_t index, double value);
  Status bind_varchar(size_t index, std::string_view value);
  Status bind_null(size_t index);
  Status clear_bindings();

  Result<QueryResult> execute();
  // As execute(), computing rows as they are fetched.
  Result<QueryResult> execute_streaming();

 private:
  Status check(duckdb_state state, size_t index) const;
  Result<QueryResult> run(bool streaming);
  duckdb_prepared_statement stmt_;
};

}  // namespace loch::sql
