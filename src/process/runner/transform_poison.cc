#include "process/runner/transform_poison.h"

#include <algorithm>

namespace loch::runner {
namespace {

// The batch's rows, in the order rowid numbers them, while the transform is
// bisected; the range of them staged as `batch`.
constexpr const char* kRows = "transform_probe_rows";
constexpr const char* kSubset = "transform_probe_subset";

class Bisection {
 public:
  Bisection(sql::Connection& connection, const std::string& query) : connection_(connection), query_(query) {}

  // Runs the transform over rows [begin, end); its error, if any.
  Status run_on(int64_t begin, int64_t end) {
    LOCH_RETURN_IF_ERROR(connection_.execute("CREATE OR REPLACE TABLE " + std::string(kSubset) + " AS SELECT * FROM " +
                                             kRows + " WHERE rowid >= " + std::to_string(begin) + " AND rowid < " +
                                             std::to_string(end)));
    return connection_.execute(query_);
  }

  // Rows [begin, end) fail with `error`: finds the single rows that fail.
  Status isolate(int64_t begin, int64_t end, const std::string& error) {
    if (end - begin == 1) return record_failure(begin, error);
    const int64_t middle = begin + (end - begin) / 2;
    bool any_half_failed = false;
    for (auto [from, to] : {std::pair{begin, middle}, std::pair{middle, end}}) {
      Status status = run_on(from, to);
      if (status.is_ok()) continue;
      any_half_failed = true;
      LOCH_RETURN_IF_ERROR(isolate(from, to, status.message()));
    }
    if (!any_half_failed) {
      return Status::invalid_argument("the transform fails on " + std::to_string(end - begin) +
                                      " records together but on none of them alone (not sent to the DLQ): " + error);
    }
    return Status::ok();
  }

  std::vector<TransformFailure> failures;
  std::vector<int64_t> failed_rows;

 private:
  Status record_failure(int64_t row, const std::string& error) {
    LOCH_ASSIGN_OR_RETURN(auto result, connection_.query("SELECT CAST(_topic AS VARCHAR), CAST(_partition AS INTEGER), "
                                                         "CAST(_offset AS BIGINT) FROM " + std::string(kRows) +
                                                         " WHERE rowid = " + std::to_string(row)));
    LOCH_ASSIGN_OR_RETURN(auto chunk, result.next_chunk());
    if (!chunk || chunk->size() != 1) return Status::internal("staged row " + std::to_string(row) + " not found");
    TransformFailure failure;
    failure.topic = std::string(chunk->column(0).string_at(0));
    failure.partition = chunk->column(1).values<int32_t>()[0];
    failure.offset = chunk->column(2).values<int64_t>()[0];
    failure.error = error;
    failures.push_back(std::move(failure));
    failed_rows.push_back(row);
    return Status::ok();
  }

  sql::Connection& connection_;
  const std::string& query_;
};

}  // namespace

Result<std::vector<TransformFailure>> run_transform_isolating_failures(sql::Connection& connection,
                                                                       const std::string& query,
                                                                       const std::string& into) {
  const std::string create_output = "CREATE OR REPLACE TABLE " + into + " AS " + query;
  Status first = connection.execute(create_output);
  if (first.is_ok()) return std::vector<TransformFailure>{};

  // `batch` is redefined over a copy of its rows, a range of them at a time.
  LOCH_RETURN_IF_ERROR(connection.execute("CREATE OR REPLACE TABLE " + std::string(kRows) + " AS SELECT * FROM batch"));
  LOCH_RETURN_IF_ERROR(connection.execute("CREATE OR REPLACE TABLE " + std::string(kSubset) + " AS SELECT * FROM " +
                                          kRows + " LIMIT 0"));
  LOCH_RETURN_IF_ERROR(
      connection.execute("CREATE OR REPLACE VIEW batch AS SELECT * FROM " + std::string(kSubset)));
  Bisection bisection(connection, query);
  Status on_no_rows = bisection.run_on(0, 0);
  if (!on_no_rows.is_ok()) return first;  // not about the records
  LOCH_ASSIGN_OR_RETURN(auto counted, connection.query("SELECT count(*) FROM " + std::string(kRows)));
  LOCH_ASSIGN_OR_RETURN(auto chunk, counted.next_chunk());
  const int64_t rows = chunk ? chunk->column(0).values<int64_t>()[0] : 0;
  if (rows == 0) return first;
  LOCH_RETURN_IF_ERROR(bisection.isolate(0, rows, first.message()));

  // The batch without the failed records, transformed.
  std::string failed;
  for (int64_t row : bisection.failed_rows) failed += (failed.empty() ? "" : ",") + std::to_string(row);
  LOCH_RETURN_IF_ERROR(connection.execute("CREATE OR REPLACE TABLE " + std::string(kSubset) + " AS SELECT * FROM " +
                                          kRows + " WHERE rowid NOT IN (" + failed + ")"));
  // The copy of the whole batch is not needed any more (`batch` reads the kept rows).
  LOCH_RETURN_IF_ERROR(connection.execute("DROP TABLE " + std::string(kRows)));
  Status rest = connection.execute(create_output);
  if (!rest.is_ok()) {
    return rest.with_context("the transform still fails without the " + std::to_string(bisection.failures.size()) +
                             " records it fails on alone");
  }
  return std::move(bisection.failures);
}

}  // namespace loch::runner
