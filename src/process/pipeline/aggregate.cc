#include "process/pipeline/aggregate.h"

#include <algorithm>
#include <vector>

#include "process/pipeline/state_codec.h"

namespace loch::pipeline {

std::string_view aggregate_kind_name(AggregateKind kind) {
  switch (kind) {
    case AggregateKind::kCount: return "count";
    case AggregateKind::kCountAll: return "count(*)";
    case AggregateKind::kSum: return "sum";
    case AggregateKind::kMin: return "min";
    case AggregateKind::kMax: return "max";
    case AggregateKind::kAvg: return "avg";
    case AggregateKind::kCountDistinct: return "count_distinct";
  }
  return "?";
}

Result<AggregateKind> parse_aggregate_kind(std::string_view name) {
  for (AggregateKind kind : {AggregateKind::kCount, AggregateKind::kCountAll, AggregateKind::kSum,
                             AggregateKind::kMin, AggregateKind::kMax, AggregateKind::kAvg,
                             AggregateKind::kCountDistinct}) {
    if (aggregate_kind_name(kind) == name) return kind;
  }
  return Status::invalid_argument("unknown aggregation '" + std::string(name) +
                                  "' (expected count, count(*), sum, min, max, avg or count_distinct)");
}

Accumulator& Accumulator::operator=(const Accumulator& other) {
  if (this == &other) return *this;
  rows_ = other.rows_;
  non_null_ = other.non_null_;
  sum_ = other.sum_;
  min_ = other.min_;
  max_ = other.max_;
  distinct_ = other.distinct_ ? std::make_unique<std::unordered_set<uint64_t>>(*other.distinct_) : nullptr;
  return *this;
}

void Accumulator::add(AggregateKind kind, const AggregateInput& input) {
  ++rows_;
  if (input.is_null) return;
  if (non_null_ == 0) {
    min_ = max_ = input.number;
  } else {
    min_ = std::min(min_, input.number);
    max_ = std::max(max_, input.number);
  }
  ++non_null_;
  sum_ += input.number;
  if (kind == AggregateKind::kCountDistinct) {
    if (!distinct_) distinct_ = std::make_unique<std::unordered_set<uint64_t>>();
    distinct_->insert(input.distinct_hash);
  }
}

void Accumulator::merge(const Accumulator& other) {
  if (other.non_null_ > 0) {
    if (non_null_ == 0) {
      min_ = other.min_;
      max_ = other.max_;
    } else {
      min_ = std::min(min_, other.min_);
      max_ = std::max(max_, other.max_);
    }
  }
  rows_ += other.rows_;
  non_null_ += other.non_null_;
  sum_ += other.sum_;
  if (other.distinct_) {
    if (!distinct_) distinct_ = std::make_unique<std::unordered_set<uint64_t>>();
    distinct_->insert(other.distinct_->begin(), other.distinct_->end());
  }
}

Accumulator::Value Accumulator::result(AggregateKind kind) const {
  switch (kind) {
    case AggregateKind::kCountAll: return {static_cast<double>(rows_), false};
    case AggregateKind::kCount: return {static_cast<double>(non_null_), false};
    case AggregateKind::kCountDistinct: return {static_cast<double>(distinct_ ? distinct_->size() : 0), false};
    case AggregateKind::kSum: return {sum_, non_null_ == 0};
    case AggregateKind::kMin: return {min_, non_null_ == 0};
    case AggregateKind::kMax: return {max_, non_null_ == 0};
    case AggregateKind::kAvg:
      return {non_null_ == 0 ? 0 : sum_ / static_cast<double>(non_null_), non_null_ == 0};
  }
  return {0, true};
}

void Accumulator::encode(std::string& out) const {
  StateEncoder e;
  e.i64(rows_);
  e.i64(non_null_);
  e.f64(sum_);
  e.f64(min_);
  e.f64(max_);
  // Sorted, so that equal state encodes to equal bytes.
  std::vector<uint64_t> hashes;
  if (distinct_) hashes.assign(distinct_->begin(), distinct_->end());
  std::sort(hashes.begin(), hashes.end());
  e.u32(static_cast<uint32_t>(hashes.size()));
  for (uint64_t h : hashes) e.u64(h);
  out.append(e.bytes());
}

Result<Accumulator> Accumulator::decode(std::string_view& in) {
  StateDecoder d(in, "aggregate state");
  Accumulator a;
  LOCH_ASSIGN_OR_RETURN(a.rows_, d.i64());
  LOCH_ASSIGN_OR_RETURN(a.non_null_, d.i64());
  LOCH_ASSIGN_OR_RETURN(a.sum_, d.f64());
  LOCH_ASSIGN_OR_RETURN(a.min_, d.f64());
  LOCH_ASSIGN_OR_RETURN(a.max_, d.f64());
  LOCH_ASSIGN_OR_RETURN(uint32_t n, d.u32());
  // Each hash takes 8 bytes: refuse a count the entry cannot hold before reserving.
  std::string_view rest = d.rest();
  if (rest.size() / 8 < n) {
    return Status::corruption("aggregate state: " + std::to_string(n) + " distinct hashes announced, " +
                              std::to_string(rest.size()) + " bytes left");
  }
  StateDecoder hashes(rest, "aggregate state");
  if (n > 0) {
    a.distinct_ = std::make_unique<std::unordered_set<uint64_t>>();
    a.distinct_->reserve(n);
  }
  for (uint32_t i = 0; i < n; ++i) {
    LOCH_ASSIGN_OR_RETURN(uint64_t h, hashes.u64());
    a.distinct_->insert(h);
  }
  in = rest.substr(static_cast<size_t>(n) * 8);
  return a;
}

}  // namespace loch::pipeline
