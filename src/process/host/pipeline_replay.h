// Replaying a pipeline from an earlier (or later) position of its topics
// (doc/pipelines.md, "Operations"). The offsets a pipeline resumes from are
// the `txn` actions of its sink table, so a replay is one Delta commit of
// the new start offsets as txn actions (no data) on the main table; the
// next run of the pipeline starts there:
//
//   - an append sink gets the records from there again (the table then
//     holds them twice); merge and scd2 sinks are idempotent by _lsn;
//   - the _late and _dlq tables keep their own offsets, so they hold each
//     record once;
//   - an event-time pipeline starts with empty state (windows, watermark,
//     dedup keys), checkpointed under the replay's version, so windows are
//     computed again from the replayed events.
//
// It takes the pipeline's lock (<data-dir>/state/<name>.lock): a running
// pipeline, in this process or another (`loch serve`), refuses it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>

#include "common/result.h"
#include "process/pipeline/pipeline_definition.h"
#include "process/runner/pipeline_runner.h"

namespace loch::host {

struct ReplayFrom {
  std::optional<int64_t> offset;   // every partition at this offset (clamped to what the topic holds)
  std::optional<int64_t> time_ms;  // the first record at or after this time, per partition
  runner::Offsets exact;           // else these offsets (backfill puts a pipeline back with them)
};

struct ReplayOutcome {
  runner::Offsets previous;  // where the pipeline would have resumed
  runner::Offsets start;     // where it resumes now
  int64_t version = -1;      // the commit holding the new offsets
};

// `options` gives the data directory, the default bootstrap servers and
// extra librdkafka properties (its trigger and callbacks are not used).
Result<ReplayOutcome> replay_pipeline(const pipeline::PipelineDefinition& definition,
                                      const runner::RunOptions& options, const ReplayFrom& from);

// The start offsets `from` means for the pipeline's topics, asked of the
// broker (backfill uses this to know where its range ends).
Result<runner::Offsets> resolve_offsets(const pipeline::PipelineDefinition& definition,
                                        const runner::RunOptions& options, const ReplayFrom& from);

// Where each partition of the pipeline's topics starts and ends now: the
// table's committed offsets (else starting_offsets), and the high watermarks.
struct PipelinePosition {
  runner::Offsets next;
  runner::Offsets end;
};
Result<PipelinePosition> pipeline_position(const pipeline::PipelineDefinition& definition,
                                           const runner::RunOptions& options);

}  // namespace loch::host
