#include "store/sql/logical_type.h"

namespace loch::sql {
namespace {

// Takes ownership of a C string allocated by DuckDB.
std::string take_string(char* text) {
  std::string out = text ? text : "";
  duckdb_free(text);
  return out;
}

std::string simple_type_name(duckdb_type id) {
  switch (id) {
    case DUCKDB_TYPE_BOOLEAN: return "BOOLEAN";
    case DUCKDB_TYPE_TINYINT: return "TINYINT";
    case DUCKDB_TYPE_SMALLINT: return "SMALLINT";
    case DUCKDB_TYPE_INTEGER: return "INTEGER";
    case DUCKDB_TYPE_BIGINT: return "BIGINT";
    case DUCKDB_TYPE_UTINYINT: return "UTINYINT";
    case DUCKDB_TYPE_USMALLINT: return "USMALLINT";
    case DUCKDB_TYPE_UINTEGER: return "UINTEGER";
    case DUCKDB_TYPE_UBIGINT: return "UBIGINT";
    case DUCKDB_TYPE_HUGEINT: return "HUGEINT";
    case DUCKDB_TYPE_UHUGEINT: return "UHUGEINT";
    case DUCKDB_TYPE_FLOAT: return "FLOAT";
    case DUCKDB_TYPE_DOUBLE: return "DOUBLE";
    case DUCKDB_TYPE_VARCHAR: return "VARCHAR";
    case DUCKDB_TYPE_BLOB: return "BLOB";
    case DUCKDB_TYPE_DATE: return "DATE";
    case DUCKDB_TYPE_TIME: return "TIME";
    case DUCKDB_TYPE_TIME_TZ: return "TIME WITH TIME ZONE";
    case DUCKDB_TYPE_TIMESTAMP: return "TIMESTAMP";
    case DUCKDB_TYPE_TIMESTAMP_S: return "TIMESTAMP_S";
    case DUCKDB_TYPE_TIMESTAMP_MS: return "TIMESTAMP_MS";
    case DUCKDB_TYPE_TIMESTAMP_NS: return "TIMESTAMP_NS";
    case DUCKDB_TYPE_TIMESTAMP_TZ: return "TIMESTAMP WITH TIME ZONE";
    case DUCKDB_TYPE_INTERVAL: return "INTERVAL";
    case DUCKDB_TYPE_UUID: return "UUID";
    case DUCKDB_TYPE_BIT: return "BIT";
    case DUCKDB_TYPE_SQLNULL: return "NULL";
    default: return "UNKNOWN";
  }
}

}  // namespace

LogicalType& LogicalType::operator=(LogicalType&& other) noexcept {
  if (this != &other) {
    if (handle_) duckdb_destroy_logical_type(&handle_);
    handle_ = other.handle_;
    other.handle_ = nullptr;
  }
  return *this;
}

LogicalType::~LogicalType() {
  if (handle_) duckdb_destroy_logical_type(&handle_);
}

LogicalType LogicalType::list_child() const { return LogicalType(duckdb_list_type_child_type(handle_)); }
LogicalType LogicalType::array_child() const { return LogicalType(duckdb_array_type_child_type(handle_)); }
size_t LogicalType::struct_child_count() const { return duckdb_struct_type_child_count(handle_); }
std::string LogicalType::struct_child_name(size_t index) const {
  return take_string(duckdb_struct_type_child_name(handle_, index));
}
LogicalType LogicalType::struct_child(size_t index) const {
  return LogicalType(duckdb_struct_type_child_type(handle_, index));
}
std::string LogicalType::enum_member(size_t index) const {
  return take_string(duckdb_enum_dictionary_value(handle_, index));
}

std::string LogicalType::to_sql() const {
  switch (id()) {
    case DUCKDB_TYPE_DECIMAL:
      return "DECIMAL(" + std::to_string(decimal_width()) + "," + std::to_string(decimal_scale()) + ")";
    case DUCKDB_TYPE_LIST:
      return list_child().to_sql() + "[]";
    case DUCKDB_TYPE_ARRAY:
      return array_child().to_sql() + "[" + std::to_string(duckdb_array_type_array_size(handle_)) + "]";
    case DUCKDB_TYPE_MAP:
      return "MAP(" + LogicalType(duckdb_map_type_key_type(handle_)).to_sql() + ", " +
             LogicalType(duckdb_map_type_value_type(handle_)).to_sql() + ")";
    case DUCKDB_TYPE_STRUCT: {
      std::string out = "STRUCT(";
      for (size_t i = 0; i < struct_child_count(); ++i) {
        if (i) out += ", ";
        out += "\"" + struct_child_name(i) + "\" " + struct_child(i).to_sql();
      }
      return out + ")";
    }
    case DUCKDB_TYPE_ENUM:
      return "ENUM";
    default:
      return simple_type_name(id());
  }
}

}  // namespace loch::sql
