#include "store/delta/integer_key_set.h"

#include <algorithm>

namespace loch::delta {

IntegerKeySet::IntegerKeySet(const std::vector<int64_t>& keys) {
  if (keys.empty()) {
    bit_count_ = 0;  // a bitmap of nothing: may_contain is always false
    return;
  }
  const auto [lowest, highest] = std::minmax_element(keys.begin(), keys.end());
  min_ = *lowest;
  // The span as unsigned: max - min can exceed INT64_MAX.
  const uint64_t span = static_cast<uint64_t>(*highest) - static_cast<uint64_t>(*lowest);
  const uint64_t per_key_budget = static_cast<uint64_t>(keys.size()) * 64;
  if (span < std::max(kMaxBitmapBits, per_key_budget) && span < (uint64_t{1} << 32)) {
    bit_count_ = span + 1;
    bits_.assign((bit_count_ + 63) / 64, 0);
    for (int64_t key : keys) set(static_cast<uint64_t>(key) - static_cast<uint64_t>(min_));
    return;
  }
  bitmap_ = false;
  // Sorting millions of keys would cost more than the file skipping it buys.
  if (keys.size() <= kMaxSortedKeys) {
    sorted_ = keys;
    std::sort(sorted_.begin(), sorted_.end());
    sorted_.erase(std::unique(sorted_.begin(), sorted_.end()), sorted_.end());
  }
  uint64_t size = 64;
  while (size < static_cast<uint64_t>(keys.size()) * 16) size <<= 1;
  mask_ = size - 1;
  bits_.assign(size / 64, 0);
  for (int64_t key : keys) {
    const uint64_t hash = mix(static_cast<uint64_t>(key));
    set(hash & mask_);
    set((hash >> 32) & mask_);
  }
}

bool IntegerKeySet::any_in_range(int64_t low, int64_t high) const {
  if (low > high) return false;
  if (bitmap_) {
    if (bit_count_ == 0) return false;
    const int64_t max = static_cast<int64_t>(static_cast<uint64_t>(min_) + bit_count_ - 1);
    if (high < min_ || low > max) return false;
    const uint64_t first = static_cast<uint64_t>(std::max(low, min_)) - static_cast<uint64_t>(min_);
    const uint64_t last = static_cast<uint64_t>(std::min(high, max)) - static_cast<uint64_t>(min_);
    for (uint64_t word = first >> 6; word <= last >> 6; ++word) {
      uint64_t bits = bits_[word];
      if (word == first >> 6) bits &= ~uint64_t{0} << (first & 63);
      if (word == last >> 6 && (last & 63) != 63) bits &= (uint64_t{1} << ((last & 63) + 1)) - 1;
      if (bits != 0) return true;
    }
    return false;
  }
  if (sorted_.empty()) return true;  // too many keys to keep sorted
  auto first = std::lower_bound(sorted_.begin(), sorted_.end(), low);
  return first != sorted_.end() && *first <= high;
}

}  // namespace loch::delta
