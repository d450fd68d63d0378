// BackfillProgress: the progress line `loch pipeline backfill` prints after
// each batch:
//
//   backfill silver_orders: 1500/6000 records (25.0%), 3000 records/s, ETA 1.5 s
//
// Records done are counted by offsets (the committed next offset of each
// partition, capped at the range's end), so records read twice or skipped
// as already committed do not distort it.
#pragma once

#include <cstdint>
#include <string>

#include "process/runner/delta_append_sink.h"

namespace loch::host {

// The line for `done` of `total` records, `elapsed_ms` after the backfill began.
std::string backfill_line(const std::string& pipeline, int64_t done, int64_t total, int64_t elapsed_ms);

class BackfillProgress {
 public:
  BackfillProgress(std::string pipeline, runner::Offsets start, runner::Offsets end);

  int64_t total() const { return total_; }
  // Records done when the partitions are at `next`.
  int64_t done(const runner::Offsets& next) const;
  bool finished(const runner::Offsets& next) const { return done(next) >= total_; }
  // The line for `next`, `elapsed_ms` after the backfill began.
  std::string line(const runner::Offsets& next, int64_t elapsed_ms) const;

 private:
  std::string pipeline_;
  runner::Offsets start_;
  runner::Offsets end_;
  int64_t total_ = 0;
};

}  // namespace loch::host
