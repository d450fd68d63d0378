// PlanCache: the prepared form (parsed, bound, optimised) of a session's
// recent queries over Delta tables, reused when the same rewritten text
// runs again.
//
// A rewritten delta_scan names its data files, their partition values and
// deleted rows literally, and Delta data files are immutable, so the same
// text reads the same rows whatever version it came from; a new commit
// that changes the table's files changes the text. Parsing and binding the
// text is what a small scan costs beyond plain read_parquet (about 0.3 ms
// for 64 files), so a dashboard re-running a query skips it. DuckDB itself
// rebinds a prepared plan when the catalog it read changed (tables, views).
//
// Only plain SELECT / WITH queries are kept, and none that reads files
// other than through Delta (read_csv(...), FROM 'file.parquet', glob(...)):
// such a binding would remember a file that may have changed.
#pragma once

#include <list>
#include <string>
#include <utility>

#include "common/result.h"
#include "store/sql/database.h"

namespace loch::delta {

class PlanCache {
 public:
  explicit PlanCache(size_t capacity = 16) : capacity_(capacity) {}

  // Whether a plan of `statement` (as the user wrote it) may be kept.
  static bool cacheable(const std::string& statement);

  // Runs `rewritten` (the statement layer's output for `statement`),
  // streaming its rows; from a kept plan when there is one.
  Result<sql::QueryResult> stream(sql::Connection& connection, const std::string& statement,
                                  const std::string& rewritten);

  size_t size() const { return entries_.size(); }
  size_t hits() const { return hits_; }

 private:
  size_t capacity_;
  size_t hits_ = 0;
  std::list<std::pair<std::string, sql::PreparedStatement>> entries_;  // most recently used first
};

}  // namespace loch::delta
