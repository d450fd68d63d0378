// IntegerKeySet: a set of 64-bit integer keys answering "may this key be in
// the set?" fast enough to be asked for every row of a table scan.
//
// It never answers no for a key it holds; it may answer yes for a key it
// does not hold (the MERGE join that follows checks exactly, see
// merge_key_filter.h). It also tells whether a range of keys (a file's
// min/max statistics) may hold a key. Two layouts for the per-row test:
//   - a bitmap over [min, max] when that range is small (at most
//     kMaxBitmapBits bits, or 64 bits per key): exact, one memory access;
//   - otherwise a Bloom filter of 16 bits per key with two probes (about
//     1.4% false positives), small enough to stay in the CPU caches.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace loch::delta {

class IntegerKeySet {
 public:
  static constexpr uint64_t kMaxBitmapBits = uint64_t{1} << 24;  // 2 MiB

  explicit IntegerKeySet(const std::vector<int64_t>& keys);

  bool may_contain(int64_t key) const {
    if (bitmap_) {
      const uint64_t offset = static_cast<uint64_t>(key) - static_cast<uint64_t>(min_);
      return offset < bit_count_ && ((bits_[offset >> 6] >> (offset & 63)) & 1);
    }
    const uint64_t hash = mix(static_cast<uint64_t>(key));
    const uint64_t first = hash & mask_, second = (hash >> 32) & mask_;
    return ((bits_[first >> 6] >> (first & 63)) & 1) && ((bits_[second >> 6] >> (second & 63)) & 1);
  }

  // True when some key lies in [low, high]: exact for the bitmap, and for
  // a Bloom filter of at most kMaxSortedKeys keys (kept sorted); else true.
  bool any_in_range(int64_t low, int64_t high) const;
  static constexpr size_t kMaxSortedKeys = size_t{1} << 20;

  bool exact() const { return bitmap_; }
  size_t memory_bytes() const { return bits_.size() * sizeof(uint64_t) + sorted_.size() * sizeof(int64_t); }

 private:
  // A 64-bit finalizer (MurmurHash3's fmix64): neighbouring keys land far apart.
  static uint64_t mix(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
  }
  void set(uint64_t bit) { bits_[bit >> 6] |= uint64_t{1} << (bit & 63); }

  bool bitmap_ = true;
  int64_t min_ = 0;
  uint64_t bit_count_ = 0;  // bitmap: bits over [min, max]
  uint64_t mask_ = 0;       // Bloom filter: its size in bits - 1 (a power of two)
  std::vector<uint64_t> bits_;
  std::vector<int64_t> sorted_;  // Bloom filter: the keys, sorted and unique (when few enough)
};

}  // namespace loch::delta
