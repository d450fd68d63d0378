// delta_bench: the cost of reading through loch's Delta layer, as ratios
// against baselines measured in the same run (issue 4):
//
//   scan       SELECT count(*), sum(value) FROM delta_scan(t)   vs the same
//              query on read_parquet over the same files (goal >= 0.95)
//   filtered   a selective WHERE on a data column and on the partition
//              column: delta_scan with file skipping vs read_parquet, and
//              vs delta_scan with skipping defeated (the pruning speed-up)
//   snapshot   Snapshot::load of a table with 1,000 commits, checkpoints
//              every 100 versions and 10,000 files, vs merely reading the
//              bytes of the same log files
//
// Tables are generated under DIR (Parquet written by DuckDB, logs written
// by this program following PROTOCOL.md). Rounds alternate the contenders;
// the median round of each counts (the machine may be shared and noisy).
// delta_scan statements are rewritten with a SnapshotCache and run through
// a PlanCache, as in a `loch sql` session (one row also without the latter).
//
// Usage: delta_bench [DIR] [ROUNDS] [ROWS_PER_FILE]
//        (DIR default ./delta-bench-data, ROUNDS 5, ROWS_PER_FILE 100000: 64 files)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "store/delta/file_paths.h"
#include "store/delta/file_schemas.h"
#include "store/delta/plan_cache.h"
#include "store/delta/snapshot.h"
#include "store/delta/snapshot_cache.h"
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

std::string commit_name(int64_t version) {
  char name[32];
  std::snprintf(name, sizeof name, "%020lld.json", static_cast<long long>(version));
  return name;
}

const char* kSchema =
    R"({\"type\":\"struct\",\"fields\":[{\"name\":\"id\",\"type\":\"long\",\"nullable\":true,\"metadata\":{}},)"
    R"({\"name\":\"part\",\"type\":\"integer\",\"nullable\":true,\"metadata\":{}},)"
    R"({\"name\":\"value\",\"type\":\"double\",\"nullable\":true,\"metadata\":{}},)"
    R"({\"name\":\"name\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}}]})";

std::string protocol_and_metadata() {
  return std::string(R"({"protocol":{"minReaderVersion":1,"minWriterVersion":2}})") + "\n" +
         R"({"metaData":{"id":"bench","format":{"provider":"parquet","options":{}},"schemaString":")" + kSchema +
         R"(","partitionColumns":["part"],"configuration":{},"createdTime":0}})" + "\n";
}

std::string add_line(const std::string& path, int part, int64_t min_id, int64_t max_id, int64_t rows) {
  std::ostringstream line;
  line << R"({"add":{"path":")" << path << R"(","partitionValues":{"part":")" << part
       << R"("},"size":1,"modificationTime":0,"dataChange":true,"stats":"{\"numRecords\":)" << rows
       << R"(,\"minValues\":{\"id\":)" << min_id << R"(},\"maxValues\":{\"id\":)" << max_id
       << R"(},\"nullCount\":{\"id\":0}}"}})";
  return line.str();
}

// A partitioned table of `files` Parquet files of `rows_per_file` rows,
// ids ascending across files, written in one commit.
std::vector<std::string> make_scan_table(loch::sql::Connection& connection, const fs::path& root, int files,
                                         int64_t rows_per_file) {
  fs::remove_all(root);
  fs::create_directories(root / "_delta_log");
  std::string log = protocol_and_metadata();
  std::vector<std::string> paths;
  for (int f = 0; f < files; ++f) {
    const int part = f % 8;
    const std::string relative = "part=" + std::to_string(part) + "/file-" + std::to_string(f) + ".parquet";
    fs::create_directories(root / ("part=" + std::to_string(part)));
    const int64_t first = f * rows_per_file;
    check(connection.execute("COPY (SELECT " + std::to_string(first) + " + i AS id, random() AS value, 'name-' || (i % 1000) AS name "
                             "FROM range(" + std::to_string(rows_per_file) + ") t(i)) TO " +
                             sql_string_literal((root / relative).string()) + " (FORMAT parquet)"),
          "write data file");
    log += add_line(relative, part, first, first + rows_per_file - 1, rows_per_file) + "\n";
    paths.push_back((root / relative).string());
  }
  std::ofstream(root / "_delta_log" / commit_name(0)) << log;
  return paths;
}

