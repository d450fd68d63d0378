#include "store/sql/sql_session.h"

#include <system_error>

#include "store/delta/plan_cache.h"
#include "store/delta/snapshot_cache.h"
#include "store/delta/statement_layer.h"

namespace loch::sql {

SqlSession::SqlSession(std::filesystem::path data_dir, std::unique_ptr<Database> database, Connection connection)
    : data_dir_(std::move(data_dir)),
      database_(std::move(database)),
      connection_(std::move(connection)),
      snapshots_(std::make_shared<delta::SnapshotCache>()),
      plans_(std::make_shared<delta::PlanCache>()) {}

Result<std::unique_ptr<SqlSession>> SqlSession::open(const std::filesystem::path& data_dir) {
  for (const char* zone : kZones) {
    std::error_code ec;
    std::filesystem::create_directories(data_dir / "lake" / zone, ec);
    if (ec) return Status::io_error("cannot create " + (data_dir / "lake" / zone).string() + ": " + ec.message());
  }
  // Extensions are never downloaded at run time: loch works offline, and
  // everything it needs (parquet, json, icu) is built into libduckdb.
  LOCH_ASSIGN_OR_RETURN(auto database, Database::open(":memory:", {{"autoinstall_known_extensions", "false"},
                                                                    {"autoload_known_extensions", "true"}}));
  LOCH_ASSIGN_OR_RETURN(auto connection, database->connect());
  // Delta data files are immutable (a change writes a new file), so caching
  // Parquet footers across statements is safe and saves a read per file.
  LOCH_RETURN_IF_ERROR(connection.execute("SET parquet_metadata_cache = true"));
  for (const char* zone : kZones) {
    LOCH_RETURN_IF_ERROR(connection.execute(std::string("CREATE SCHEMA IF NOT EXISTS ") + zone));
  }
  return std::unique_ptr<SqlSession>(new SqlSession(data_dir, std::move(database), std::move(connection)));
}

// Lake syntax (delta_scan, zone tables, time travel, DESCRIBE HISTORY and
// DETAIL, EXPLAIN of Delta scans) is rewritten into DuckDB SQL first; see
// store/delta/statement_layer.h.
Result<QueryResult> SqlSession::run(const std::string& statement) {
  LOCH_ASSIGN_OR_RETURN(std::string rewritten, delta::rewrite_delta_statement(statement, lake_dir(), connection_, snapshots_.get()));
  return plans_->stream(connection_, statement, rewritten);
}

}  // namespace loch::sql
