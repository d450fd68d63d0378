// delta_write_bench: the cost of appending to a Delta table through loch,
// as a ratio against DuckDB writing the same rows to Parquet in the same
// process (issue 5, goal >= 0.9):
//
//   append   INSERT INTO a Delta table of 10M rows x 5 columns (loch's
//            statement layer: Parquet files via DuckDB, stats, commit)
//   baseline COPY (the same SELECT) TO 'file.parquet' (FORMAT parquet)
//
// Rounds alternate the two; the best round of each counts. The ratio is
// baseline time / append time (1.0 = as fast as a bare COPY).
//
// Usage: delta_write_bench [DIR] [ROUNDS] [ROWS]
//        (defaults ./delta-write-bench-data, 3, 10000000)
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "store/delta/file_paths.h"
#include "store/delta/statement_layer.h"
#include "store/sql/database.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using loch::delta::sql_string_literal;

void check(const loch::Status& status, const char* what) {
  if (!status.is_ok()) {
    std::fprintf(stderr, "%s: %s\n", what, status.to_string().c_str());
    std::exit(1);
  }
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  const fs::path dir = argc > 1 ? argv[1] : "delta-write-bench-data";
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 3;
  const long long rows = argc > 3 ? std::atoll(argv[3]) : 10'000'000;
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto database = loch::sql::Database::open(":memory:");
  check(database.status(), "open DuckDB");
  auto connected = (*database)->connect();
  check(connected.status(), "connect");
  loch::sql::Connection& connection = *connected;

  // Five columns of the types the Delta table declares, so neither side casts.
  const std::string select =
      "SELECT i::BIGINT AS id, (i % 1000)::INTEGER AS k, 'name-' || (i % 10000) AS name, i * 0.5 AS amount, "
      "to_timestamp(1700000000 + i) AS ts FROM range(" + std::to_string(rows) + ") r(i)";
  double best_append = 1e300, best_copy = 1e300;
  for (int round = 0; round < rounds; ++round) {
    const fs::path table = dir / ("table_" + std::to_string(round));
    auto created = loch::delta::rewrite_delta_statement(
        "CREATE TABLE " + sql_string_literal(table.string()) +
            " (id BIGINT, k INT, name STRING, amount DOUBLE, ts TIMESTAMP) USING DELTA",
        dir, connection);
    check(created.status(), "create table");
    check(connection.execute(*created), "create table result");

    auto start = Clock::now();
    auto insert = loch::delta::rewrite_delta_statement(
        "INSERT INTO " + sql_string_literal(table.string()) + " " + select, dir, connection);
    check(insert.status(), "append");
    const double append = seconds_since(start);
    best_append = std::min(best_append, append);

    const fs::path file = dir / ("copy_" + std::to_string(round) + ".parquet");
    start = Clock::now();
    check(connection.execute("COPY (" + select + ") TO " + sql_string_literal(file.string()) + " (FORMAT parquet)"),
          "copy");
    const double copy = seconds_since(start);
    best_copy = std::min(best_copy, copy);
    std::printf("round %d: loch append %.3f s, DuckDB COPY %.3f s\n", round + 1, append, copy);
    fs::remove_all(table);
    fs::remove(file);
  }
  std::printf("append %lld rows x 5 columns: loch %.3f s, DuckDB COPY TO parquet %.3f s, ratio %.2f (goal >= 0.90)\n",
              rows, best_append, best_copy, best_copy / best_append);
  return 0;
}
