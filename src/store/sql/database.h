// Database and Connection: owned DuckDB instances and sessions.
//
// One Database per process is the norm (DuckDB shares its buffer pool and
// threads across connections). A Connection is a session: it may be used by
// one thread at a time; open one per thread.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <duckdb.h>

#include "common/result.h"
#include "store/sql/appender.h"
#include "store/sql/prepared_statement.h"
#include "store/sql/query_result.h"

namespace loch::sql {

class Connection;

class Database {
 public:
  // Opens `path` (":memory:" or "" for an in-memory database) with DuckDB
  // configuration options such as {"threads", "2"}.
  static Result<std::unique_ptr<Database>> open(const std::string& path,
                                                const std::map<std::string, std::string>& options = {});
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  Result<Connection> connect();
  duckdb_database handle() const { return db_; }

 private:
  explicit Database(duckdb_database db) : db_(db) {}
  duckdb_database db_;
};

class Connection {
 public:
  explicit Connection(duckdb_connection conn) : conn_(conn) {}
  Connection(Connection&& other) noexcept : conn_(other.conn_) { other.conn_ = nullptr; }
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Runs one or more statements; the result is that of the last one.
  Result<QueryResult> query(const std::string& sql);
  // Runs one statement and returns a result that computes rows as they are
  // fetched, so large results are never held in memory whole.
  Result<QueryResult> stream(const std::string& statement);
  // Runs statements for their effect only.
  Status execute(const std::string& sql);

  Result<PreparedStatement> prepare(const std::string& sql);
  Result<Appender> appender(const std::string& schema, const std::string& table);

  // Asks a query running on this connection (from another thread) to stop.
  void interrupt() { duckdb_interrupt(conn_); }

  duckdb_connection handle() const { return conn_; }

 private:
  duckdb_connection conn_;
};

// The Status for a failed DuckDB call, carrying DuckDB's own message.
Status status_from_duckdb(duckdb_error_type type, std::string_view message);

}  // namespace loch::sql
