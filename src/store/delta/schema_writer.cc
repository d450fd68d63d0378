#include "store/delta/schema_writer.h"

#include <cctype>
#include <map>

namespace loch::delta {
namespace {

using nlohmann::json;

std::string upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

// A recursive-descent parser over the type text.
class TypeParser {
 public:
  explicit TypeParser(const std::string& text) : text_(text) {}

  Result<DataType> parse_all() {
    LOCH_ASSIGN_OR_RETURN(DataType type, parse());
    skip_space();
    if (pos_ != text_.size()) return error("unexpected '" + text_.substr(pos_) + "'");
    return type;
  }

 private:
  Status error(const std::string& what) const {
    return Status::invalid_argument("type '" + text_ + "': " + what);
  }
  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool consume(char c) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  std::string word() {
    skip_space();
    size_t start = pos_;
    while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_')) ++pos_;
    return text_.substr(start, pos_ - start);
  }
  // A field name: a word or a "quoted" / `quoted` identifier.
  Result<std::string> field_name() {
    skip_space();
    if (pos_ < text_.size() && (text_[pos_] == '"' || text_[pos_] == '`')) {
      const char quote = text_[pos_++];
      std::string name;
      while (pos_ < text_.size()) {
        if (text_[pos_] == quote) {
          if (pos_ + 1 < text_.size() && text_[pos_ + 1] == quote) {
            name += quote;
            pos_ += 2;
            continue;
          }
          ++pos_;
          return name;
        }
        name += text_[pos_++];
      }
      return error("unterminated quoted name");
    }
    std::string name = word();
    if (name.empty()) return error("expected a field name");
    return name;
  }

  Result<DataType> parse() {
    LOCH_ASSIGN_OR_RETURN(DataType type, parse_base());
    // DuckDB's list suffix: INTEGER[] (and INTEGER[][]).
    while (true) {
      skip_space();
      if (pos_ + 1 < text_.size() && text_[pos_] == '[' && text_[pos_ + 1] == ']') {
        pos_ += 2;
        DataType list;
        list.kind = DataType::Kind::kArray;
        list.element = std::make_shared<DataType>(std::move(type));
        type = std::move(list);
        continue;
      }
      return type;
    }
  }

