#include "process/pipeline/event_time_engine.h"

#include <algorithm>

#include "process/pipeline/state_codec.h"

namespace loch::pipeline {
namespace {

// The spec a checkpoint was written with: key "~spec".
const std::string kSpecKey = "~spec";

}  // namespace

Status EventTimeSpec::validate() const {
  if (watermark.allowed_lateness_ms < 0) return Status::invalid_argument("allowed lateness must not be negative");
  if (watermark.idle_timeout_ms < 0) return Status::invalid_argument("idle timeout must not be negative");
  if (dedup_ttl_ms && *dedup_ttl_ms <= 0) return Status::invalid_argument("dedup TTL must be positive");
  if (aggregation) LOCH_RETURN_IF_ERROR(aggregation->validate());
  return Status::ok();
}

std::string EventTimeSpec::describe() const {
  std::string out = "lateness=" + std::to_string(watermark.allowed_lateness_ms);
  if (dedup_ttl_ms) out += " dedup_ttl=" + std::to_string(*dedup_ttl_ms);
  if (aggregation) out += " " + aggregation->describe();
  return out;
}

EventTimeEngine::EventTimeEngine(EventTimeSpec spec) : spec_(std::move(spec)), watermark_(spec_.watermark) {
  if (spec_.dedup_ttl_ms) dedup_.emplace(*spec_.dedup_ttl_ms);
  if (spec_.aggregation) aggregation_.emplace(*spec_.aggregation);
}

Result<EventTimeEngine> EventTimeEngine::create(EventTimeSpec spec) {
  LOCH_RETURN_IF_ERROR(spec.validate());
  return EventTimeEngine(std::move(spec));
}

void EventTimeEngine::add_partition(const SourcePartition& partition, TimestampMs now_ms) {
  watermark_.add_partition(partition, now_ms);
}

std::string EventTimeEngine::late_reason(const Event& event) const {
  std::string reason = "event time " + std::to_string(event.event_time_ms) + " ms is " +
                       std::to_string(watermark() - event.event_time_ms) + " ms before the watermark " +
                       std::to_string(watermark()) + " ms (allowed lateness " +
                       std::to_string(spec_.watermark.allowed_lateness_ms) + " ms";
  if (const SourcePartition* slowest = watermark_.slowest_partition()) {
    reason += "; slowest partition " + slowest->topic + "/" + std::to_string(slowest->partition);
  }
  return reason + ")";
}

EventOutcome EventTimeEngine::process(const Event& event, TimestampMs now_ms) {
  EventOutcome outcome;
  outcome.watermark_ms = watermark();
  if (event.event_time_ms < outcome.watermark_ms) {
    outcome.verdict = Verdict::kLate;
    outcome.reason = late_reason(event);
    // The partition is alive even if its event is late (idle handling).
    watermark_.on_event(event.source, event.event_time_ms, now_ms);
    return outcome;
  }
  if (dedup_ && !event.dedup_id.empty() && !dedup_->first_seen(event.dedup_id, event.event_time_ms)) {
    outcome.verdict = Verdict::kDuplicate;
    outcome.reason = "duplicate of an event with id '" + event.dedup_id + "' within the last " +
                     std::to_string(dedup_->ttl_ms()) + " ms of event time";
    watermark_.on_event(event.source, event.event_time_ms, now_ms);
    return outcome;
  }
  if (aggregation_) aggregation_->add(event);
  if (watermark_.on_event(event.source, event.event_time_ms, now_ms)) advance_watermark();
  return outcome;
}

void EventTimeEngine::on_processing_time(TimestampMs now_ms) {
  if (watermark_.on_processing_time(now_ms)) advance_watermark();
}

void EventTimeEngine::advance_watermark() {
  if (aggregation_) aggregation_->on_watermark(watermark());
  if (dedup_) dedup_->on_watermark(watermark());
}

void EventTimeEngine::end_batch() {
  if (aggregation_) aggregation_->emit_updates();
}

std::vector<WindowResult> EventTimeEngine::take_results() {
  return aggregation_ ? aggregation_->take_results() : std::vector<WindowResult>{};
}

StateEntries EventTimeEngine::state_entries() const {
  StateEntries entries;
  entries.emplace_back(kSpecKey, spec_.describe());
  watermark_.save(entries);
  if (dedup_) dedup_->save(entries);
  if (aggregation_) aggregation_->save(entries);
  std::sort(entries.begin(), entries.end());
  return entries;
}

Status EventTimeEngine::checkpoint(StateStore& store, TableVersion version) {
  Status status;
  if (delta_base_store_ == store.id()) {
    StateDelta delta;
    // The spec and the watermarks are a few entries: always written.
    delta.puts.emplace_back(kSpecKey, spec_.describe());
    watermark_.save(delta.puts);
    if (dedup_) dedup_->save_changes(delta);
    if (aggregation_) aggregation_->save_changes(delta);
    last_write_ = {false, delta.puts.size(), delta.deletes.size()};
    status = store.checkpoint_delta(version, delta);
  } else {
    StateEntries entries;
    entries.emplace_back(kSpecKey, spec_.describe());
    watermark_.save(entries);
    if (dedup_) dedup_->save(entries);
    if (aggregation_) aggregation_->save(entries);
    if (dedup_) dedup_->forget_changes();
    if (aggregation_) aggregation_->forget_changes();
    last_write_ = {true, entries.size(), 0};
    status = store.checkpoint(version, entries);
  }
  // After a failure live/ may or may not hold the write: rewrite it whole.
  delta_base_store_ = status.is_ok() ? store.id() : 0;
  return status;
}

Status EventTimeEngine::restore(StateStore& store, TableVersion version) {
  LOCH_ASSIGN_OR_RETURN(StateEntries entries, store.restore(version));
  std::string where = "state checkpoint " + std::to_string(version.value()) + " in " + store.dir().string();
  bool spec_seen = false;
  for (const auto& [key, value] : entries) {
    if (key == kSpecKey) {
      if (value != spec_.describe()) {
        return Status::invalid_argument(where + ": written for '" + value + "', but the pipeline now is '" +
                                        spec_.describe() + "'; replay from the start to rebuild the state");
      }
      spec_seen = true;
    }
  }
  if (!spec_seen) return Status::corruption(where + ": no '~spec' entry");

  // Unless live/ is the restored checkpoint (it may hold a newer one's
  // write), the next checkpoint writes the whole state.
  delta_base_store_ = 0;
  watermark_ = WatermarkTracker(spec_.watermark);
  if (dedup_) dedup_->clear();
  if (aggregation_) aggregation_->clear();
  for (const auto& [key, value] : entries) {
    Status status;
    switch (key[0]) {
      case 'm': status = watermark_.load_entry(key, value); break;
      case 'd': status = dedup_ ? dedup_->load_entry(key, value) : Status::corruption("dedup state without dedup"); break;
      case 'w':
        status = aggregation_ ? aggregation_->load_entry(key, value)
                              : Status::corruption("window state without an aggregation");
        break;
      case '~': break;
      default: status = Status::corruption("unknown state entry prefix '" + std::string(1, key[0]) + "'");
    }
    if (!status.is_ok()) return status.with_context(where);
  }
  // The operators' change sets are empty now: the next delta is of what
  // happens after the restore, on top of live/.
  if (store.live_holds(version)) delta_base_store_ = store.id();
  return Status::ok();
}

}  // namespace loch::pipeline