// 1,000 commits of 10 adds each (the files need not exist: only the log is
// read), a checkpoint every 100 versions written as Parquet by DuckDB.
void make_log_table(loch::sql::Connection& connection, const fs::path& root) {
  fs::remove_all(root);
  fs::create_directories(root / "_delta_log");
  std::vector<std::string> live;
  for (int64_t version = 0; version < 1000; ++version) {
    std::string log = version == 0 ? protocol_and_metadata() : "";
    log += R"({"commitInfo":{"timestamp":)" + std::to_string(1700000000000 + version) + R"(,"operation":"WRITE"}})" "\n";
    for (int f = 0; f < 10; ++f) {
      const int64_t n = version * 10 + f;
      std::string line = add_line("part=" + std::to_string(n % 8) + "/f-" + std::to_string(n) + ".parquet",
                                  static_cast<int>(n % 8), n * 100, n * 100 + 99, 100);
      log += line + "\n";
      live.push_back(line);
    }
    std::ofstream(root / "_delta_log" / commit_name(version)) << log;
    if (version > 0 && version % 100 == 0) {
      const fs::path actions = root / "checkpoint-actions.json";
      std::ofstream(actions) << protocol_and_metadata() << [&] {
        std::string all;
        for (const auto& line : live) all += line + "\n";
        return all;
      }();
      char name[64];
      std::snprintf(name, sizeof name, "%020lld.checkpoint.parquet", static_cast<long long>(version));
      check(connection.execute("COPY (SELECT * FROM read_json(" + sql_string_literal(actions.string()) +
                               ", format = 'newline_delimited', sample_size = -1)) TO " +
                               sql_string_literal((root / "_delta_log" / name).string()) + " (FORMAT parquet)"),
            "write checkpoint");
      fs::remove(actions);
    }
  }
}

