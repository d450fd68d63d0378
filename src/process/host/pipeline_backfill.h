// Backfilling a pipeline: running it over a range of its topics and
// stopping (doc/pipelines.md, "Operations"), by `loch pipeline backfill`
// on a data directory or by `loch serve` (POST .../backfill).
//
//   1. prepare_backfill: with a start time, the pipeline is replayed there
//      first (pipeline_replay.h); the range ends at the end time's offsets
//      (each partition's first record at or after it), else at the topics'
//      end now.
//   2. The pipeline runs with trigger available-now and RunOptions::stop_at
//      = the range's end: each partition is read up to it exactly.
//   3. put_back_after_backfill: a partition the pipeline had already read
//      past the range's end before the backfill is put back there (a
//      replay to those offsets), so the pipeline then goes on where it was.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "common/result.h"
#include "process/host/pipeline_replay.h"

namespace loch::host {

struct BackfillRange {
  runner::Offsets before;  // where the pipeline was (empty without a start time: it starts there)
  runner::Offsets start;
  runner::Offsets end;
};

Result<BackfillRange> prepare_backfill(const pipeline::PipelineDefinition& definition,
                                       const runner::RunOptions& options, std::optional<int64_t> from_time_ms,
                                       std::optional<int64_t> to_time_ms);

// `reached`: each partition's next offset when the backfill ended. The
// replay that put the pipeline back, if one was needed.
Result<std::optional<ReplayOutcome>> put_back_after_backfill(const pipeline::PipelineDefinition& definition,
                                                             const runner::RunOptions& options,
                                                             const BackfillRange& range,
                                                             const runner::Offsets& reached);

struct BackfillRun {
  runner::Offsets reached;                // each partition's next offset when the run ended
  bool finished = false;                  // the whole range was read (and the pipeline put back)
  std::optional<ReplayOutcome> put_back;  // the replay that put it back, if one was needed
};

// Steps 2 and 3: runs the pipeline over `range` with `options` (its stop
// flag and data directory; trigger, stop_at and on_batch are set here),
// calling `on_batch` with each commit's report and the offsets reached so
// far, then puts the pipeline back once the whole range is read. A run
// stopped or interrupted before that is not finished and not put back.
using BackfillBatch = std::function<void(const runner::BatchReport& report, const runner::Offsets& reached)>;
Result<BackfillRun> run_backfill(const pipeline::PipelineDefinition& definition, runner::RunOptions options,
                                 const BackfillRange& range, const BackfillBatch& on_batch);

}  // namespace loch::host
