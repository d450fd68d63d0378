// Value: an owned duckdb_value, used to bind parameters and append cells
// where the type is only known at run time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <duckdb.h>

namespace loch::sql {

class Value {
 public:
  static Value null() { return Value(duckdb_create_null_value()); }
  static Value boolean(bool v) { return Value(duckdb_create_bool(v)); }
  static Value int32(int32_t v) { return Value(duckdb_create_int32(v)); }
  static Value int64(int64_t v) { return Value(duckdb_create_int64(v)); }
  static Value float64(double v) { return Value(duckdb_create_double(v)); }
  static Value varchar(std::string_view v) { return Value(duckdb_create_varchar_length(v.data(), v.size())); }
  static Value blob(std::string_view v) {
    return Value(duckdb_create_blob(reinterpret_cast<const uint8_t*>(v.data()), v.size()));
  }

  explicit Value(duckdb_value handle) : handle_(handle) {}
  Value(Value&& other) noexcept : handle_(other.handle_) { other.handle_ = nullptr; }
  Value& operator=(Value&& other) noexcept;
  Value(const Value&) = delete;
  Value& operator=(const Value&) = delete;
  ~Value();

  duckdb_value handle() const { return handle_; }
  bool is_null() const { return duckdb_is_null_value(handle_); }
  int64_t as_int64() const { return duckdb_get_int64(handle_); }
  double as_double() const { return duckdb_get_double(handle_); }
  // The value as a SQL literal, as DuckDB writes it (42, 'hello', [1, 2]).
  std::string to_string() const;

 private:
  duckdb_value handle_;
};

}  // namespace loch::sql
