// PipelineHost: the pipelines of a project run inside a long-lived process
// (`loch serve --project DIR`), one thread each, started and stopped by name
// and reported on while they run (doc/pipelines.md, "Operations").
//
// Each pipeline is run by runner::run_pipeline with the host's RunOptions
// and its own stop flag; its batch reports feed the status and metrics
// below. A run ends when its trigger says so (available-now), when it is
// stopped (between two batches: a batch in progress is committed or not at
// all), or on an error: the pipeline is then `failed` with that error and
// retried after a pause (1 s, doubling up to 30 s) until it is stopped.
// Starting a running pipeline, or stopping a stopped
// one, changes nothing. The flock of a run (<data-dir>/state/<name>.lock)
// keeps `loch pipeline run` / `replay` of another process off it.
//
// A stopped pipeline can also be backfilled (pipeline_backfill.h) in its
// thread: it shows `backfilling` with the progress until the range is done,
// then `stopped` again.
//
// Threading: every method may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "process/host/input_rate.h"
#include "process/host/pipeline_backfill.h"
#include "process/host/pipeline_replay.h"
#include "process/pipeline/pipeline_definition.h"
#include "process/runner/pipeline_runner.h"

namespace loch::host {

enum class PipelineState { kStopped, kRunning, kFailed, kBackfilling };
const char* state_name(PipelineState state);

struct PartitionLag {
  pipeline::SourcePartition partition;
  int64_t next_offset = 0;     // committed by the last batch
  int64_t high_watermark = 0;  // the partition's end, as the source last saw it
  int64_t lag() const { return high_watermark > next_offset ? high_watermark - next_offset : 0; }
};

// The last backfill run by the host: records counted by offsets
// (backfill_progress.h).
struct BackfillStatus {
  int64_t done = 0;
  int64_t total = 0;
  int64_t started_at_ms = 0;  // epoch ms
  int64_t elapsed_ms = 0;     // up to its last batch (or its end)
  bool finished = false;      // it read its whole range and the pipeline is back where it was
};

// A pipeline as the API and `loch pipeline status` show it. Counters are
// totals since the host started; the rest describes the last batch.
struct PipelineStatus {
  std::string name;
  std::string topics;  // comma-separated
  std::string sink;    // zone.table
  PipelineState state = PipelineState::kStopped;
  std::string last_error;
  int64_t started_at_ms = 0;  // epoch ms of the last start, 0 never
  int64_t restarts = 0;       // runs retried after a failure
  int64_t batches = 0;
  int64_t records = 0;
  int64_t rows = 0;
  int64_t late = 0;
  int64_t duplicates = 0;
  int64_t poison = 0;
  double input_rate = 0;              // records/s over the last 30 s
  int64_t last_batch_duration_ms = -1;
  int64_t last_batch_at_ms = 0;       // epoch ms, 0 none yet
  int64_t version = -1;               // the sink table's version after the last batch
  pipeline::TimestampMs watermark_ms = pipeline::kNoTimestamp;
  std::vector<PartitionLag> partitions;
  std::optional<BackfillStatus> backfill;

  int64_t total_lag() const;
};

// Folds one batch report into a status (the counters, lag, version...).
void apply_batch_report(PipelineStatus& status, const runner::BatchReport& report, int64_t now_epoch_ms);

class PipelineHost {
 public:
  // `options` is the base of every run (data dir, bootstrap, properties);
  // its on_batch and stop are the host's own.
  PipelineHost(std::vector<pipeline::PipelineDefinition> pipelines, runner::RunOptions options);
  ~PipelineHost();
  PipelineHost(const PipelineHost&) = delete;
  PipelineHost& operator=(const PipelineHost&) = delete;

  // NotFound for a name the project does not have.
  Status start(const std::string& name);
  // Waits until the run has ended (at most one batch).
  Status stop(const std::string& name);
  // Replays a stopped pipeline (pipeline_replay.h) with the host's options;
  // Conflict while it runs.
  Result<ReplayOutcome> replay(const std::string& name, const ReplayFrom& from);
  // Starts a backfill of a stopped pipeline over [from, to) in its thread
  // (times in epoch ms; without them, from where it is to the topics' end
  // now) and returns its range; Conflict while it runs or backfills.
  Result<BackfillRange> backfill(const std::string& name, std::optional<int64_t> from_time_ms,
                                 std::optional<int64_t> to_time_ms);
  // Starts those whose definition says autostart (the default).
  void start_autostart();
  void stop_all();

  std::vector<PipelineStatus> status() const;
  Result<PipelineStatus> status(const std::string& name) const;
  // A pipeline's definition, NotFound when there is none.
  Result<pipeline::PipelineDefinition> definition(const std::string& name) const;
  const runner::RunOptions& options() const { return options_; }

 private:
  struct Slot;
  Slot* find(const std::string& name) const;
  void run(Slot& slot);
  void run_backfill(Slot& slot, const BackfillRange& range);
  // Conflict unless the pipeline is stopped (or failed, or done); joins the
  // thread of a run that ended by itself. The caller holds slot.control.
  Status claim_stopped(Slot& slot);

  runner::RunOptions options_;
  std::vector<std::unique_ptr<Slot>> slots_;
};

}  // namespace loch::host
