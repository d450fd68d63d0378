#include "store/delta/integer_key_set.h"

#include <algorithm>

namespace loch::delta {

IntegerKeySet::IntegerKeySet(const std::vector<int64_t>& keys) : sorted_(keys) {
  std::sort(sorted_.begin(), sorted_.end());
  sorted_.erase(std::unique(sorted_.begin(), sorted_.end()), sorted_.end());
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
  auto first = std::lower_bound(sorted_.begin(), sorted_.end(), low);
  return first != sorted_.end() && *first <= high;
}

}  // namespace loch::delta
