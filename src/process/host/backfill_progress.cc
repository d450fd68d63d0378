#include "process/host/backfill_progress.h"

#include <algorithm>

#include <fmt/format.h>

namespace loch::host {

BackfillProgress::BackfillProgress(std::string pipeline, runner::Offsets start, runner::Offsets end)
    : pipeline_(std::move(pipeline)), start_(std::move(start)), end_(std::move(end)) {
  for (const auto& [partition, end_offset] : end_) {
    auto it = start_.find(partition);
    int64_t from = it != start_.end() ? it->second : end_offset;
    total_ += std::max<int64_t>(0, end_offset - from);
  }
}

int64_t BackfillProgress::done(const runner::Offsets& next) const {
  int64_t done = 0;
  for (const auto& [partition, end_offset] : end_) {
    auto from = start_.find(partition);
    auto at = next.find(partition);
    if (from == start_.end() || at == next.end()) continue;
    done += std::max<int64_t>(0, std::min(at->second, end_offset) - from->second);
  }
  return done;
}

std::string BackfillProgress::line(const runner::Offsets& next, int64_t elapsed_ms) const {
  return backfill_line(pipeline_, done(next), total_, elapsed_ms);
}

std::string backfill_line(const std::string& pipeline, int64_t done, int64_t total, int64_t elapsed_ms) {
  double percent = total > 0 ? 100.0 * static_cast<double>(done) / static_cast<double>(total) : 100.0;
  double rate = elapsed_ms > 0 ? static_cast<double>(done) * 1000.0 / static_cast<double>(elapsed_ms) : 0.0;
  std::string eta = "ETA -";
  if (done >= total) {
    eta = "done";
  } else if (rate > 0) {
    eta = fmt::format("ETA {:.1f} s", static_cast<double>(total - done) / rate);
  }
  return fmt::format("backfill {}: {}/{} records ({:.1f}%), {:.0f} records/s, {}", pipeline, done, total, percent, rate,
                     eta);
}

}  // namespace loch::host
