#include "collect/decode/column_batch.h"

#include <fmt/format.h>

#include <algorithm>

namespace loch::decode {

std::string_view column_type_name(ColumnType type) {
  switch (type) {
    case ColumnType::kBoolean: return "boolean";
    case ColumnType::kInt32: return "int32";
    case ColumnType::kInt64: return "int64";
    case ColumnType::kUint64: return "uint64";
    case ColumnType::kFloat: return "float";
    case ColumnType::kDouble: return "double";
    case ColumnType::kDecimal: return "decimal";
    case ColumnType::kString: return "string";
    case ColumnType::kBinary: return "binary";
    case ColumnType::kUuid: return "uuid";
    case ColumnType::kDate: return "date";
    case ColumnType::kTimeMicros: return "time";
    case ColumnType::kTimestampMicros: return "timestamp";
    case ColumnType::kTimestampNtzMicros: return "timestamp_ntz";
    case ColumnType::kJson: return "json";
  }
  return "string";
}

std::string duckdb_type_name(const ColumnSpec& spec) {
  switch (spec.type) {
    case ColumnType::kBoolean: return "BOOLEAN";
    case ColumnType::kInt32: return "INTEGER";
    case ColumnType::kInt64: return "BIGINT";
    case ColumnType::kUint64: return "UBIGINT";
    case ColumnType::kFloat: return "FLOAT";
    case ColumnType::kDouble: return "DOUBLE";
    case ColumnType::kDecimal: return fmt::format("DECIMAL({},{})", spec.precision, spec.scale);
    case ColumnType::kString: return "VARCHAR";
    case ColumnType::kBinary: return "BLOB";
    case ColumnType::kUuid: return "UUID";
    case ColumnType::kDate: return "DATE";
    case ColumnType::kTimeMicros: return "TIME";
    case ColumnType::kTimestampMicros: return "TIMESTAMP WITH TIME ZONE";
    case ColumnType::kTimestampNtzMicros: return "TIMESTAMP";
    case ColumnType::kJson: return "JSON";
  }
  return "VARCHAR";
}

std::string delta_type_name(const ColumnSpec& spec) {
  switch (spec.type) {
    case ColumnType::kBoolean: return "boolean";
    case ColumnType::kInt32: return "integer";
    case ColumnType::kInt64: return "long";
    // Delta has no unsigned types: a decimal holds every uint64.
    case ColumnType::kUint64: return "decimal(20,0)";
    case ColumnType::kFloat: return "float";
    case ColumnType::kDouble: return "double";
    case ColumnType::kDecimal: return fmt::format("decimal({},{})", spec.precision, spec.scale);
    case ColumnType::kString: return "string";
    case ColumnType::kBinary: return "binary";
    case ColumnType::kUuid: return "string";
    case ColumnType::kDate: return "date";
    // Delta has no time-of-day type: microseconds after midnight.
    case ColumnType::kTimeMicros: return "long";
    case ColumnType::kTimestampMicros: return "timestamp";
    case ColumnType::kTimestampNtzMicros: return "timestamp_ntz";
    case ColumnType::kJson: return "string";
  }
  return "string";
}

void Column::append_null() {
  valid_.push_back(0);
  switch (spec_.type) {
    case ColumnType::kFloat:
    case ColumnType::kDouble: reals_.push_back(0); break;
    case ColumnType::kDecimal: decimals_.push_back(0); break;
    case ColumnType::kString:
    case ColumnType::kBinary:
    case ColumnType::kUuid:
    case ColumnType::kJson: texts_.emplace_back(); break;
    default: ints_.push_back(0); break;
  }
}

void Column::append_int(int64_t value) {
  valid_.push_back(1);
  ints_.push_back(value);
}

void Column::append_real(double value) {
  valid_.push_back(1);
  reals_.push_back(value);
}

void Column::append_text(std::string value) {
  valid_.push_back(1);
  texts_.push_back(std::move(value));
}

void Column::append_decimal(__int128 unscaled) {
  valid_.push_back(1);
  decimals_.push_back(unscaled);
}

void Column::truncate(size_t rows) {
  valid_.resize(std::min(valid_.size(), rows));
  ints_.resize(std::min(ints_.size(), rows));
  reals_.resize(std::min(reals_.size(), rows));
  texts_.resize(std::min(texts_.size(), rows));
  decimals_.resize(std::min(decimals_.size(), rows));
}

ColumnBatch::ColumnBatch(const std::vector<ColumnSpec>& specs) {
  columns_.reserve(specs.size());
  for (const auto& spec : specs) columns_.emplace_back(spec);
}

void ColumnBatch::clear() {
  for (auto& c : columns_) c.clear();
  rows_ = 0;
}

std::string decimal_to_string(__int128 unscaled, int scale) {
  bool negative = unscaled < 0;
  // The magnitude as unsigned, so that the smallest value does not overflow.
  unsigned __int128 magnitude = negative ? -static_cast<unsigned __int128>(unscaled) : static_cast<unsigned __int128>(unscaled);
  std::string digits;
  do {
    digits.push_back(static_cast<char>('0' + static_cast<int>(magnitude % 10)));
    magnitude /= 10;
  } while (magnitude != 0);
  while (static_cast<int>(digits.size()) <= scale) digits.push_back('0');
  std::string out = negative ? "-" : "";
  for (size_t i = digits.size(); i-- > 0;) {
    out.push_back(digits[i]);
    if (scale > 0 && i == static_cast<size_t>(scale)) out.push_back('.');
  }
  return out;
}

}  // namespace loch::decode
