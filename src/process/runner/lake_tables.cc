#include "process/runner/lake_tables.h"

#include "store/delta/snapshot_cache.h"
#include "store/delta/statement_layer.h"
#include "store/sql/database.h"

namespace loch::runner {

LakeTables::LakeTables(std::filesystem::path lake_dir)
    : lake_dir_(std::move(lake_dir)), snapshots_(std::make_unique<delta::SnapshotCache>()) {}

LakeTables::~LakeTables() = default;

Result<std::string> LakeTables::resolve(const std::string& sql, sql::Connection& connection) {
  auto rewritten = delta::rewrite_delta_statement(sql, lake_dir_, connection, snapshots_.get());
  if (!rewritten.is_ok()) return rewritten.status().with_context("transform SQL: reading the lake tables it names");
  return rewritten;
}

}  // namespace loch::runner
