#include "process/pipeline/windowed_aggregation.h"

#include <algorithm>
#include <tuple>

#include "process/pipeline/state_codec.h"

namespace loch::pipeline {

Status WindowedAggregationSpec::validate() const {
  LOCH_RETURN_IF_ERROR(window.validate());
  if (aggregates.empty()) return Status::invalid_argument("windowed aggregation: no aggregates");
  return Status::ok();
}

std::string WindowedAggregationSpec::describe() const {
  std::string out = window.describe();
  for (AggregateKind kind : aggregates) {
    out += ' ';
    out += aggregate_kind_name(kind);
  }
  out += emit == EmitMode::kFinal ? " emit=final" : " emit=updates";
  return out;
}

WindowedAggregation::WindowedAggregation(WindowedAggregationSpec spec) : spec_(std::move(spec)) {}

WindowedAggregation::Window& WindowedAggregation::window_for(KeyWindows& windows, const std::string& key,
                                                             WindowBounds bounds) {
  auto it = std::lower_bound(windows.begin(), windows.end(), bounds.start,
                             [](const Window& w, TimestampMs start) { return w.start < start; });
  if (it != windows.end() && it->start == bounds.start) return *it;
  Window window;
  window.start = bounds.start;
  window.end = bounds.end;
  window.accumulators.resize(spec_.aggregates.size());
  by_end_.emplace(bounds.end, key);
  ++open_windows_;
  return *windows.insert(it, std::move(window));
}

void WindowedAggregation::add_to(Window& window, const Event& event) {
  static const AggregateInput kNull{0, 0, true};
  for (size_t i = 0; i < spec_.aggregates.size(); ++i) {
    const AggregateInput& input = i < event.inputs.size() ? event.inputs[i] : kNull;
    window.accumulators[i].add(spec_.aggregates[i], input);
  }
  window.changed = true;
  mark_changed(event.key, window);
}

void WindowedAggregation::mark_changed(const std::string& key, Window& window) {
  if (window.unsaved) return;
  window.unsaved = true;
  unsaved_.emplace(window.start, key);
}

void WindowedAggregation::add(const Event& event) {
  KeyWindows& windows = windows_[event.key];
  if (spec_.window.kind == WindowKind::kSession) {
    add_to_session(windows, event);
    return;
  }
  for_each_fixed_window(spec_.window, event.event_time_ms,
                        [&](WindowBounds bounds) { add_to(window_for(windows, event.key, bounds), event); });
}

void WindowedAggregation::add_to_session(KeyWindows& sessions, const Event& event) {
  // The event opens [t, t + gap); every session overlapping it merges with it.
  // Sessions of one key never overlap, so those are a contiguous run.
  TimestampMs start = event.event_time_ms;
  TimestampMs end = event.event_time_ms + spec_.window.gap_ms;
  auto first = std::find_if(sessions.begin(), sessions.end(), [&](const Window& w) { return w.end > start; });
  auto last = std::find_if(first, sessions.end(), [&](const Window& w) { return w.start >= end; });
  if (last - first == 1 && first->start <= start && first->end >= end) {
    add_to(*first, event);  // inside one session: the common case, nothing moves
    return;
  }
  Window combined;
  combined.accumulators.resize(spec_.aggregates.size());
  for (auto it = first; it != last; ++it) {
    start = std::min(start, it->start);
    end = std::max(end, it->end);
  }
  for (auto it = first; it != last; ++it) {
    for (size_t i = 0; i < combined.accumulators.size(); ++i) combined.accumulators[i].merge(it->accumulators[i]);
    if (it->emitted && it->start != start) {
      results_.push_back(WindowResult{WindowResult::Kind::kRetract, event.key, {it->start, it->end}, {}});
    }
    // An update already out for the same start is overwritten, not retracted.
    combined.emitted = combined.emitted || (it->emitted && it->start == start);
    // A session that keeps its start (it grew) is overwritten by the combined
    // one's entry: only the others are deleted, and the combined one is
    // already marked if the one it replaces was.
    if (it->start != start) {
      mark_removed(event.key, it->start);
    } else {
      combined.unsaved = it->unsaved;
    }
    --open_windows_;
  }
  combined.start = start;
  combined.end = end;
  auto position = sessions.erase(first, last);
  Window& window = *sessions.insert(position, std::move(combined));
  ++open_windows_;
  by_end_.emplace(end, event.key);
  add_to(window, event);
}

WindowResult WindowedAggregation::result_of(const std::string& key, const Window& window,
                                            WindowResult::Kind kind) const {
  WindowResult result{kind, key, {window.start, window.end}, {}};
  result.values.reserve(spec_.aggregates.size());
  for (size_t i = 0; i < spec_.aggregates.size(); ++i) {
    result.values.push_back(window.accumulators[i].result(spec_.aggregates[i]));
  }
  return result;
}

void WindowedAggregation::on_watermark(TimestampMs watermark) {
  size_t first_closed = results_.size();
  while (!by_end_.empty() && by_end_.begin()->first <= watermark) {
    auto node = by_end_.extract(by_end_.begin());
    auto key = windows_.find(node.mapped());
    if (key == windows_.end()) continue;  // stale: already closed with an earlier entry
    KeyWindows& windows = key->second;
    auto closed = std::stable_partition(windows.begin(), windows.end(),
                                        [&](const Window& w) { return w.end <= watermark; });
    for (auto it = windows.begin(); it != closed; ++it) {
      results_.push_back(result_of(key->first, *it, WindowResult::Kind::kFinal));
      mark_removed(key->first, it->start);
      --open_windows_;
    }
    windows.erase(windows.begin(), closed);
    if (windows.empty()) windows_.erase(key);
  }
  // Hash-map order must not leak into the output: replays compare equal.
  std::sort(results_.begin() + static_cast<long>(first_closed), results_.end(),
            [](const WindowResult& a, const WindowResult& b) {
              return std::tie(a.bounds.end, a.key, a.bounds.start) < std::tie(b.bounds.end, b.key, b.bounds.start);
            });
}

void WindowedAggregation::emit_updates() {
  if (spec_.emit != EmitMode::kUpdates) return;
  size_t first = results_.size();
  for (auto& [key, windows] : windows_) {
    for (Window& window : windows) {
      if (!window.changed) continue;
      results_.push_back(result_of(key, window, WindowResult::Kind::kUpdate));
      window.changed = false;
      window.emitted = true;
      mark_changed(key, window);
    }
  }
  std::sort(results_.begin() + static_cast<long>(first), results_.end(),
            [](const WindowResult& a, const WindowResult& b) {
              return std::tie(a.bounds.end, a.key, a.bounds.start) < std::tie(b.bounds.end, b.key, b.bounds.start);
            });
}

void WindowedAggregation::clear() {
  windows_.clear();
  by_end_.clear();
  results_.clear();
  unsaved_.clear();
  open_windows_ = 0;
}

// Key: 'w' i64(start) key-bytes. Value: i64(end) u8(flags) then one
// accumulator per aggregate (doc/pipelines.md, "Operator state").
namespace {

std::string window_key(TimestampMs start, const std::string& key) {
  StateEncoder k;
  k.u8('w');
  k.i64(start);
  k.tail(key);
  return k.take();
}

}  // namespace

std::string WindowedAggregation::window_value(const Window& window) {
  StateEncoder value;
  value.i64(window.end);
  value.u8(static_cast<uint8_t>((window.changed ? 1 : 0) | (window.emitted ? 2 : 0)));
  std::string bytes = value.take();
  for (const Accumulator& accumulator : window.accumulators) accumulator.encode(bytes);
  return bytes;
}

void WindowedAggregation::save(std::vector<std::pair<std::string, std::string>>& entries) const {
  for (const auto& [key, windows] : windows_) {
    for (const Window& window : windows) entries.emplace_back(window_key(window.start, key), window_value(window));
  }
}

void WindowedAggregation::save_changes(StateDelta& delta) {
  for (const auto& [start, key] : unsaved_) {
    Window* window = nullptr;
    if (auto found = windows_.find(key); found != windows_.end()) {
      auto it = std::lower_bound(found->second.begin(), found->second.end(), start,
                                 [](const Window& w, TimestampMs s) { return w.start < s; });
      if (it != found->second.end() && it->start == start) window = &*it;
    }
    if (window == nullptr) {
      delta.deletes.push_back(window_key(start, key));
    } else {
      delta.puts.emplace_back(window_key(start, key), window_value(*window));
      window->unsaved = false;
    }
  }
  unsaved_.clear();
}

void WindowedAggregation::forget_changes() {
  for (const auto& [start, key] : unsaved_) {
    auto found = windows_.find(key);
    if (found == windows_.end()) continue;
    for (Window& window : found->second) {
      if (window.start == start) window.unsaved = false;
    }
  }
  unsaved_.clear();
}

Status WindowedAggregation::load_entry(std::string_view key, std::string_view value) {
  StateDecoder k(key, "window state key");
  LOCH_ASSIGN_OR_RETURN(uint8_t prefix, k.u8());
  if (prefix != 'w') return Status::internal("window state: key does not start with 'w'");
  Window window;
  LOCH_ASSIGN_OR_RETURN(window.start, k.i64());
  std::string group_key(k.rest());
  StateDecoder v(value, "window state value");
  LOCH_ASSIGN_OR_RETURN(window.end, v.i64());
  LOCH_ASSIGN_OR_RETURN(uint8_t flags, v.u8());
  window.changed = (flags & 1) != 0;
  window.emitted = (flags & 2) != 0;
  std::string_view rest = v.rest();
  for (size_t i = 0; i < spec_.aggregates.size(); ++i) {
    LOCH_ASSIGN_OR_RETURN(Accumulator accumulator, Accumulator::decode(rest));
    window.accumulators.push_back(std::move(accumulator));
  }
  if (!rest.empty()) {
    return Status::corruption("window state: " + std::to_string(rest.size()) +
                              " bytes after the last aggregate of window starting " + std::to_string(window.start));
  }
  if (window.end <= window.start) {
    return Status::corruption("window state: window ends at " + std::to_string(window.end) + ", before its start " +
                              std::to_string(window.start));
  }
  KeyWindows& windows = windows_[group_key];
  auto it = std::lower_bound(windows.begin(), windows.end(), window.start,
                             [](const Window& w, TimestampMs start) { return w.start < start; });
  if (it != windows.end() && it->start == window.start) {
    return Status::corruption("window state: two windows of one key start at " + std::to_string(window.start));
  }
  by_end_.emplace(window.end, group_key);
  windows.insert(it, std::move(window));
  ++open_windows_;
  return Status::ok();
}

}  // namespace loch::pipeline
