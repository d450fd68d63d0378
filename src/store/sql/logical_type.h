// LogicalType: an owned duckdb_logical_type, with the questions loch asks of it.
#pragma once

#include <string>

#include <duckdb.h>

namespace loch::sql {

class LogicalType {
 public:
  explicit LogicalType(duckdb_logical_type handle) : handle_(handle) {}
  explicit LogicalType(duckdb_type id) : handle_(duckdb_create_logical_type(id)) {}
  LogicalType(LogicalType&& other) noexcept : handle_(other.handle_) { other.handle_ = nullptr; }
  LogicalType& operator=(LogicalType&& other) noexcept;
  LogicalType(const LogicalType&) = delete;
  LogicalType& operator=(const LogicalType&) = delete;
  ~LogicalType();

  duckdb_type id() const { return duckdb_get_type_id(handle_); }
  duckdb_logical_type handle() const { return handle_; }

  // Types of nested children (LIST / ARRAY element, STRUCT member, MAP key and value).
  LogicalType list_child() const;
  LogicalType array_child() const;
  size_t struct_child_count() const;
  std::string struct_child_name(size_t index) const;
  LogicalType struct_child(size_t index) const;

  uint8_t decimal_width() const { return duckdb_decimal_width(handle_); }
  uint8_t decimal_scale() const { return duckdb_decimal_scale(handle_); }
  duckdb_type decimal_storage() const { return duckdb_decimal_internal_type(handle_); }
  duckdb_type enum_storage() const { return duckdb_enum_internal_type(handle_); }
  std::string enum_member(size_t index) const;

  // The SQL spelling, as DuckDB writes it ("DECIMAL(18,3)", "INTEGER[]").
  std::string to_sql() const;

 private:
  duckdb_logical_type handle_;
};

}  // namespace loch::sql
