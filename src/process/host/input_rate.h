// InputRate: records per second over a sliding window of recent batches,
// the "input rate" of a hosted pipeline. Times are passed in (steady-clock
// milliseconds), so it is testable and never reads a clock itself.
#pragma once

#include <cstdint>
#include <deque>
#include <utility>

namespace loch::host {

class InputRate {
 public:
  explicit InputRate(int64_t window_ms = 30'000) : window_ms_(window_ms) {}

  // The run (re)started at `now_ms`: the rate counts from there.
  void reset(int64_t now_ms);
  // A batch of `records` ended at `now_ms`.
  void add(int64_t now_ms, int64_t records);
  // Records of the batches that ended within the window, divided by the
  // window (or by the time since the reset, when that is shorter).
  double per_second(int64_t now_ms) const;

 private:
  int64_t window_ms_;
  int64_t started_ms_ = 0;
  std::deque<std::pair<int64_t, int64_t>> batches_;  // (end time, records)
};

}  // namespace loch::host
