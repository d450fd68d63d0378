// SqlSession: a DuckDB connection with the lake of a data directory attached.
//
// The data directory (--data-dir, default ./loch-data) holds the lake under
// lake/bronze, lake/silver and lake/gold (see ../shared/DESIGN.md); each zone
// is a schema in SQL, so `bronze.events` names a table of the lake. Every
// statement `loch sql`, pgwire and pipelines run goes through a session, so
// the Delta statement layer has one place to hook in.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "common/result.h"
#include "store/sql/database.h"

namespace loch::delta {
class SnapshotCache;
class PlanCache;
}

namespace loch::sql {

class SqlSession {
 public:
  static constexpr const char* kZones[] = {"bronze", "silver", "gold"};

  // Creates the lake directories if needed and opens an in-process DuckDB
  // with one schema per zone.
  static Result<std::unique_ptr<SqlSession>> open(const std::filesystem::path& data_dir);

  // Runs one statement, streaming its rows.
  Result<QueryResult> run(const std::string& statement);

  // Stops the statement running on this session (from another thread).
  void interrupt() { connection_.interrupt(); }

  const std::filesystem::path& data_dir() const { return data_dir_; }
  std::filesystem::path lake_dir() const { return data_dir_ / "lake"; }
  Connection& connection() { return connection_; }

 private:
  SqlSession(std::filesystem::path data_dir, std::unique_ptr<Database> database, Connection connection);

  std::filesystem::path data_dir_;
  std::unique_ptr<Database> database_;
  Connection connection_;
  // Delta snapshots reused between this session's statements.
  std::shared_ptr<delta::SnapshotCache> snapshots_;
  // Plans of recent queries over Delta tables (plan_cache.h); declared after
  // connection_ so that they are destroyed before it.
  std::shared_ptr<delta::PlanCache> plans_;
};

}  // namespace loch::sql
