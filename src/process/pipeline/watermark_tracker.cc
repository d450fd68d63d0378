#include "process/pipeline/watermark_tracker.h"

#include <algorithm>

#include "process/pipeline/state_codec.h"

namespace loch::pipeline {
namespace {

TimestampMs minus_lateness(TimestampMs max_event_time, TimestampMs lateness) {
  if (max_event_time == kNoTimestamp) return kNoTimestamp;
  // Saturate instead of overflowing for event times near the minimum.
  if (max_event_time < kNoTimestamp + lateness) return kNoTimestamp;
  return max_event_time - lateness;
}

}  // namespace

void WatermarkTracker::add_partition(const SourcePartition& partition, TimestampMs now_ms) {
  auto [it, inserted] = partitions_.try_emplace(partition);
  if (inserted) it->second.last_active_ms = now_ms;
  last_now_ms_ = std::max(last_now_ms_, now_ms);
}

bool WatermarkTracker::on_event(const SourcePartition& partition, TimestampMs event_time_ms,
                                TimestampMs now_ms) {
  PartitionState& state = partitions_[partition];
  bool was_idle = is_idle(state, now_ms);
  state.last_active_ms = std::max(state.last_active_ms, now_ms);
  last_now_ms_ = std::max(last_now_ms_, now_ms);
  if (event_time_ms <= state.max_event_time_ms && !was_idle) {
    // The common case of an out-of-order event: nothing can move.
    return false;
  }
  state.max_event_time_ms = std::max(state.max_event_time_ms, event_time_ms);
  return recompute(now_ms);
}

bool WatermarkTracker::on_processing_time(TimestampMs now_ms) {
  last_now_ms_ = std::max(last_now_ms_, now_ms);
  return recompute(last_now_ms_);
}

bool WatermarkTracker::is_idle(const PartitionState& state, TimestampMs now_ms) const {
  return options_.idle_timeout_ms > 0 && now_ms - state.last_active_ms > options_.idle_timeout_ms;
}

bool WatermarkTracker::recompute(TimestampMs now_ms) {
  TimestampMs min_active = kNoTimestamp;
  bool any_active = false;
  TimestampMs max_all = kNoTimestamp;
  for (const auto& [partition, state] : partitions_) {
    TimestampMs candidate = minus_lateness(state.max_event_time_ms, options_.allowed_lateness_ms);
    max_all = std::max(max_all, candidate);
    if (is_idle(state, now_ms)) continue;
    min_active = any_active ? std::min(min_active, candidate) : candidate;
    any_active = true;
  }
  TimestampMs candidate = any_active ? min_active : max_all;
  if (candidate > watermark_) {
    watermark_ = candidate;
    return true;
  }
  return false;
}

const SourcePartition* WatermarkTracker::slowest_partition() const {
  const SourcePartition* slowest = nullptr;
  TimestampMs slowest_time = 0;
  for (const auto& [partition, state] : partitions_) {
    if (is_idle(state, last_now_ms_)) continue;
    if (slowest == nullptr || state.max_event_time_ms < slowest_time) {
      slowest = &partition;
      slowest_time = state.max_event_time_ms;
    }
  }
  return slowest;
}

void WatermarkTracker::save(std::vector<std::pair<std::string, std::string>>& entries) const {
  StateEncoder global_key;
  global_key.u8('m');
  global_key.u8(0);
  StateEncoder global;
  global.i64(watermark_);
  global.i64(last_now_ms_);
  entries.emplace_back(global_key.take(), global.take());
  for (const auto& [partition, state] : partitions_) {
    StateEncoder key;
    key.u8('m');
    key.u8(1);
    key.u32(static_cast<uint32_t>(partition.partition));
    key.tail(partition.topic);
    StateEncoder value;
    value.i64(state.max_event_time_ms);
    value.i64(state.last_active_ms);
    entries.emplace_back(key.take(), value.take());
  }
}

Status WatermarkTracker::load_entry(std::string_view key, std::string_view value) {
  StateDecoder k(key, "watermark state key");
  LOCH_ASSIGN_OR_RETURN(uint8_t prefix, k.u8());
  LOCH_ASSIGN_OR_RETURN(uint8_t kind, k.u8());
  if (prefix != 'm') return Status::internal("watermark state: key does not start with 'm'");
  StateDecoder v(value, "watermark state value");
  if (kind == 0) {
    LOCH_ASSIGN_OR_RETURN(watermark_, v.i64());
    LOCH_ASSIGN_OR_RETURN(last_now_ms_, v.i64());
    return Status::ok();
  }
  if (kind != 1) return Status::corruption("watermark state: unknown entry kind " + std::to_string(kind));
  LOCH_ASSIGN_OR_RETURN(uint32_t partition, k.u32());
  SourcePartition source{std::string(k.rest()), static_cast<int32_t>(partition)};
  PartitionState state;
  LOCH_ASSIGN_OR_RETURN(state.max_event_time_ms, v.i64());
  LOCH_ASSIGN_OR_RETURN(state.last_active_ms, v.i64());
  partitions_[source] = state;
  return Status::ok();
}

}  // namespace loch::pipeline