  Result<DataType> parse_base() {
    const std::string name = upper(word());
    if (name.empty()) return error("expected a type name");
    DataType type;
    if (name == "ARRAY" || name == "LIST") {
      const char close = consume('<') ? '>' : (consume('(') ? ')' : '\0');
      if (!close) return error("ARRAY needs <element type>");
      LOCH_ASSIGN_OR_RETURN(DataType element, parse());
      if (!consume(close)) return error("missing closing bracket of ARRAY");
      type.kind = DataType::Kind::kArray;
      type.element = std::make_shared<DataType>(std::move(element));
      return type;
    }
    if (name == "MAP") {
      const char close = consume('<') ? '>' : (consume('(') ? ')' : '\0');
      if (!close) return error("MAP needs <key type, value type>");
      LOCH_ASSIGN_OR_RETURN(DataType key, parse());
      if (!consume(',')) return error("MAP needs a key and a value type");
      LOCH_ASSIGN_OR_RETURN(DataType value, parse());
      if (!consume(close)) return error("missing closing bracket of MAP");
      type.kind = DataType::Kind::kMap;
      type.key = std::make_shared<DataType>(std::move(key));
      type.value = std::make_shared<DataType>(std::move(value));
      return type;
    }
    if (name == "STRUCT" || name == "ROW") {
      const char close = consume('<') ? '>' : (consume('(') ? ')' : '\0');
      if (!close) return error("STRUCT needs <name: type, ...>");
      type.kind = DataType::Kind::kStruct;
      if (consume(close)) return type;
      do {
        StructField field;
        LOCH_ASSIGN_OR_RETURN(field.name, field_name());
        consume(':');
        LOCH_ASSIGN_OR_RETURN(field.type, parse());
        field.metadata = json::object();
        type.fields.push_back(std::move(field));
      } while (consume(','));
      if (!consume(close)) return error("missing closing bracket of STRUCT");
      return type;
    }
    if (name == "DECIMAL" || name == "NUMERIC" || name == "DEC") {
      int precision = 10, scale = 0;
      if (consume('(')) {
        try {
          precision = std::stoi(word());
          if (consume(',')) scale = std::stoi(word());
        } catch (...) {
          return error("DECIMAL needs (precision, scale)");
        }
        if (!consume(')')) return error("missing ) of DECIMAL");
      }
      if (precision < 1 || precision > 38 || scale < 0 || scale > precision) {
        return error("DECIMAL precision must be 1..38 and scale 0..precision");
      }
      type.primitive = "decimal(" + std::to_string(precision) + "," + std::to_string(scale) + ")";
      return type;
    }
    if (name == "TIMESTAMP") {
      // TIMESTAMP WITH TIME ZONE is an instant; TIMESTAMP WITHOUT TIME ZONE
      // a wall-clock time. A bare TIMESTAMP is Spark's (an instant).
      size_t saved = pos_;
      std::string next = upper(word());
      if (next == "WITH" || next == "WITHOUT") {
        if (upper(word()) != "TIME" || upper(word()) != "ZONE") return error("expected TIME ZONE");
        type.primitive = next == "WITH" ? "timestamp" : "timestamp_ntz";
        return type;
      }
      pos_ = saved;
      type.primitive = "timestamp";
      return type;
    }
    static const std::map<std::string, std::string> names = {
        {"STRING", "string"},      {"VARCHAR", "string"},     {"TEXT", "string"},        {"CHAR", "string"},
        {"BPCHAR", "string"},      {"INT", "integer"},        {"INTEGER", "integer"},    {"INT4", "integer"},
        {"BIGINT", "long"},        {"LONG", "long"},          {"INT8", "long"},          {"SMALLINT", "short"},
        {"SHORT", "short"},        {"INT2", "short"},         {"TINYINT", "byte"},       {"BYTE", "byte"},
        {"INT1", "byte"},          {"DOUBLE", "double"},      {"FLOAT8", "double"},      {"FLOAT", "float"},
        {"REAL", "float"},         {"FLOAT4", "float"},       {"BOOLEAN", "boolean"},    {"BOOL", "boolean"},
        {"DATE", "date"},          {"TIMESTAMPTZ", "timestamp"}, {"TIMESTAMP_NTZ", "timestamp_ntz"},
        {"BINARY", "binary"},      {"BLOB", "binary"},        {"BYTEA", "binary"}};
    auto it = names.find(name);
    if (it == names.end()) {
      return error(name + " has no Delta type (use STRING, INT, BIGINT, DOUBLE, DECIMAL(p,s), BOOLEAN, DATE, "
                          "TIMESTAMP, TIMESTAMP_NTZ, BINARY, ARRAY, MAP or STRUCT)");
    }
    // VARCHAR(10), CHAR(3): the length is not part of a Delta string.
    if ((name == "VARCHAR" || name == "CHAR") && consume('(')) {
      word();
      if (!consume(')')) return error("missing ) after the length");
    }
    type.primitive = it->second;
    return type;
  }

  const std::string& text_;
  size_t pos_ = 0;
};

}  // namespace

Result<DataType> parse_sql_type(const std::string& text) { return TypeParser(text).parse_all(); }

json type_json(const DataType& type) {
  switch (type.kind) {
    case DataType::Kind::kPrimitive:
      return type.primitive;
    case DataType::Kind::kArray:
      return {{"type", "array"}, {"elementType", type_json(*type.element)}, {"containsNull", true}};
    case DataType::Kind::kMap:
      return {{"type", "map"},
              {"keyType", type_json(*type.key)},
              {"valueType", type_json(*type.value)},
              {"valueContainsNull", true}};
    case DataType::Kind::kStruct: {
      json fields = json::array();
      for (const auto& field : type.fields) fields.push_back(field_json(field));
      return {{"type", "struct"}, {"fields", fields}};
    }
  }
  return nullptr;
}

json field_json(const StructField& field) {
  return {{"name", field.name},
          {"type", type_json(field.type)},
          {"nullable", field.nullable},
          {"metadata", field.metadata.is_object() ? field.metadata : json::object()}};
}

std::string schema_string(const TableSchema& schema) {
  json fields = json::array();
  for (const auto& field : schema.fields) fields.push_back(field_json(field));
  return json{{"type", "struct"}, {"fields", fields}}.dump();
}

}  // namespace loch::delta
