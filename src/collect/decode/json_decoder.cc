// JSON payloads (Confluent's JSON Schema serializer writes the document as
// UTF-8 JSON text) parsed, validated against the JSON Schema, and mapped to
// columns from the schema's top-level "properties".
#include <fmt/format.h>

#include <limits>

#include "collect/decode/format_decoders.h"
#include "collect/decode/text_encoding.h"
#include "collect/registry/json_schema.h"

namespace loch::decode {
namespace {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

// The one non-null type a property schema allows ("type": "x" or
// ["x", "null"]); empty when it allows several or does not say.
std::string single_type(const ordered_json& schema, bool& nullable) {
  nullable = true;
  if (!schema.is_object()) return {};
  auto it = schema.find("type");
  if (it == schema.end()) return {};
  if (it->is_string()) {
    nullable = false;
    return it->get<std::string>();
  }
  if (!it->is_array()) return {};
  std::string found;
  bool has_null = false;
  for (const auto& t : *it) {
    if (!t.is_string()) return {};
    if (t == "null") {
      has_null = true;
    } else if (found.empty()) {
      found = t.get<std::string>();
    } else if (!(found == "number" && t == "integer") && !(found == "integer" && t == "number")) {
      return {};
    } else {
      found = "number";
    }
  }
  nullable = has_null;
  return found;
}

ColumnSpec column_for(const registry::JsonSchema& schema, std::string name, const ordered_json& property) {
  ColumnSpec spec;
  spec.name = std::move(name);
  const ordered_json* resolved = schema.resolve_ref(property);
  bool nullable = true;
  std::string type = resolved != nullptr ? single_type(*resolved, nullable) : std::string();
  // Properties may be absent from a document unless required; absent is NULL,
  // so every JSON column is nullable.
  spec.nullable = true;
  std::string format;
  if (resolved != nullptr && resolved->is_object()) {
    auto f = resolved->find("format");
    if (f != resolved->end() && f->is_string()) format = f->get<std::string>();
  }
  if (type == "integer") {
    spec.type = ColumnType::kInt64;
  } else if (type == "number") {
    spec.type = ColumnType::kDouble;
  } else if (type == "boolean") {
    spec.type = ColumnType::kBoolean;
  } else if (type == "string") {
    spec.type = format == "date" ? ColumnType::kDate : format == "uuid" ? ColumnType::kUuid : ColumnType::kString;
  } else {
    spec.type = ColumnType::kJson;
  }
  return spec;
}

Status append_cell(const json& value, Column& column) {
  if (value.is_null()) {
    column.append_null();
    return Status::ok();
  }
  switch (column.spec().type) {
    case ColumnType::kInt64:
      if (value.is_number_unsigned() && value.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return Status::corruption(fmt::format("integer {} does not fit BIGINT", value.dump()));
      }
      if (value.is_number_integer()) {
        column.append_int(value.get<int64_t>());
        return Status::ok();
      }
      if (value.is_number_float()) {
        double d = value.get<double>();
        // 2.0 is an integer for JSON Schema; the schema already validated it.
        if (d >= -9.2e18 && d <= 9.2e18 && d == static_cast<double>(static_cast<int64_t>(d))) {
          column.append_int(static_cast<int64_t>(d));
          return Status::ok();
        }
      }
      return Status::corruption(fmt::format("{} is not an integer", value.dump()));
    case ColumnType::kDouble:
      if (!value.is_number()) return Status::corruption(fmt::format("{} is not a number", value.dump()));
      column.append_real(value.get<double>());
      return Status::ok();
    case ColumnType::kBoolean:
      if (!value.is_boolean()) return Status::corruption(fmt::format("{} is not a boolean", value.dump()));
      column.append_int(value.get<bool>() ? 1 : 0);
      return Status::ok();
    case ColumnType::kString:
      if (!value.is_string()) return Status::corruption(fmt::format("{} is not a string", value.dump()));
      column.append_text(value.get<std::string>());
      return Status::ok();
    case ColumnType::kDate: {
      int64_t days = 0;
      if (!value.is_string() || !parse_iso_date(value.get_ref<const std::string&>(), days)) {
        return Status::corruption(fmt::format("{} is not a date (YYYY-MM-DD)", value.dump()));
      }
      column.append_int(days);
      return Status::ok();
    }
    case ColumnType::kUuid: {
      if (!value.is_string() || !is_uuid_text(value.get_ref<const std::string&>())) {
        return Status::corruption(fmt::format("{} is not a UUID", value.dump()));
      }
      std::string text = value.get<std::string>();
      for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      column.append_text(std::move(text));
      return Status::ok();
    }
    default: column.append_text(value.dump()); return Status::ok();
  }
}

class JsonDecoder final : public RecordDecoder {
 public:
  JsonDecoder(std::shared_ptr<const registry::ParsedSchema> schema, std::vector<ColumnSpec> columns, bool whole_document)
      : RecordDecoder(std::move(columns)),
        schema_(std::move(schema)),
        json_schema_(static_cast<const registry::JsonSchema&>(*schema_)),
        whole_document_(whole_document) {}

 protected:
  Status decode_row(std::string_view payload, ColumnBatch& out) const override {
    json document = json::parse(payload.begin(), payload.end(), nullptr, false);
    if (document.is_discarded()) return Status::corruption("JSON payload is not valid JSON");
    std::vector<std::string> violations = json_schema_.validate(document, 3);
    if (!violations.empty()) {
      std::string joined;
      for (const auto& v : violations) joined += (joined.empty() ? "" : "; ") + v;
      return Status::corruption("JSON document does not match its schema: " + joined);
    }
    if (whole_document_) return append_cell(document, out.column(0));
    for (size_t i = 0; i < columns().size(); ++i) {
      const std::string& name = columns()[i].name;
      auto it = document.is_object() ? document.find(name) : document.end();
      Status s = it == document.end() ? (out.column(i).append_null(), Status::ok()) : append_cell(*it, out.column(i));
      if (!s.is_ok()) return Status::corruption(fmt::format("JSON property '{}': {}", name, s.message()));
    }
    return Status::ok();
  }

 private:
  std::shared_ptr<const registry::ParsedSchema> schema_;
  const registry::JsonSchema& json_schema_;
  bool whole_document_;
};

}  // namespace

Result<std::shared_ptr<const RecordDecoder>> make_json_decoder(std::shared_ptr<const registry::ParsedSchema> schema) {
  const auto* js = dynamic_cast<const registry::JsonSchema*>(schema.get());
  if (js == nullptr) return Status::invalid_argument("not a JSON schema");
  std::vector<ColumnSpec> columns;
  const ordered_json* root = js->resolve_ref(js->document());
  const ordered_json* properties = nullptr;
  if (root != nullptr && root->is_object()) {
    auto it = root->find("properties");
    if (it != root->end() && it->is_object() && !it->empty()) properties = &*it;
  }
  if (properties != nullptr) {
    for (const auto& [name, property] : properties->items()) columns.push_back(column_for(*js, name, property));
    return std::shared_ptr<const RecordDecoder>(std::make_shared<JsonDecoder>(std::move(schema), std::move(columns), false));
  }
  ColumnSpec whole;
  whole.name = "value";
  whole.type = ColumnType::kJson;
  columns.push_back(whole);
  return std::shared_ptr<const RecordDecoder>(std::make_shared<JsonDecoder>(std::move(schema), std::move(columns), true));
}

}  // namespace loch::decode
