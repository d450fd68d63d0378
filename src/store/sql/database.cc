#include "store/sql/database.h"

namespace loch::sql {

Status status_from_duckdb(duckdb_error_type type, std::string_view message) {
  std::string msg(message);
  switch (type) {
    case DUCKDB_ERROR_IO: return Status::io_error(std::move(msg));
    case DUCKDB_ERROR_INTERRUPT: return Status::aborted(std::move(msg));
    case DUCKDB_ERROR_INTERNAL:
    case DUCKDB_ERROR_FATAL: return Status::internal(std::move(msg));
    case DUCKDB_ERROR_NOT_IMPLEMENTED: return Status::not_supported(std::move(msg));
    case DUCKDB_ERROR_TRANSACTION: return Status::conflict(std::move(msg));
    default: return Status::invalid_argument(std::move(msg));
  }
}

Result<std::unique_ptr<Database>> Database::open(const std::string& path,
                                                 const std::map<std::string, std::string>& options) {
  duckdb_config config;
  if (duckdb_create_config(&config) == DuckDBError) return Status::internal("cannot create DuckDB config");
  for (const auto& [name, value] : options) {
    if (duckdb_set_config(config, name.c_str(), value.c_str()) == DuckDBError) {
      duckdb_destroy_config(&config);
      return Status::invalid_argument("unknown DuckDB option or bad value: " + name + "=" + value);
    }
  }
  duckdb_database db = nullptr;
  char* error = nullptr;
  const char* db_path = path.empty() ? nullptr : path.c_str();
  duckdb_state state = duckdb_open_ext(db_path, &db, config, &error);
  duckdb_destroy_config(&config);
  if (state == DuckDBError) {
    std::string msg = error ? error : "cannot open database";
    duckdb_free(error);
    return Status::io_error(msg);
  }
  return std::unique_ptr<Database>(new Database(db));
}

Database::~Database() { duckdb_close(&db_); }

Result<Connection> Database::connect() {
  duckdb_connection conn = nullptr;
  if (duckdb_connect(db_, &conn) == DuckDBError) return Status::internal("cannot connect to DuckDB");
  return Connection(conn);
}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    if (conn_) duckdb_disconnect(&conn_);
    conn_ = other.conn_;
    other.conn_ = nullptr;
  }
  return *this;
}

Connection::~Connection() {
  if (conn_) duckdb_disconnect(&conn_);
}

Result<QueryResult> Connection::query(const std::string& sql) {
  duckdb_result result;
  if (duckdb_query(conn_, sql.c_str(), &result) == DuckDBError) {
    Status status = status_from_duckdb(duckdb_result_error_type(&result), duckdb_result_error(&result));
    duckdb_destroy_result(&result);
    return status;
  }
  return QueryResult(result);
}

Result<QueryResult> Connection::stream(const std::string& statement) {
  LOCH_ASSIGN_OR_RETURN(auto prepared, prepare(statement));
  return prepared.execute_streaming();
}

Status Connection::execute(const std::string& sql) {
  auto result = query(sql);
  return result.status();
}

Result<PreparedStatement> Connection::prepare(const std::string& sql) {
  duckdb_prepared_statement stmt = nullptr;
  if (duckdb_prepare(conn_, sql.c_str(), &stmt) == DuckDBError) {
    Status status = Status::invalid_argument(duckdb_prepare_error(stmt) ? duckdb_prepare_error(stmt) : "prepare failed");
    duckdb_destroy_prepare(&stmt);
    return status;
  }
  return PreparedStatement(stmt);
}

Result<Appender> Connection::appender(const std::string& schema, const std::string& table) {
  duckdb_appender appender = nullptr;
  if (duckdb_appender_create(conn_, schema.empty() ? nullptr : schema.c_str(), table.c_str(), &appender) ==
      DuckDBError) {
    const char* error = duckdb_appender_error(appender);
    Status status = Status::invalid_argument(error ? error : "cannot create appender for " + table);
    duckdb_appender_destroy(&appender);
    return status;
  }
  return Appender(appender);
}

}  // namespace loch::sql
