// Strong types for numbers that are easy to mix up: an Offset is not a
// PartitionId, and a TableVersion is not a row count. Each is a distinct type
// with explicit construction and ordering, and costs nothing at run time.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>

namespace loch {

template <typename Tag, typename Rep>
class StrongNumber {
 public:
  using rep_type = Rep;
  constexpr StrongNumber() = default;
  constexpr explicit StrongNumber(Rep value) : value_(value) {}
  constexpr Rep value() const { return value_; }

  constexpr auto operator<=>(const StrongNumber&) const = default;

  // Stepping to the next one is common (next offset, next version); general
  // arithmetic is not offered, so that offsets are not added to versions.
  constexpr StrongNumber next() const { return StrongNumber(value_ + 1); }
  constexpr StrongNumber prev() const { return StrongNumber(value_ - 1); }

 private:
  Rep value_{};
};

using Offset = StrongNumber<struct OffsetTag, int64_t>;            // position in a partition log
using PartitionId = StrongNumber<struct PartitionIdTag, int32_t>;  // partition of a topic
using ProducerId = StrongNumber<struct ProducerIdTag, int64_t>;    // idempotent producer
using Epoch = StrongNumber<struct EpochTag, int16_t>;              // producer epoch
using TableVersion = StrongNumber<struct TableVersionTag, int64_t>;  // Delta table version

}  // namespace loch

template <typename Tag, typename Rep>
struct std::hash<loch::StrongNumber<Tag, Rep>> {
  size_t operator()(const loch::StrongNumber<Tag, Rep>& n) const noexcept {
    return std::hash<Rep>()(n.value());
  }
};
