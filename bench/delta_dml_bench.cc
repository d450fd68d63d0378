// delta_dml_bench: the two DML/maintenance benchmarks of issue 5, as ratios
// measured in one run:
//
//   merge    MERGE updating 1% of ROWS rows (every 100th id, so every file is
//            touched) on two identical tables: copy-on-write vs deletion
//            vectors (delta.enableDeletionVectors). Ratio: CoW time / DV time
//            (goal >= 5).
//   optimize 1,000 small appends, then a full scan (count + sum) before and
//            after OPTIMIZE. Ratio: scan time before / after.
//
// Each MERGE round runs on a fresh copy of the tables; the best round of each
// side counts, and the median of the rounds' own ratios is printed beside it
// (the machine may be shared and noisy).
//
// Usage: delta_dml_bench [DIR] [ROUNDS] [ROWS] [APPENDS]
//        (defaults ./delta-dml-bench-data, 3, 10000000, 1000; APPENDS 0 runs
//        the MERGE part only)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "store/sql/sql_session.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

void run(loch::sql::SqlSession& session, const std::string& sql) {
  auto result = session.run(sql);
  if (!result.is_ok()) {
    std::fprintf(stderr, "%s: %s\n", sql.substr(0, 120).c_str(), result.status().to_string().c_str());
    std::exit(1);
  }
  while (true) {
    auto chunk = result->next_chunk();
    if (!chunk.is_ok() || !*chunk) break;
  }
}

double timed(loch::sql::SqlSession& session, const std::string& sql) {
  const auto start = Clock::now();
  run(session, sql);
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::unique_ptr<loch::sql::SqlSession> open_session(const fs::path& dir) {
  auto session = loch::sql::SqlSession::open(dir);
  if (!session.is_ok()) {
    std::fprintf(stderr, "open %s: %s\n", dir.c_str(), session.status().to_string().c_str());
    std::exit(1);
  }
  return std::move(session).value();
}

}  // namespace

int main(int argc, char** argv) {
  const fs::path dir = argc > 1 ? argv[1] : "delta-dml-bench-data";
  const int rounds = std::max(1, argc > 2 ? std::atoi(argv[2]) : 3);
  const long rows = argc > 3 ? std::atol(argv[3]) : 10000000;
  const int appends = argc > 4 ? std::atoi(argv[4]) : 1000;
  fs::remove_all(dir);
  auto session = open_session(dir);

  // --- MERGE: copy-on-write vs deletion vectors ---------------------------
  const std::string rows_sql = "SELECT i AS id, i % 1000 AS k, 'name-' || i AS name, i * 0.5 AS amount, "
                               "DATE '2024-01-01' + (i % 365)::INT AS day FROM range(" + std::to_string(rows) + ") r(i)";
  const std::string columns = "(id BIGINT, k BIGINT, name STRING, amount DOUBLE, day DATE)";
  const std::string source = "(SELECT i AS id, -1 AS k FROM range(0, " + std::to_string(rows) + ", 100) r(i))";
  double best_cow = 1e300, best_dv = 1e300;
  std::vector<double> round_ratios;
  for (int round = 0; round < rounds; ++round) {
    run(*session, "DROP TABLE IF EXISTS bronze.cow");
    run(*session, "DROP TABLE IF EXISTS bronze.dv");
    run(*session, "CREATE TABLE bronze.cow " + columns + " TBLPROPERTIES ('delta.autoOptimize.autoCompact' = 'false')");
    run(*session, "CREATE TABLE bronze.dv " + columns +
                      " TBLPROPERTIES ('delta.enableDeletionVectors' = 'true', 'delta.autoOptimize.autoCompact' = 'false')");
    run(*session, "INSERT INTO bronze.cow " + rows_sql);
    run(*session, "INSERT INTO bronze.dv " + rows_sql);
    const std::string merge_tail = " t USING " + source +
                                   " s ON t.id = s.id WHEN MATCHED THEN UPDATE SET k = s.k";
    const double cow = timed(*session, "MERGE INTO bronze.cow" + merge_tail);
    const double dv = timed(*session, "MERGE INTO bronze.dv" + merge_tail);
    std::printf("merge round %d: copy-on-write %.3f s, deletion vectors %.3f s\n", round + 1, cow, dv);
    round_ratios.push_back(cow / dv);
    best_cow = std::min(best_cow, cow);
    best_dv = std::min(best_dv, dv);
  }
  std::sort(round_ratios.begin(), round_ratios.end());
  std::printf("MERGE updating 1%% of %ld rows: deletion vectors are %.2fx faster than copy-on-write (best rounds; "
              "median of the rounds' ratios %.2fx; goal >= 5)\n",
              rows, best_cow / best_dv, round_ratios[round_ratios.size() / 2]);
  run(*session, "DROP TABLE IF EXISTS bronze.cow");
  run(*session, "DROP TABLE IF EXISTS bronze.dv");
  if (appends <= 0) {
    session.reset();
    fs::remove_all(dir);
    return 0;
  }

  // --- 1,000 small appends, then OPTIMIZE ----------------------------------
  run(*session, "CREATE TABLE bronze.small (id BIGINT, v DOUBLE) TBLPROPERTIES ('delta.autoOptimize.autoCompact' = 'false')");
  const long per_append = 1000;
  for (int a = 0; a < appends; ++a) {
    run(*session, "INSERT INTO bronze.small SELECT i, i * 0.25 FROM range(" + std::to_string(a * per_append) + ", " +
                      std::to_string((a + 1) * per_append) + ") r(i)");
  }
  const std::string scan = "SELECT count(*), sum(v) FROM bronze.small";
  double before = 1e300, after = 1e300;
  for (int round = 0; round < rounds; ++round) before = std::min(before, timed(*session, scan));
  const double optimize = timed(*session, "OPTIMIZE bronze.small");
  for (int round = 0; round < rounds; ++round) after = std::min(after, timed(*session, scan));
  std::printf("scan of %d small appends: %.3f s before OPTIMIZE, %.3f s after (OPTIMIZE took %.3f s)\n", appends,
              before, after, optimize);
  std::printf("scan after OPTIMIZE is %.2fx faster than before\n", before / after);
  session.reset();
  fs::remove_all(dir);
  return 0;
}