double seconds_of(const std::function<void()>& work) {
  auto start = Clock::now();
  work();
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void drain(loch::Result<loch::sql::QueryResult>& result, const std::string& sql) {
  check(result.status(), sql.substr(0, 80).c_str());
  while (true) {
    auto chunk = result->next_chunk();
    check(chunk.status(), "fetch");
    if (!*chunk) break;
  }
}

void run_query(loch::sql::Connection& connection, const std::string& sql) {
  auto result = connection.query(sql);
  check(result.status(), sql.substr(0, 80).c_str());
  while (true) {
    auto chunk = result->next_chunk();
    check(chunk.status(), "fetch");
    if (!*chunk) break;
  }
}

struct Pair {
  double loch = 1e30;
  double baseline = 1e30;
};

double median(std::vector<double> times) {
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

// Alternates the two contenders for `rounds` rounds (after one warm-up
// round each); the median of each.
Pair race(int rounds, const std::function<void()>& loch_side, const std::function<void()>& baseline_side) {
  baseline_side();
  loch_side();
  std::vector<double> baseline, loch;
  for (int r = 0; r < rounds; ++r) {
    // Which side goes first alternates too: the second of two back-to-back
    // scans may find the machine in a different state.
    if (r % 2 == 0) {
      baseline.push_back(seconds_of(baseline_side));
      loch.push_back(seconds_of(loch_side));
    } else {
      loch.push_back(seconds_of(loch_side));
      baseline.push_back(seconds_of(baseline_side));
    }
  }
  return Pair{median(loch), median(baseline)};
}

}  // namespace

int main(int argc, char** argv) {
  const fs::path dir = argc > 1 ? fs::path(argv[1]) : fs::path("delta-bench-data");
  const int rounds = std::max(1, argc > 2 ? std::atoi(argv[2]) : 5);
  const int64_t rows_per_file = std::max<int64_t>(1000, argc > 3 ? std::atoll(argv[3]) : 100000);
  auto database = loch::sql::Database::open(":memory:");
  check(database.status(), "open DuckDB");
  auto connection = (*database)->connect();
  check(connection.status(), "connect");
  loch::sql::Connection& c = *connection;
  // As in SqlSession: footers cached across statements, for both sides.
  check(c.execute("SET parquet_metadata_cache = true"), "configure");

  std::printf("medians of %d rounds\n", rounds);
  std::printf("generating tables under %s ...\n", dir.string().c_str());
  const fs::path scan_root = fs::absolute(dir / "scan_table");
  auto files = make_scan_table(c, scan_root, 64, rows_per_file);
  std::string file_list = "[";
  for (size_t i = 0; i < files.size(); ++i) file_list += (i ? ", " : "") + sql_string_literal(files[i]);
  file_list += "]";
  const std::string parquet = "read_parquet(" + file_list + ", hive_partitioning = false)";
  const std::string delta = "delta_scan(" + sql_string_literal(scan_root.string()) + ")";
  loch::delta::SnapshotCache snapshots;
  auto rewrite = [&](const std::string& sql) {
    auto rewritten = loch::delta::rewrite_delta_statement(sql, dir, c, &snapshots);
    check(rewritten.status(), "rewrite");
    return *rewritten;
  };

  // As a `loch sql` session runs a statement: rewritten, then from the
  // session's plan cache (plan_cache.h).
  loch::delta::PlanCache plans;
  auto run_delta = [&](const std::string& sql) {
    auto result = plans.stream(c, sql, rewrite(sql));
    drain(result, sql);
  };

  const std::string title = "query (64 files, " + std::to_string(64 * rows_per_file) + " rows)";
  std::printf("\n%-58s %10s %10s %8s\n", title.c_str(), "loch s", "base s", "ratio");
  auto report = [](const char* name, const Pair& p, const char* baseline_name) {
    std::printf("%-58s %10.4f %10.4f %8.2f  (%s time / loch time)\n", name, p.loch, p.baseline, p.baseline / p.loch,
                baseline_name);
  };
  // The rewrite (snapshot load + SQL build) is part of delta_scan's cost.
  const std::string full = "SELECT count(*), sum(value) FROM ";
  auto stream_parquet = [&](const std::string& sql) {
    auto result = c.stream(sql);
    drain(result, sql);
  };
  // loch sql streams every result (DuckDB's streaming costs ~0.5 ms more on
  // this query than a materialised result): the like-for-like baseline.
  report("full scan: delta_scan vs read_parquet, both streamed",
         race(rounds, [&] { run_delta(full + delta); }, [&] { stream_parquet(full + parquet); }), "read_parquet");
  report("  delta_scan streamed vs read_parquet materialised",
         race(rounds, [&] { run_delta(full + delta); }, [&] { run_query(c, full + parquet); }), "read_parquet");
  report("  both materialised, delta_scan without plan cache",
         race(rounds, [&] { run_query(c, rewrite(full + delta)); }, [&] { run_query(c, full + parquet); }),
         "read_parquet");
  {
    // How much of delta_scan's time is the statement layer (snapshot load,
    // footers, SQL), as opposed to DuckDB running the query.
    std::vector<double> times;
    for (int r = 0; r < rounds; ++r) times.push_back(seconds_of([&] { rewrite(full + delta); }));
    std::printf("%-58s %10.4f\n", "  of which the statement layer (load + plan)", median(times));
    const std::string prepared = rewrite(full + delta);
    report("  the rewritten query alone vs read_parquet",
           race(rounds, [&] { run_query(c, prepared); }, [&] { run_query(c, full + parquet); }), "read_parquet");
  }
  {
    // A query's first run in a new session (a new `loch sql` process): a new
    // database (no Parquet footers cached), no snapshot, no plan, no file
    // schemas remembered, vs read_parquet's first run in a new database. The
    // OS page cache is warm for both. Opening the database is not timed.
    auto fresh = [&](const std::function<void(loch::sql::Connection&)>& work) {
      auto db = loch::sql::Database::open(":memory:");
      check(db.status(), "open DuckDB");
      auto conn = (*db)->connect();
      check(conn.status(), "connect");
      check(conn->execute("SET parquet_metadata_cache = true"), "configure");
      return seconds_of([&] { work(*conn); });
    };
    // Three times the rounds: one cold run is short and noisy.
    std::vector<double> loch_times, base_times, layer_times;
    for (int r = 0; r < 3 * rounds; ++r) {
      auto delta_side = [&] {
        loch::delta::forget_file_schemas();
        double layer = 0;
        loch_times.push_back(fresh([&](loch::sql::Connection& conn) {
          loch::delta::SnapshotCache first_snapshots;
          loch::delta::PlanCache first_plans;
          std::string rewritten;
          layer = seconds_of([&] {
            auto result = loch::delta::rewrite_delta_statement(full + delta, dir, conn, &first_snapshots);
            check(result.status(), "rewrite");
            rewritten = *result;
          });
          auto result = first_plans.stream(conn, full + delta, rewritten);
          drain(result, full);
        }));
        layer_times.push_back(layer);
      };
      auto base_side = [&] {
        base_times.push_back(fresh([&](loch::sql::Connection& conn) {
          auto result = conn.stream(full + parquet);
          drain(result, full);
        }));
      };
      if (r % 2 == 0) {
        base_side();
        delta_side();
      } else {
        delta_side();
        base_side();
      }
    }
    report("first run in a new session: delta_scan vs read_parquet", Pair{median(loch_times), median(base_times)},
           "read_parquet");
    std::printf("%-58s %10.4f\n", "  of which the statement layer (load + plan)", median(layer_times));
  }
  // Ids ascend across files: this keeps the first file and half the second.
  const std::string by_id = " WHERE id < " + std::to_string(rows_per_file * 3 / 2);
  report("id < 1.5 files: delta_scan (skipping) vs read_parquet",
         race(rounds, [&] { run_delta(full + delta + by_id); }, [&] { stream_parquet(full + parquet + by_id); }),
         "read_parquet");
  report("id < 1.5 files: delta_scan skipping vs no skipping",
         race(rounds, [&] { run_delta(full + delta + by_id); },
              [&] { run_delta(full + "(SELECT * FROM " + delta + ")" + by_id); }),
         "unpruned delta_scan");
  const std::string by_part = " WHERE part = 3";
  report("part = 3: delta_scan (partition pruning) vs read_parquet + path filter",
         race(rounds, [&] { run_delta(full + delta + by_part); },
              [&] { stream_parquet(full + "read_parquet(" + file_list + ", hive_partitioning = true) WHERE part = 3"); }),
         "read_parquet hive");
  report("part = 3: delta_scan skipping vs no skipping",
         race(rounds, [&] { run_delta(full + delta + by_part); },
              [&] { run_delta(full + "(SELECT * FROM " + delta + ")" + by_part); }),
         "unpruned delta_scan");

  const fs::path log_root = fs::absolute(dir / "log_table");
  make_log_table(c, log_root);
  // The files the latest snapshot reads: checkpoint 900 and commits 901..999.
  std::vector<fs::path> log_files = {log_root / "_delta_log" / "00000000000000000900.checkpoint.parquet"};
  for (int64_t v = 901; v < 1000; ++v) log_files.push_back(log_root / "_delta_log" / commit_name(v));
  size_t live_files = 0;
  Pair load = race(
      rounds,
      [&] {
        auto snapshot = loch::delta::Snapshot::load(log_root, c);
        check(snapshot.status(), "snapshot");
        live_files = snapshot->files().size();
      },
      [&] {
        std::string buffer;
        for (const auto& path : log_files) {
          std::ifstream in(path, std::ios::binary);
          std::stringstream bytes;
          bytes << in.rdbuf();
          buffer = bytes.str();
        }
      });
  std::vector<double> checkpoint_times;
  for (int r = 0; r < rounds; ++r) {
    checkpoint_times.push_back(seconds_of([&] {
      run_query(c, "SELECT CAST(to_json(t) AS VARCHAR) FROM read_parquet(" + sql_string_literal(log_files[0].string()) +
                       ") AS t");
    }));
  }
  const double checkpoint_query = median(checkpoint_times);
  std::printf("\nsnapshot load, 1000 commits, checkpoint every 100, %zu live files:\n", live_files);
  std::printf("  load %.4f s, read the same %zu log files' bytes %.4f s: load is %.1fx the raw read\n", load.loch,
              log_files.size(), load.baseline, load.loch / load.baseline);
  std::printf("  of which DuckDB rendering the checkpoint's rows as JSON: %.4f s\n", checkpoint_query);
  loch::delta::SnapshotCache cache;
  check(cache.load(log_root, c).status(), "cache");
  std::vector<double> cached_times;
  for (int r = 0; r < rounds; ++r) {
    cached_times.push_back(seconds_of([&] { check(cache.load(log_root, c).status(), "cache"); }));
  }
  const double cached = median(cached_times);
  std::printf("  again in a session (SnapshotCache: list + stat, no replay): %.4f s, %.1fx the raw read\n", cached,
              cached / load.baseline);
  return 0;
}
