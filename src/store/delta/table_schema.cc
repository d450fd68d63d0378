#include "store/delta/table_schema.h"

#include "store/delta/file_paths.h"

namespace loch::delta {
namespace {

using nlohmann::json;

Result<DataType> parse_type(const json& type);

Result<StructField> parse_field(const json& field) {
  if (!field.is_object() || !field.contains("name") || !field["name"].is_string() || !field.contains("type")) {
    return Status::corruption("schema: a struct field without name or type");
  }
  StructField out;
  out.name = field["name"].get<std::string>();
  auto type = parse_type(field["type"]);
  if (!type.is_ok()) return type.status().with_context("field " + out.name);
  out.type = std::move(type).value();
  out.nullable = !field.contains("nullable") || !field["nullable"].is_boolean() || field["nullable"].get<bool>();
  out.metadata = field.contains("metadata") ? field["metadata"] : json::object();
  return out;
}

Result<DataType> parse_type(const json& type) {
  DataType out;
  if (type.is_string()) {
    out.primitive = type.get<std::string>();
    return out;
  }
  if (!type.is_object() || !type.contains("type") || !type["type"].is_string()) {
    return Status::corruption("schema: a type is neither a name nor an object with a type");
  }
  const std::string kind = type["type"].get<std::string>();
  if (kind == "struct") {
    out.kind = DataType::Kind::kStruct;
    if (!type.contains("fields") || !type["fields"].is_array()) return Status::corruption("schema: struct without fields");
    for (const auto& field : type["fields"]) {
      LOCH_ASSIGN_OR_RETURN(StructField parsed, parse_field(field));
      out.fields.push_back(std::move(parsed));
    }
  } else if (kind == "array") {
    out.kind = DataType::Kind::kArray;
    if (!type.contains("elementType")) return Status::corruption("schema: array without elementType");
    LOCH_ASSIGN_OR_RETURN(DataType element, parse_type(type["elementType"]));
    out.element = std::make_shared<DataType>(std::move(element));
  } else if (kind == "map") {
    out.kind = DataType::Kind::kMap;
    if (!type.contains("keyType") || !type.contains("valueType")) return Status::corruption("schema: map without key or value type");
    LOCH_ASSIGN_OR_RETURN(DataType key, parse_type(type["keyType"]));
    LOCH_ASSIGN_OR_RETURN(DataType value, parse_type(type["valueType"]));
    out.key = std::make_shared<DataType>(std::move(key));
    out.value = std::make_shared<DataType>(std::move(value));
  } else {
    return Status::not_supported("schema: unknown type '" + kind + "'");
  }
  return out;
}

}  // namespace

std::string StructField::physical_name(bool column_mapping) const {
  if (column_mapping && metadata.is_object()) {
    auto it = metadata.find("delta.columnMapping.physicalName");
    if (it != metadata.end() && it->is_string()) return it->get<std::string>();
  }
  return name;
}

const StructField* TableSchema::find(const std::string& name) const {
  for (const auto& field : fields) {
    if (field.name == name) return &field;
  }
  // Delta column names are case-insensitive.
  for (const auto& field : fields) {
    if (field.name.size() == name.size() &&
        std::equal(name.begin(), name.end(), field.name.begin(),
                   [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b)); })) {
      return &field;
    }
  }
  return nullptr;
}

Result<TableSchema> parse_schema(const std::string& schema_string) {
  json parsed = json::parse(schema_string, nullptr, false);
  if (parsed.is_discarded()) return Status::corruption("metaData.schemaString is not JSON");
  LOCH_ASSIGN_OR_RETURN(DataType root, parse_type(parsed));
  if (root.kind != DataType::Kind::kStruct) return Status::corruption("metaData.schemaString is not a struct");
  return TableSchema{std::move(root.fields)};
}

Result<std::string> duckdb_type(const DataType& type) {
  switch (type.kind) {
    case DataType::Kind::kStruct: {
      std::string out = "STRUCT(";
      for (size_t i = 0; i < type.fields.size(); ++i) {
        if (i > 0) out += ", ";
        LOCH_ASSIGN_OR_RETURN(std::string child, duckdb_type(type.fields[i].type));
        out += sql_identifier(type.fields[i].name) + " " + child;
      }
      return out + ")";
    }
    case DataType::Kind::kArray: {
      LOCH_ASSIGN_OR_RETURN(std::string element, duckdb_type(*type.element));
      return element + "[]";
    }
    case DataType::Kind::kMap: {
      LOCH_ASSIGN_OR_RETURN(std::string key, duckdb_type(*type.key));
      LOCH_ASSIGN_OR_RETURN(std::string value, duckdb_type(*type.value));
      return "MAP(" + key + ", " + value + ")";
    }
    case DataType::Kind::kPrimitive:
      break;
  }
  const std::string& p = type.primitive;
  if (p == "string") return std::string("VARCHAR");
  if (p == "long") return std::string("BIGINT");
  if (p == "integer") return std::string("INTEGER");
  if (p == "short") return std::string("SMALLINT");
  if (p == "byte") return std::string("TINYINT");
  if (p == "float") return std::string("FLOAT");
  if (p == "double") return std::string("DOUBLE");
  if (p == "boolean") return std::string("BOOLEAN");
  if (p == "binary") return std::string("BLOB");
  if (p == "date") return std::string("DATE");
  if (p == "timestamp") return std::string("TIMESTAMPTZ");
  if (p == "timestamp_ntz") return std::string("TIMESTAMP");
  if (p.starts_with("decimal")) {
    std::string out = "DECIMAL";
    for (char c : p.substr(7)) {
      if (c != ' ') out.push_back(c);
    }
    if (out == "DECIMAL") out = "DECIMAL(10,0)";
    return out;
  }
  return Status::not_supported("Delta type '" + p + "' is not supported by loch's reader");
}

std::string delta_type_name(const DataType& type) {
  switch (type.kind) {
    case DataType::Kind::kStruct: {
      std::string out = "struct<";
      for (size_t i = 0; i < type.fields.size(); ++i) {
        if (i > 0) out += ",";
        out += type.fields[i].name + ":" + delta_type_name(type.fields[i].type);
      }
      return out + ">";
    }
    case DataType::Kind::kArray:
      return "array<" + delta_type_name(*type.element) + ">";
    case DataType::Kind::kMap:
      return "map<" + delta_type_name(*type.key) + "," + delta_type_name(*type.value) + ">";
    case DataType::Kind::kPrimitive:
      break;
  }
  return type.primitive;
}

bool has_renamed_fields(const DataType& type) {
  switch (type.kind) {
    case DataType::Kind::kStruct:
      for (const auto& field : type.fields) {
        if (field.physical_name(true) != field.name || has_renamed_fields(field.type)) return true;
      }
      return false;
    case DataType::Kind::kArray:
      return has_renamed_fields(*type.element);
    case DataType::Kind::kMap:
      return has_renamed_fields(*type.key) || has_renamed_fields(*type.value);
    case DataType::Kind::kPrimitive:
      return false;
  }
  return false;
}

}  // namespace loch::delta
