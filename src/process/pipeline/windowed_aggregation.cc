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

WindowedAggregation::WindowState& WindowedAggregation::window_for(const std::string& key,
                                                                  WindowBounds bounds) {
  auto [it, inserted] = windows_.try_emplace(WindowId{key, bounds.start});
  if (inserted) {
    it->second.end = bounds.end;
    it->second.accumulators.resize(spec_.aggregates.size());
    by_end_.emplace(bounds.end, it->first);
  }
  return it->second;
}

void WindowedAggregation::add_to(WindowState& window, const Event& event) {
  for (size_t i = 0; i < spec_.aggregates.size(); ++i) {
    static const AggregateInput kNull{0, 0, true};
    const AggregateInput& input = i < event.inputs.size() ? event.inputs[i] : kNull;
    window.accumulators[i].add(spec_.aggregates[i], input);
  }
  window.changed = true;
}

void WindowedAggregation::add(const Event& event) {
  if (spec_.window.kind == WindowKind::kSession) {
    add_to_session(event);
    return;
  }
  for_each_fixed_window(spec_.window, event.event_time_ms,
                        [&](WindowBounds bounds) { add_to(window_for(event.key, bounds), event); });
}

void WindowedAggregation::add_to_session(const Event& event) {
  // The event opens [t, t + gap); every session overlapping that merges with it.
  TimestampMs start = event.event_time_ms;
  TimestampMs end = event.event_time_ms + spec_.window.gap_ms;
  std::map<TimestampMs, TimestampMs>& sessions = sessions_[event.key];
  // Sessions of one key never overlap, so the candidates are the one starting
  // before `start` and those starting inside [start, end).
  auto first = sessions.lower_bound(start);
  if (first != sessions.begin() && std::prev(first)->second > start) --first;
  auto last = sessions.lower_bound(end);

  if (first != last && std::next(first) == last && first->first <= start && first->second >= end) {
    // Inside one existing session: the common case, nothing moves.
    add_to(windows_.at(WindowId{event.key, first->first}), event);
    return;
  }
  std::vector<std::pair<TimestampMs, TimestampMs>> merged(first, last);
  for (const auto& [s, e] : merged) {
    start = std::min(start, s);
    end = std::max(end, e);
  }
  WindowState combined;
  combined.accumulators.resize(spec_.aggregates.size());
  for (const auto& [s, e] : merged) {
    auto node = windows_.extract(WindowId{event.key, s});
    for (size_t i = 0; i < combined.accumulators.size(); ++i) {
      combined.accumulators[i].merge(node.mapped().accumulators[i]);
    }
    if (node.mapped().emitted && s != start) {
      results_.push_back(WindowResult{WindowResult::Kind::kRetract, event.key, {s, e}, {}});
    }
    combined.emitted = combined.emitted || (node.mapped().emitted && s == start);
  }
  sessions.erase(first, last);
  sessions.emplace(start, end);
  combined.end = end;
  auto [it, inserted] = windows_.emplace(WindowId{event.key, start}, std::move(combined));
  by_end_.emplace(end, it->first);
  add_to(it->second, event);
}

WindowResult WindowedAggregation::result_of(const WindowId& id, const WindowState& window,
                                            WindowResult::Kind kind) const {
  WindowResult result{kind, id.key, {id.start, window.end}, {}};
  result.values.reserve(spec_.aggregates.size());
  for (size_t i = 0; i < spec_.aggregates.size(); ++i) {
    result.values.push_back(window.accumulators[i].result(spec_.aggregates[i]));
  }
  return result;
}

void WindowedAggregation::on_watermark(TimestampMs watermark) {
  std::vector<WindowId> closing;
  while (!by_end_.empty() && by_end_.begin()->first <= watermark) {
    auto node = by_end_.extract(by_end_.begin());
    auto it = windows_.find(node.mapped());
    // Stale index entry: the session was merged away or grew past this end.
    if (it == windows_.end() || it->second.end != node.key()) continue;
    closing.push_back(std::move(node.mapped()));
  }
  std::sort(closing.begin(), closing.end(), [&](const WindowId& a, const WindowId& b) {
    return std::tie(windows_.at(a).end, a.key, a.start) < std::tie(windows_.at(b).end, b.key, b.start);
  });
  for (const WindowId& id : closing) {
    auto node = windows_.extract(id);
    results_.push_back(result_of(id, node.mapped(), WindowResult::Kind::kFinal));
    if (spec_.window.kind == WindowKind::kSession) {
      auto sessions = sessions_.find(id.key);
      sessions->second.erase(id.start);
      if (sessions->second.empty()) sessions_.erase(sessions);
    }
  }
}

void WindowedAggregation::emit_updates() {
  if (spec_.emit != EmitMode::kUpdates) return;
  std::vector<std::pair<const WindowId*, WindowState*>> changed;
  for (auto& [id, window] : windows_) {
    if (window.changed) changed.emplace_back(&id, &window);
  }
  std::sort(changed.begin(), changed.end(), [](const auto& a, const auto& b) {
    return std::tie(a.second->end, a.first->key, a.first->start) <
           std::tie(b.second->end, b.first->key, b.first->start);
  });
  for (auto& [id, window] : changed) {
    results_.push_back(result_of(*id, *window, WindowResult::Kind::kUpdate));
    window->changed = false;
    window->emitted = true;
  }
}

void WindowedAggregation::clear() {
  windows_.clear();
  by_end_.clear();
  sessions_.clear();
  results_.clear();
}

// Key: 'w' i64(start) key-bytes. Value: i64(end) u8(flags) then one
// accumulator per aggregate (doc/pipeline-state.md).
void WindowedAggregation::save(std::vector<std::pair<std::string, std::string>>& entries) const {
  for (const auto& [id, window] : windows_) {
    StateEncoder key;
    key.u8('w');
    key.i64(id.start);
    key.tail(id.key);
    StateEncoder value;
    value.i64(window.end);
    value.u8(static_cast<uint8_t>((window.changed ? 1 : 0) | (window.emitted ? 2 : 0)));
    std::string bytes = value.take();
    for (const Accumulator& accumulator : window.accumulators) accumulator.encode(bytes);
    entries.emplace_back(key.take(), std::move(bytes));
  }
}

Status WindowedAggregation::load_entry(std::string_view key, std::string_view value) {
  StateDecoder k(key, "window state key");
  LOCH_ASSIGN_OR_RETURN(uint8_t prefix, k.u8());
  if (prefix != 'w') return Status::internal("window state: key does not start with 'w'");
  WindowId id;
  LOCH_ASSIGN_OR_RETURN(id.start, k.i64());
  id.key = std::string(k.rest());
  StateDecoder v(value, "window state value");
  WindowState window;
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
                              " bytes after the last aggregate of window starting " +
                              std::to_string(id.start));
  }
  if (spec_.window.kind == WindowKind::kSession) sessions_[id.key].emplace(id.start, window.end);
  by_end_.emplace(window.end, id);
  windows_.emplace(std::move(id), std::move(window));
  return Status::ok();
}

}  // namespace loch::pipeline
