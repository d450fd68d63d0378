// ColumnBatch: decoded records as typed columns, the shape in which later
// stages (pipelines, the bronze writer) append them to DuckDB or Delta.
//
// A batch has a fixed list of columns (ColumnSpec) chosen from the schema
// (doc/registry-decoding.md has the mapping per format); each decoded
// record adds exactly one value (or a null) to every column, so all columns
// always have rows() entries. Values live in one typed vector per column:
// no variant per cell, so appending a column to DuckDB is a loop over a
// plain array.
//
// The library has no DuckDB dependency, so the broker can use it for
// contract checks; appending a batch to DuckDB is an adapter's job.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace loch::decode {

// The logical column types a schema maps to. Each names the DuckDB type and
// the Delta type it becomes (column_type_duckdb_name / _delta_name).
enum class ColumnType {
  kBoolean,             // BOOLEAN / boolean                  (ints: 0 or 1)
  kInt32,               // INTEGER / integer                  (ints)
  kInt64,               // BIGINT / long                      (ints)
  kUint64,              // UBIGINT / decimal(20,0)            (ints, bit pattern)
  kFloat,               // FLOAT / float                      (reals)
  kDouble,              // DOUBLE / double                    (reals)
  kDecimal,             // DECIMAL(p,s) / decimal(p,s), p<=38 (decimals: unscaled)
  kString,              // VARCHAR / string                   (texts, UTF-8)
  kBinary,              // BLOB / binary                      (texts, raw bytes)
  kUuid,                // UUID / string                      (texts, 8-4-4-4-12 lowercase hex)
  kDate,                // DATE / date                        (ints: days since 1970-01-01)
  kTimeMicros,          // TIME / long                        (ints: microseconds after midnight)
  kTimestampMicros,     // TIMESTAMP WITH TIME ZONE / timestamp      (ints: µs since epoch, UTC)
  kTimestampNtzMicros,  // TIMESTAMP / timestamp_ntz                 (ints: µs, local wall clock)
  kJson,                // JSON / string                      (texts: nested values as JSON)
};

std::string_view column_type_name(ColumnType type);  // "boolean", "int32", ... (for messages)

struct ColumnSpec {
  std::string name;
  ColumnType type = ColumnType::kString;
  int precision = 0;  // kDecimal only
  int scale = 0;      // kDecimal only
  bool nullable = true;
  bool operator==(const ColumnSpec&) const = default;
};

// "DECIMAL(10,2)", "TIMESTAMP WITH TIME ZONE", ...
std::string duckdb_type_name(const ColumnSpec& spec);
// Delta's schema type strings (PROTOCOL.md "Primitive Types"): "decimal(10,2)", "timestamp_ntz", ...
std::string delta_type_name(const ColumnSpec& spec);

class Column {
 public:
  explicit Column(ColumnSpec spec) : spec_(std::move(spec)) {}

  const ColumnSpec& spec() const { return spec_; }
  size_t size() const { return valid_.size(); }
  bool is_null(size_t row) const { return valid_[row] == 0; }

  // Which vector holds the values depends on the type (see ColumnType);
  // a null row holds 0 / "" there so that indexes line up.
  const std::vector<int64_t>& ints() const { return ints_; }
  const std::vector<double>& reals() const { return reals_; }
  const std::vector<std::string>& texts() const { return texts_; }
  const std::vector<__int128>& decimals() const { return decimals_; }

  void append_null();
  void append_int(int64_t value);
  void append_real(double value);
  void append_text(std::string value);
  void append_decimal(__int128 unscaled);

  void truncate(size_t rows);  // drops rows from the end (a record that failed half-way)
  void clear() { truncate(0); }

 private:
  ColumnSpec spec_;
  std::vector<uint8_t> valid_;
  std::vector<int64_t> ints_;
  std::vector<double> reals_;
  std::vector<std::string> texts_;
  std::vector<__int128> decimals_;
};

class ColumnBatch {
 public:
  ColumnBatch() = default;
  explicit ColumnBatch(const std::vector<ColumnSpec>& specs);

  size_t rows() const { return rows_; }
  size_t column_count() const { return columns_.size(); }
  Column& column(size_t i) { return columns_[i]; }
  const Column& column(size_t i) const { return columns_[i]; }
  const std::vector<Column>& columns() const { return columns_; }

  // Ends a record: every column must hold exactly one more value.
  void finish_row() { ++rows_; }
  // Drops the values a failed record left in some columns.
  void rollback_row() {
    for (auto& c : columns_) c.truncate(rows_);
  }
  void clear();

 private:
  std::vector<Column> columns_;
  size_t rows_ = 0;  // complete rows
};

// The text of an unscaled decimal with `scale` digits after the point ("-12.50").
std::string decimal_to_string(__int128 unscaled, int scale);

}  // namespace loch::decode
