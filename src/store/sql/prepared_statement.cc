#include "store/sql/prepared_statement.h"

#include <string>

#include "store/sql/database.h"

namespace loch::sql {

PreparedStatement& PreparedStatement::operator=(PreparedStatement&& other) noexcept {
  if (this != &other) {
    if (stmt_) duckdb_destroy_prepare(&stmt_);
    stmt_ = other.stmt_;
    other.stmt_ = nullptr;
  }
  return *this;
}

PreparedStatement::~PreparedStatement() {
  if (stmt_) duckdb_destroy_prepare(&stmt_);
}

Status PreparedStatement::check(duckdb_state state, size_t index) const {
  if (state == DuckDBSuccess) return Status::ok();
  const char* error = duckdb_prepare_error(stmt_);
  return Status::invalid_argument("parameter $" + std::to_string(index) + ": " +
                                  (error ? error : "cannot bind value"));
}

Status PreparedStatement::bind(size_t index, const Value& value) {
  return check(duckdb_bind_value(stmt_, index, value.handle()), index);
}
Status PreparedStatement::bind_int64(size_t index, int64_t value) {
  return check(duckdb_bind_int64(stmt_, index, value), index);
}
Status PreparedStatement::bind_double(size_t index, double value) {
  return check(duckdb_bind_double(stmt_, index, value), index);
}
Status PreparedStatement::bind_varchar(size_t index, std::string_view value) {
  return check(duckdb_bind_varchar_length(stmt_, index, value.data(), value.size()), index);
}
Status PreparedStatement::bind_null(size_t index) { return check(duckdb_bind_null(stmt_, index), index); }

Status PreparedStatement::clear_bindings() {
  if (duckdb_clear_bindings(stmt_) == DuckDBError) return Status::internal("cannot clear bindings");
  return Status::ok();
}

Result<QueryResult> PreparedStatement::execute() { return run(false); }
Result<QueryResult> PreparedStatement::execute_streaming() { return run(true); }

Result<QueryResult> PreparedStatement::run(bool streaming) {
  duckdb_result result;
  duckdb_state state = streaming ? duckdb_execute_prepared_streaming(stmt_, &result)
                                 : duckdb_execute_prepared(stmt_, &result);
  if (state == DuckDBError) {
    Status status = status_from_duckdb(duckdb_result_error_type(&result), duckdb_result_error(&result));
    duckdb_destroy_result(&result);
    return status;
  }
  return QueryResult(result);
}

}  // namespace loch::sql
