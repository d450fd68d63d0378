// Incremental aggregations over the events of one window: each event updates
// a fixed-size accumulator in O(1) (count_distinct: O(1) expected, one hash
// set insert), and two accumulators of the same aggregation merge (session
// windows that grow into each other).
//
// count_distinct is EXACT over 64-bit stable hashes of the values: two
// different values count once only if their hashes collide, which for n
// distinct values happens with probability about n^2 / 2^65 (1e-8 for a
// million values). Its state grows with the number of distinct values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <memory>
#include <unordered_set>
#include <vector>

#include "common/result.h"
#include "process/pipeline/event.h"

namespace loch::pipeline {

enum class AggregateKind { kCount, kCountAll, kSum, kMin, kMax, kAvg, kCountDistinct };

// "count", "count(*)", "sum", "min", "max", "avg", "count_distinct".
std::string_view aggregate_kind_name(AggregateKind kind);
Result<AggregateKind> parse_aggregate_kind(std::string_view name);

// The running state of one aggregation in one window.
class Accumulator {
 public:
  // count_distinct keeps hashes only when `kind` asks for them.
  void add(AggregateKind kind, const AggregateInput& input);
  void merge(const Accumulator& other);

  // The aggregate's value: count and count_distinct as whole numbers,
  // min/max/avg of no non-null input as null (has_value false).
  struct Value {
    double number = 0;
    bool is_null = false;
  };
  Value result(AggregateKind kind) const;

  void encode(std::string& out) const;
  static Result<Accumulator> decode(std::string_view& in);

  Accumulator() = default;
  Accumulator(const Accumulator& other) { *this = other; }
  Accumulator& operator=(const Accumulator& other);
  Accumulator(Accumulator&&) noexcept = default;
  Accumulator& operator=(Accumulator&&) noexcept = default;

 private:
  int64_t rows_ = 0;      // every event, null or not (count(*))
  int64_t non_null_ = 0;  // events with a non-null input (count, avg)
  double sum_ = 0;
  double min_ = 0;
  double max_ = 0;
  // Allocated by the first count_distinct input only: most windows of most
  // pipelines never need it, and creating windows is on the hot path.
  std::unique_ptr<std::unordered_set<uint64_t>> distinct_;
};

}  // namespace loch::pipeline
