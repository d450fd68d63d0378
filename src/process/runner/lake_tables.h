// Stream-table joins: the transform SQL of a pipeline may name lake tables
// (`silver.customers`, `gold.revenue_per_minute`, `delta_scan('...')`) as
// `loch sql` does. Each micro-batch rewrites the SQL against the tables'
// newest Delta snapshots (store/delta/statement_layer.h), so a commit to a
// joined table is seen by the next batch, and a batch reads one consistent
// version of each table however long it runs.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "common/result.h"

namespace loch::sql {
class Connection;
}
namespace loch::delta {
class SnapshotCache;
}

namespace loch::runner {

class LakeTables {
 public:
  explicit LakeTables(std::filesystem::path lake_dir);
  ~LakeTables();
  LakeTables(const LakeTables&) = delete;
  LakeTables& operator=(const LakeTables&) = delete;

  // `sql` with its lake tables replaced by their current snapshots (the same
  // text when it names none). A table that does not exist yet is an error
  // naming it, not an empty table: its columns are unknown.
  Result<std::string> resolve(const std::string& sql, sql::Connection& connection);

 private:
  std::filesystem::path lake_dir_;
  // Snapshots of tables that did not change are reused between batches.
  std::unique_ptr<delta::SnapshotCache> snapshots_;
};

}  // namespace loch::runner
