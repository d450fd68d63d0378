// DataChunk and VectorView: typed, zero-copy access to a batch of result rows.
//
// A chunk holds up to duckdb_vector_size() rows column by column. Hot paths
// read fixed-width columns as arrays (`view.values<int64_t>()`) and strings as
// string_views into DuckDB's memory; nothing is converted per row.
#pragma once

#include <cstdint>
#include <string_view>

#include <duckdb.h>

#include "store/sql/logical_type.h"

namespace loch::sql {

class VectorView {
 public:
  VectorView(duckdb_vector vector, size_t row_count) : vector_(vector), row_count_(row_count) {}

  size_t size() const { return row_count_; }
  LogicalType type() const { return LogicalType(duckdb_vector_get_column_type(vector_)); }

  bool is_valid(size_t row) const {
    uint64_t* validity = duckdb_vector_get_validity(vector_);
    return validity == nullptr || duckdb_validity_row_is_valid(validity, row);
  }

  // The column as an array of its physical type (int32_t for INTEGER and DATE,
  // int64_t for BIGINT and TIMESTAMP, double for DOUBLE, ...). The caller
  // picks T to match the type; rows that are not valid hold garbage.
  template <typename T>
  const T* values() const {
    return static_cast<const T*>(duckdb_vector_get_data(vector_));
  }

  // VARCHAR and BLOB cells, borrowed from the chunk.
  std::string_view string_at(size_t row) const {
    auto* strings = static_cast<duckdb_string_t*>(duckdb_vector_get_data(vector_));
    duckdb_string_t& s = strings[row];
    return {duckdb_string_t_data(&s), duckdb_string_t_length(s)};
  }

  // LIST cells: the entry (offset, length) into list_child().
  duckdb_list_entry list_entry(size_t row) const { return values<duckdb_list_entry>()[row]; }
  VectorView list_child() const {
    return VectorView(duckdb_list_vector_get_child(vector_), duckdb_list_vector_get_size(vector_));
  }
  VectorView array_child(size_t array_size) const {
    return VectorView(duckdb_array_vector_get_child(vector_), row_count_ * array_size);
  }
  VectorView struct_child(size_t index) const {
    return VectorView(duckdb_struct_vector_get_child(vector_, index), row_count_);
  }

  duckdb_vector handle() const { return vector_; }

 private:
  duckdb_vector vector_;
  size_t row_count_;
};

class DataChunk {
 public:
  explicit DataChunk(duckdb_data_chunk handle) : handle_(handle) {}
  DataChunk(DataChunk&& other) noexcept : handle_(other.handle_) { other.handle_ = nullptr; }
  DataChunk& operator=(DataChunk&& other) noexcept;
  DataChunk(const DataChunk&) = delete;
  DataChunk& operator=(const DataChunk&) = delete;
  ~DataChunk();

  size_t size() const { return duckdb_data_chunk_get_size(handle_); }
  size_t column_count() const { return duckdb_data_chunk_get_column_count(handle_); }
  VectorView column(size_t index) const {
    return VectorView(duckdb_data_chunk_get_vector(handle_, index), size());
  }
  duckdb_data_chunk handle() const { return handle_; }

 private:
  duckdb_data_chunk handle_;
};

}  // namespace loch::sql
