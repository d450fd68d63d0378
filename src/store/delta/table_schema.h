// The table schema (PROTOCOL.md "Schema Serialization Format") and its
// mapping to DuckDB types and to the physical names of column mapping.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace loch::delta {

struct StructField;

struct DataType {
  enum class Kind { kPrimitive, kStruct, kArray, kMap } kind = Kind::kPrimitive;
  std::string primitive;  // "long", "decimal(10,2)", "timestamp_ntz", ...
  std::vector<StructField> fields;  // kStruct
  std::shared_ptr<DataType> element;  // kArray
  std::shared_ptr<DataType> key;  // kMap
  std::shared_ptr<DataType> value;  // kMap
};

struct StructField {
  std::string name;
  DataType type;
  bool nullable = true;
  nlohmann::json metadata;

  // The column's name in the data files: delta.columnMapping.physicalName
  // under column mapping, else the logical name.
  std::string physical_name(bool column_mapping) const;
};

enum class ColumnMappingMode { kNone, kName, kId };

struct TableSchema {
  std::vector<StructField> fields;
  const StructField* find(const std::string& name) const;
};

Result<TableSchema> parse_schema(const std::string& schema_string);

// DuckDB's spelling of a Delta type: BIGINT, DECIMAL(10,2), TIMESTAMPTZ,
// STRUCT("a" INTEGER), INTEGER[], MAP(VARCHAR, BIGINT). Delta `timestamp` is
// an instant (TIMESTAMPTZ); `timestamp_ntz` is a wall-clock TIMESTAMP.
Result<std::string> duckdb_type(const DataType& type);

// The spelling of a type as Delta writes it (for DESCRIBE DETAIL).
std::string delta_type_name(const DataType& type);

// True if some field inside `type` has a physical name other than its own.
bool has_renamed_fields(const DataType& type);

}  // namespace loch::delta
