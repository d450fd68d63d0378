// Event-time windows: tumbling (fixed, adjacent), hopping (fixed size,
// starting every `slide`, so an event is in size/slide windows) and session
// (per key, events closer than `gap` belong together). Tumbling and hopping
// windows are aligned to the Unix epoch: [k*slide, k*slide + size).
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "process/pipeline/event.h"

namespace loch::pipeline {

enum class WindowKind { kTumbling, kHopping, kSession };

struct WindowSpec {
  WindowKind kind = WindowKind::kTumbling;
  TimestampMs size_ms = 0;   // tumbling, hopping
  TimestampMs slide_ms = 0;  // hopping (tumbling: equals size)
  TimestampMs gap_ms = 0;    // session

  static WindowSpec tumbling(TimestampMs size) { return {WindowKind::kTumbling, size, size, 0}; }
  static WindowSpec hopping(TimestampMs size, TimestampMs slide) { return {WindowKind::kHopping, size, slide, 0}; }
  static WindowSpec session(TimestampMs gap) { return {WindowKind::kSession, 0, 0, gap}; }

  // Sizes must be positive, and a hop no longer than the window (otherwise
  // some events would be in no window and vanish).
  Status validate() const;
  // "tumbling(60000)", "hopping(60000,10000)", "session(30000)".
  std::string describe() const;
};

struct WindowBounds {
  TimestampMs start = 0;  // inclusive
  TimestampMs end = 0;    // exclusive
  friend bool operator==(const WindowBounds&, const WindowBounds&) = default;
};

// Floor division, also for negative event times (before 1970).
inline TimestampMs floor_div(TimestampMs a, TimestampMs b) {
  TimestampMs q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// Calls visit(WindowBounds) for each tumbling/hopping window holding
// `event_time`, latest start first.
template <typename Visit>
void for_each_fixed_window(const WindowSpec& spec, TimestampMs event_time, Visit&& visit) {
  TimestampMs last_start = floor_div(event_time, spec.slide_ms) * spec.slide_ms;
  for (TimestampMs start = last_start; start > event_time - spec.size_ms; start -= spec.slide_ms) {
    visit(WindowBounds{start, start + spec.size_ms});
  }
}

}  // namespace loch::pipeline
