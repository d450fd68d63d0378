#include "process/host/pipeline_host.h"

#include <chrono>

#include <spdlog/spdlog.h>

#include "process/host/backfill_progress.h"

namespace loch::host {

namespace {

int64_t epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

const char* state_name(PipelineState state) {
  switch (state) {
    case PipelineState::kStopped: return "stopped";
    case PipelineState::kRunning: return "running";
    case PipelineState::kFailed: return "failed";
    case PipelineState::kBackfilling: return "backfilling";
  }
  return "?";
}

int64_t PipelineStatus::total_lag() const {
  int64_t total = 0;
  for (const PartitionLag& p : partitions) total += p.lag();
  return total;
}

void apply_batch_report(PipelineStatus& status, const runner::BatchReport& report, int64_t now_epoch_ms) {
  ++status.batches;
  status.records += report.records;
  status.rows += report.rows;
  status.late += report.late;
  status.duplicates += report.duplicates;
  status.poison += report.poison;
  status.last_batch_duration_ms = report.duration_ms;
  status.last_batch_at_ms = now_epoch_ms;
  if (report.version >= 0) status.version = report.version;
  if (report.watermark_ms != pipeline::kNoTimestamp) status.watermark_ms = report.watermark_ms;
  status.partitions.clear();
  for (const auto& [partition, next] : report.next_offsets) {
    PartitionLag lag{partition, next, next};
    if (auto it = report.high_watermarks.find(partition); it != report.high_watermarks.end()) {
      lag.high_watermark = it->second;
    }
    status.partitions.push_back(lag);
  }
}

struct PipelineHost::Slot {
  pipeline::PipelineDefinition definition;
  runner::RunOptions run_options;
  std::mutex control;  // start / stop of this pipeline, one at a time
  mutable std::mutex mutex;  // status and rate
  PipelineStatus status;
  InputRate rate;
  std::atomic<bool> stop{false};
  std::thread thread;
};

PipelineHost::PipelineHost(std::vector<pipeline::PipelineDefinition> pipelines, runner::RunOptions options)
    : options_(std::move(options)) {
  for (auto& definition : pipelines) {
    auto slot = std::make_unique<Slot>();
    slot->status.name = definition.name;
    for (const std::string& topic : definition.source.topics) {
      slot->status.topics += (slot->status.topics.empty() ? "" : ",") + topic;
    }
    slot->status.sink = definition.sink.zone + "." + definition.sink.table;
    slot->definition = std::move(definition);
    Slot* raw = slot.get();
    slot->run_options = options_;
    slot->run_options.stop = &raw->stop;
    slot->run_options.on_batch = [raw](const runner::BatchReport& report) {
      std::lock_guard lock(raw->mutex);
      apply_batch_report(raw->status, report, epoch_ms());
      raw->rate.add(steady_ms(), report.records);
      spdlog::debug("pipeline {}", runner::format_batch_report(report));
    };
    slots_.push_back(std::move(slot));
  }
}

PipelineHost::~PipelineHost() { stop_all(); }

PipelineHost::Slot* PipelineHost::find(const std::string& name) const {
  for (const auto& slot : slots_) {
    if (slot->definition.name == name) return slot.get();
  }
  return nullptr;
}

Status PipelineHost::start(const std::string& name) {
  Slot* slot = find(name);
  if (slot == nullptr) return Status::not_found("no pipeline '" + name + "' in this project");
  std::lock_guard control(slot->control);
  {
    std::lock_guard lock(slot->mutex);
    if (slot->status.state == PipelineState::kRunning) return Status::ok();
    if (slot->status.state == PipelineState::kBackfilling) {
      return Status::conflict("pipeline " + name + " is backfilling: wait for it, or stop it first");
    }
  }
  // A run that ended by itself (available-now, an error) left its thread to join.
  if (slot->thread.joinable()) slot->thread.join();
  slot->stop.store(false);
  {
    std::lock_guard lock(slot->mutex);
    slot->status.state = PipelineState::kRunning;
    slot->status.last_error.clear();
    slot->status.started_at_ms = epoch_ms();
    slot->rate.reset(steady_ms());
  }
  slot->thread = std::thread([this, slot] { run(*slot); });
  spdlog::info("pipeline {}: started ({} -> {})", name, slot->status.topics, slot->status.sink);
  return Status::ok();
}

// A failed run is retried after a pause that doubles from 1 s up to 30 s
// (a topic not created yet, a broker restarting), as a supervisor would;
// the pipeline shows `failed` with the error meanwhile. A run that ends
// without an error (available-now, a stop) ends the thread.
void PipelineHost::run(Slot& slot) {
  int64_t pause_ms = 1000;
  for (;;) {
    Status result = runner::run_pipeline(slot.definition, slot.run_options);
    {
      std::lock_guard lock(slot.mutex);
      if (result.is_ok() || slot.stop.load()) {
        if (!result.is_ok()) slot.status.last_error = result.message();
        slot.status.state = result.is_ok() ? PipelineState::kStopped : PipelineState::kFailed;
        spdlog::info("pipeline {}: {}", slot.definition.name, result.is_ok() ? "stopped" : "failed: " + result.message());
        return;
      }
      slot.status.state = PipelineState::kFailed;
      slot.status.last_error = result.message();
      ++slot.status.restarts;
    }
    spdlog::error("pipeline {}: failed: {} (retrying in {} ms)", slot.definition.name, result.message(), pause_ms);
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(pause_ms);
    while (!slot.stop.load() && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (slot.stop.load()) return;
    pause_ms = std::min<int64_t>(pause_ms * 2, 30'000);
    std::lock_guard lock(slot.mutex);
    slot.status.state = PipelineState::kRunning;
  }
}

Status PipelineHost::stop(const std::string& name) {
  Slot* slot = find(name);
  if (slot == nullptr) return Status::not_found("no pipeline '" + name + "' in this project");
  std::lock_guard control(slot->control);
  slot->stop.store(true);
  if (slot->thread.joinable()) slot->thread.join();
  return Status::ok();
}

Status PipelineHost::claim_stopped(Slot& slot) {
  {
    std::lock_guard lock(slot.mutex);
    if (slot.status.state == PipelineState::kRunning || slot.status.state == PipelineState::kBackfilling) {
      const std::string& name = slot.definition.name;
      return Status::conflict("pipeline " + name + " is " + state_name(slot.status.state) +
                              ": stop it first (loch pipeline stop " + name + ")");
    }
  }
  // A run that ended by itself has released its lock; its thread is joined here.
  if (slot.thread.joinable()) slot.thread.join();
  return Status::ok();
}

Result<ReplayOutcome> PipelineHost::replay(const std::string& name, const ReplayFrom& from) {
  Slot* slot = find(name);
  if (slot == nullptr) return Status::not_found("no pipeline '" + name + "' in this project");
  std::lock_guard control(slot->control);
  LOCH_RETURN_IF_ERROR(claim_stopped(*slot));
  return replay_pipeline(slot->definition, options_, from);
}

Result<BackfillRange> PipelineHost::backfill(const std::string& name, std::optional<int64_t> from_time_ms,
                                             std::optional<int64_t> to_time_ms) {
  Slot* slot = find(name);
  if (slot == nullptr) return Status::not_found("no pipeline '" + name + "' in this project");
  std::lock_guard control(slot->control);
  LOCH_RETURN_IF_ERROR(claim_stopped(*slot));
  LOCH_ASSIGN_OR_RETURN(BackfillRange range, prepare_backfill(slot->definition, options_, from_time_ms, to_time_ms));
  slot->stop.store(false);
  {
    std::lock_guard lock(slot->mutex);
    slot->status.state = PipelineState::kBackfilling;
    slot->status.last_error.clear();
    slot->status.started_at_ms = epoch_ms();
    slot->rate.reset(steady_ms());
    slot->status.backfill = BackfillStatus{0, BackfillProgress(name, range.start, range.end).total(), epoch_ms(), 0, false};
  }
  slot->thread = std::thread([this, slot, range] { run_backfill(*slot, range); });
  spdlog::info("pipeline {}: backfilling", name);
  return range;
}

// The backfill's run, then the put-back; a failure is not retried (the
// pipeline shows `failed` with the error, where the backfill left it).
void PipelineHost::run_backfill(Slot& slot, const BackfillRange& range) {
  const BackfillProgress progress(slot.definition.name, range.start, range.end);
  const auto started = std::chrono::steady_clock::now();
  auto elapsed_ms = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  };
  auto run = host::run_backfill(slot.definition, slot.run_options, range,
                                [&](const runner::BatchReport& report, const runner::Offsets& reached) {
                                  slot.run_options.on_batch(report);
                                  std::lock_guard lock(slot.mutex);
                                  slot.status.backfill->done = progress.done(reached);
                                  slot.status.backfill->elapsed_ms = elapsed_ms();
                                });
  const Status result = run.is_ok() ? Status::ok() : run.status();
  const bool finished = run.is_ok() && run->finished;
  std::lock_guard lock(slot.mutex);
  slot.status.backfill->elapsed_ms = elapsed_ms();
  slot.status.backfill->finished = finished;
  slot.status.state = result.is_ok() ? PipelineState::kStopped : PipelineState::kFailed;
  if (!result.is_ok()) slot.status.last_error = "backfill: " + result.message();
  if (result.is_ok() && !finished) slot.status.last_error = "backfill stopped before the end of its range";
  spdlog::info("pipeline {}: backfill {}", slot.definition.name,
               result.is_ok() ? (finished ? "done" : "stopped") : "failed: " + result.message());
}

void PipelineHost::start_autostart() {
  for (const auto& slot : slots_) {
    if (slot->definition.autostart) (void)start(slot->definition.name);
  }
}

void PipelineHost::stop_all() {
  // Every flag first, so that the runs wind down together.
  for (const auto& slot : slots_) slot->stop.store(true);
  for (const auto& slot : slots_) (void)stop(slot->definition.name);
}

std::vector<PipelineStatus> PipelineHost::status() const {
  std::vector<PipelineStatus> out;
  for (const auto& slot : slots_) out.push_back(*status(slot->definition.name));
  return out;
}

Result<PipelineStatus> PipelineHost::status(const std::string& name) const {
  Slot* slot = find(name);
  if (slot == nullptr) return Status::not_found("no pipeline '" + name + "' in this project");
  std::lock_guard lock(slot->mutex);
  PipelineStatus status = slot->status;
  const bool reading = status.state == PipelineState::kRunning || status.state == PipelineState::kBackfilling;
  status.input_rate = reading ? slot->rate.per_second(steady_ms()) : 0.0;
  return status;
}

Result<pipeline::PipelineDefinition> PipelineHost::definition(const std::string& name) const {
  Slot* slot = find(name);
  if (slot == nullptr) return Status::not_found("no pipeline '" + name + "' in this project");
  return slot->definition;
}

}  // namespace loch::host
