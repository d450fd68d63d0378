#include "process/pipeline/interval_join.h"

#include <algorithm>

#include "process/pipeline/state_codec.h"

namespace loch::pipeline {

namespace {
constexpr char kSpecKey[] = "~join-spec";
constexpr char kSeqKey[] = "s";

std::string row_entry_key(IntervalJoin::Side side, const std::string& key, TimestampMs time, uint64_t seq) {
  StateEncoder k;
  k.u8(side == IntervalJoin::Side::kLeft ? 'L' : 'R');
  k.str(key);
  k.i64(time);
  k.u64(seq);
  return k.take();
}
}  // namespace

std::string IntervalJoinSpec::describe() const {
  return "interval join within [" + std::to_string(lower_ms) + " ms, " + std::to_string(upper_ms) + " ms]";
}

void IntervalJoin::add(Side side, const std::string& key, TimestampMs event_time_ms, std::string payload) {
  // A left row at t meets right rows at s in [t + lower, t + upper]; a right
  // row at s meets left rows at t in [s - upper, s - lower].
  const bool left = side == Side::kLeft;
  auto shared = std::make_shared<const std::string>(std::move(payload));
  Buffer& other = left ? right_ : left_;
  auto found = other.find(key);
  if (found != other.end()) {
    const TimestampMs from = left ? event_time_ms + spec_.lower_ms : event_time_ms - spec_.upper_ms;
    const TimestampMs to = left ? event_time_ms + spec_.upper_ms : event_time_ms - spec_.lower_ms;
    // Rows of one time are in arrival order; across times, matches go by the
    // other row's event time: either way a function of the input order.
    for (auto it = found->second.lower_bound(from); it != found->second.end() && it->first <= to; ++it) {
      matches_.push_back(left ? JoinMatch{shared, it->second.payload} : JoinMatch{it->second.payload, shared});
    }
  }
  added_.push_back({side, key, event_time_ms, next_seq_, shared});
  buffer(side)[key].emplace(event_time_ms, Row{next_seq_++, std::move(shared)});
}

void IntervalJoin::expire(TimestampMs watermark) {
  if (watermark == kNoTimestamp) return;
  auto drop = [this](Side side, TimestampMs keep_from) {
    Buffer& rows = buffer(side);
    for (auto it = rows.begin(); it != rows.end();) {
      auto& by_time = it->second;
      const auto keep = by_time.lower_bound(keep_from);
      for (auto row = by_time.begin(); row != keep; ++row) {
        expired_.push_back(row_entry_key(side, it->first, row->first, row->second.seq));
      }
      by_time.erase(by_time.begin(), keep);
      it = by_time.empty() ? rows.erase(it) : std::next(it);
    }
  };
  // Left rows with t + upper < W go: keep t >= W - upper. Right rows with
  // s - lower < W go: keep s >= W + lower.
  drop(Side::kLeft, watermark - spec_.upper_ms);
  drop(Side::kRight, watermark + spec_.lower_ms);
}

bool IntervalJoin::holds(Side side, const std::string& key, TimestampMs time, uint64_t seq) const {
  const Buffer& rows = side == Side::kLeft ? left_ : right_;
  auto found = rows.find(key);
  if (found == rows.end()) return false;
  auto [first, last] = found->second.equal_range(time);
  return std::any_of(first, last, [seq](const auto& row) { return row.second.seq == seq; });
}

void IntervalJoin::save_changes(StateDelta& delta) {
  delta.puts.emplace_back(kSpecKey, spec_.describe());
  StateEncoder seq;
  seq.u64(next_seq_);
  delta.puts.emplace_back(kSeqKey, seq.take());
  // A row both added and expired since was never written: nothing to put,
  // and its delete is of a key that is not there.
  for (const Added& row : added_) {
    if (holds(row.side, row.key, row.time, row.seq)) {
      delta.puts.emplace_back(row_entry_key(row.side, row.key, row.time, row.seq), *row.payload);
    }
  }
  delta.deletes.insert(delta.deletes.end(), expired_.begin(), expired_.end());
  forget_changes();
}

void IntervalJoin::forget_changes() {
  added_.clear();
  expired_.clear();
}

size_t IntervalJoin::buffered(Side side) const {
  const Buffer& rows = side == Side::kLeft ? left_ : right_;
  size_t n = 0;
  for (const auto& [key, by_time] : rows) n += by_time.size();
  return n;
}

// Entries (doc/pipelines.md, "Interval join state"):
//   ~join-spec                          describe()
//   s                                   u64 next sequence number
//   'L'|'R' str key, i64 time, u64 seq  payload
StateEntries IntervalJoin::checkpoint_entries() const {
  StateEntries entries;
  entries.emplace_back(kSpecKey, spec_.describe());
  StateEncoder seq;
  seq.u64(next_seq_);
  entries.emplace_back(kSeqKey, seq.take());
  for (Side side : {Side::kLeft, Side::kRight}) {
    const Buffer& rows = side == Side::kLeft ? left_ : right_;
    for (const auto& [key, by_time] : rows) {
      for (const auto& [time, row] : by_time) entries.emplace_back(row_entry_key(side, key, time, row.seq), *row.payload);
    }
  }
  std::sort(entries.begin(), entries.end());
  return entries;
}

Status IntervalJoin::restore_entries(const StateEntries& entries) {
  Buffer left;
  Buffer right;
  uint64_t next_seq = 0;
  bool spec_seen = false;
  for (const auto& [key, value] : entries) {
    if (key == kSpecKey) {
      if (value != spec_.describe()) {
        return Status::invalid_argument("the interval join state was written for '" + value +
                                           "', this pipeline has '" + spec_.describe() + "'");
      }
      spec_seen = true;
      continue;
    }
    if (key == kSeqKey) {
      StateDecoder d(value, "interval join sequence");
      LOCH_ASSIGN_OR_RETURN(next_seq, d.u64());
      if (!d.at_end()) return Status::corruption("interval join state: bytes left over in the sequence entry");
      continue;
    }
    StateDecoder d(key, "interval join row");
    LOCH_ASSIGN_OR_RETURN(uint8_t side, d.u8());
    if (side != 'L' && side != 'R') return Status::corruption("interval join state: unknown entry kind " + std::to_string(side));
    LOCH_ASSIGN_OR_RETURN(std::string row_key, d.str());
    LOCH_ASSIGN_OR_RETURN(TimestampMs time, d.i64());
    LOCH_ASSIGN_OR_RETURN(uint64_t seq, d.u64());
    if (!d.at_end()) return Status::corruption("interval join state: bytes left over in a row key");
    (side == 'L' ? left : right)[row_key].emplace(time, Row{seq, std::make_shared<const std::string>(value)});
  }
  if (!entries.empty() && !spec_seen) return Status::corruption("interval join state without its spec entry");
  // Rows of one key and time are re-inserted in key order, which is seq order (big-endian).
  left_ = std::move(left);
  right_ = std::move(right);
  next_seq_ = next_seq;
  matches_.clear();
  forget_changes();
  return Status::ok();
}

}  // namespace loch::pipeline
