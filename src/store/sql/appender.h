// Appender: fast row-by-row loading into a DuckDB table, bypassing SQL.
// Rows are buffered; flush() or destruction writes them.
#pragma once

#include <cstdint>
#include <string_view>

#include <duckdb.h>

#include "common/status.h"
#include "store/sql/data_chunk.h"
#include "store/sql/value.h"

namespace loch::sql {

class Appender {
 public:
  explicit Appender(duckdb_appender appender) : appender_(appender) {}
  Appender(Appender&& other) noexcept : appender_(other.appender_) { other.appender_ = nullptr; }
  Appender& operator=(Appender&& other) noexcept;
  Appender(const Appender&) = delete;
  Appender& operator=(const Appender&) = delete;
  ~Appender();  // flushes; errors at that point are lost, so call close()

  Status append_int64(int64_t value) { return check(duckdb_append_int64(appender_, value)); }
  Status append_int32(int32_t value) { return check(duckdb_append_int32(appender_, value)); }
  Status append_double(double value) { return check(duckdb_append_double(appender_, value)); }
  Status append_bool(bool value) { return check(duckdb_append_bool(appender_, value)); }
  Status append_varchar(std::string_view value) {
    return check(duckdb_append_varchar_length(appender_, value.data(), value.size()));
  }
  Status append_blob(std::string_view bytes) {
    return check(duckdb_append_blob(appender_, bytes.data(), bytes.size()));
  }
  Status append_null() { return check(duckdb_append_null(appender_)); }
  Status append(const Value& value) { return check(duckdb_append_value(appender_, value.handle())); }
  Status end_row() { return check(duckdb_appender_end_row(appender_)); }
  // Appends a whole chunk whose columns match the table's.
  Status append_chunk(const DataChunk& chunk) { return check(duckdb_append_data_chunk(appender_, chunk.handle())); }

  Status flush() { return check(duckdb_appender_flush(appender_)); }
  Status close() { return check(duckdb_appender_close(appender_)); }

 private:
  Status check(duckdb_state state);
  duckdb_appender appender_;
};

}  // namespace loch::sql
