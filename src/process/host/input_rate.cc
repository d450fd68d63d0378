#include "process/host/input_rate.h"

#include <algorithm>

namespace loch::host {

void InputRate::reset(int64_t now_ms) {
  started_ms_ = now_ms;
  batches_.clear();
}

void InputRate::add(int64_t now_ms, int64_t records) {
  batches_.emplace_back(now_ms, records);
  while (!batches_.empty() && batches_.front().first <= now_ms - window_ms_) batches_.pop_front();
}

double InputRate::per_second(int64_t now_ms) const {
  int64_t records = 0;
  for (const auto& [at, count] : batches_) {
    if (at > now_ms - window_ms_) records += count;
  }
  // At least one second: the first batch after a start would otherwise
  // divide by a few milliseconds.
  int64_t span = std::max<int64_t>(std::min(window_ms_, now_ms - started_ms_), 1000);
  return static_cast<double>(records) * 1000.0 / static_cast<double>(span);
}

}  // namespace loch::host
