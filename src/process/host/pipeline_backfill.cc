#include "process/host/pipeline_backfill.h"

#include <algorithm>

#include "process/host/backfill_progress.h"

namespace loch::host {

Result<BackfillRange> prepare_backfill(const pipeline::PipelineDefinition& definition,
                                       const runner::RunOptions& options, std::optional<int64_t> from_time_ms,
                                       std::optional<int64_t> to_time_ms) {
  BackfillRange range;
  if (from_time_ms) {
    ReplayFrom from;
    from.time_ms = from_time_ms;
    LOCH_ASSIGN_OR_RETURN(ReplayOutcome replayed, replay_pipeline(definition, options, from));
    range.before = std::move(replayed.previous);
  }
  LOCH_ASSIGN_OR_RETURN(PipelinePosition position, pipeline_position(definition, options));
  range.start = std::move(position.next);
  range.end = std::move(position.end);
  if (to_time_ms) {
    ReplayFrom to;
    to.time_ms = to_time_ms;
    LOCH_ASSIGN_OR_RETURN(range.end, resolve_offsets(definition, options, to));
  }
  return range;
}

Result<std::optional<ReplayOutcome>> put_back_after_backfill(const pipeline::PipelineDefinition& definition,
                                                             const runner::RunOptions& options,
                                                             const BackfillRange& range,
                                                             const runner::Offsets& reached) {
  ReplayFrom back;
  for (const auto& [partition, next] : reached) {
    auto it = range.before.find(partition);
    back.exact[partition] = it != range.before.end() ? std::max(it->second, next) : next;
  }
  if (back.exact == reached) return std::optional<ReplayOutcome>();
  LOCH_ASSIGN_OR_RETURN(ReplayOutcome restored, replay_pipeline(definition, options, back));
  return std::optional<ReplayOutcome>(std::move(restored));
}

Result<BackfillRun> run_backfill(const pipeline::PipelineDefinition& definition, runner::RunOptions options,
                                 const BackfillRange& range, const BackfillBatch& on_batch) {
  const BackfillProgress progress(definition.name, range.start, range.end);
  BackfillRun run;
  run.reached = range.start;
  if (!progress.finished(run.reached)) {
    // Each partition is read up to the range's end exactly, and the run ends there.
    options.trigger = pipeline::TriggerDefinition{pipeline::TriggerDefinition::Kind::kAvailableNow, 0};
    options.stop_at = range.end;
    options.on_batch = [&](const runner::BatchReport& report) {
      for (const auto& [partition, next] : report.next_offsets) run.reached[partition] = next;
      if (on_batch) on_batch(report, run.reached);
    };
    LOCH_RETURN_IF_ERROR(runner::run_pipeline(definition, options));
  }
  run.finished = progress.finished(run.reached);
  if (run.finished) {
    LOCH_ASSIGN_OR_RETURN(run.put_back, put_back_after_backfill(definition, options, range, run.reached));
  }
  return run;
}

}  // namespace loch::host
