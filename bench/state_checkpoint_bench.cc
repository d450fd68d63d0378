// state_checkpoint_bench: the cost of one operator-state checkpoint
// (EventTimeEngine::checkpoint into a StateStore) per micro-batch, written as
// a delta (the entries changed since the previous checkpoint) against the
// baseline of the same run: the whole state at every checkpoint, as before
// issue 9's incremental checkpoints.
//
// Workload (like silver_orders at 10,000 events/s with 1 s batches): batches
// of BATCH events with unique dedup ids, event time advancing 1 ms per event,
// dedup TTL TTL_S seconds of event time, so that the state grows to
// TTL_S * 1000 ids and then each batch adds BATCH ids and expires about as
// many. Each mode runs BATCHES batches in its own store; the mean checkpoint
// time over the second half (the steady state) is reported, with ratios to
// the whole-state mode. Modes: whole (flush), delta with log_size_for_flush
// 0 (every checkpoint flushes the memtable into an SST), delta copying the
// WAL below 16 MiB (StateStoreOptions::wal_copy_limit_bytes).
//
// Usage: state_checkpoint_bench [BATCHES] [BATCH] [TTL_S]   (default 60 10000 300)
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "process/pipeline/event_time_engine.h"

namespace {

using namespace loch::pipeline;
using loch::Status;
using loch::TableVersion;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

struct Mode {
  const char* name;
  bool whole;
  uint64_t wal_copy_limit_bytes;
};

double run(const Mode& mode, int batches, int batch, int ttl_s, size_t& state_size) {
  char pattern[] = "/tmp/loch-state-bench-XXXXXX";
  fs::path dir = mkdtemp(pattern);
  double steady_ms = 0;
  int steady_count = 0;
  {
    auto store = StateStore::open(dir, {.keep_older_checkpoints = 2, .wal_copy_limit_bytes = mode.wal_copy_limit_bytes});
    if (!store.is_ok()) {
      std::fprintf(stderr, "%s\n", store.status().to_string().c_str());
      std::exit(1);
    }
    EventTimeSpec spec;
    spec.watermark = {.allowed_lateness_ms = 1000, .idle_timeout_ms = 0};
    spec.dedup_ttl_ms = static_cast<TimestampMs>(ttl_s) * 1000;
    auto engine = EventTimeEngine::create(spec);
    SourcePartition partition{"orders", 0};
    engine->add_partition(partition, 0);
    int64_t sequence = 0;
    for (int b = 0; b < batches; ++b) {
      for (int i = 0; i < batch; ++i, ++sequence) {
        Event event;
        event.source = partition;
        event.event_time_ms = 1'700'000'000'000 + sequence;
        event.dedup_id = "order-" + std::to_string(sequence);
        engine->process(event, b * 1000);
      }
      engine->end_batch();
      if (mode.whole) engine->write_whole_next();
      auto start = Clock::now();
      Status status = engine->checkpoint(**store, TableVersion(b + 1));
      double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
      if (!status.is_ok()) {
        std::fprintf(stderr, "%s\n", status.to_string().c_str());
        std::exit(1);
      }
      if (b >= batches / 2) {
        steady_ms += ms;
        ++steady_count;
      }
    }
    state_size = engine->state_entries().size();
  }
  fs::remove_all(dir);
  return steady_ms / steady_count;
}

}  // namespace

int main(int argc, char** argv) {
  int batches = argc > 1 ? std::atoi(argv[1]) : 60;
  int batch = argc > 2 ? std::atoi(argv[2]) : 10'000;
  int ttl_s = argc > 3 ? std::atoi(argv[3]) : 300;
  const Mode modes[] = {{"whole state (baseline)", true, 0},
                        {"delta, flush memtable", false, 0},
                        {"delta, copy WAL < 16 MiB", false, 16u << 20}};
  std::printf("%d batches of %d events, dedup TTL %d s of event time (1 ms per event)\n", batches, batch, ttl_s);
  double baseline = 0;
  for (const Mode& mode : modes) {
    size_t state_size = 0;
    double ms = run(mode, batches, batch, ttl_s, state_size);
    if (mode.whole) baseline = ms;
    std::printf("%-26s %9.2f ms per checkpoint (second half)  %6.3fx baseline  state %zu entries\n", mode.name, ms,
                ms / baseline, state_size);
  }
  return 0;
}
