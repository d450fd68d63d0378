#include "collect/registry/schema_records.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace loch::registry {

using ordered_json = nlohmann::ordered_json;
using json = nlohmann::json;

namespace {

std::string_view key_type_name(RecordKeyType type) {
  switch (type) {
    case RecordKeyType::kSchema: return "SCHEMA";
    case RecordKeyType::kConfig: return "CONFIG";
    case RecordKeyType::kMode: return "MODE";
    case RecordKeyType::kDeleteSubject: return "DELETE_SUBJECT";
    case RecordKeyType::kClearSubject: return "CLEAR_SUBJECT";
    case RecordKeyType::kNoop: return "NOOP";
  }
  return "NOOP";
}

Result<json> parse_object(std::string_view bytes, std::string_view what) {
  json parsed = json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return Status::corruption(fmt::format("_schemas {}: not a JSON object: {:.200}", what, bytes));
  }
  return parsed;
}

Result<std::string> string_member(const json& object, const char* name, std::string_view what) {
  const auto it = object.find(name);
  if (it == object.end() || !it->is_string()) {
    return Status::corruption(fmt::format("_schemas {}: no string \"{}\"", what, name));
  }
  return it->get<std::string>();
}

Result<int32_t> int_member(const json& object, const char* name, std::string_view what) {
  const auto it = object.find(name);
  if (it == object.end() || !it->is_number_integer() || it->get<int64_t>() < INT32_MIN || it->get<int64_t>() > INT32_MAX) {
    return Status::corruption(fmt::format("_schemas {}: no 32-bit integer \"{}\"", what, name));
  }
  return static_cast<int32_t>(it->get<int64_t>());
}

}  // namespace

std::string encode_record_key(const RecordKey& key) {
  ordered_json out = ordered_json::object();
  out["keytype"] = key_type_name(key.type);
  if (key.type != RecordKeyType::kNoop) {
    out["subject"] = key.subject ? ordered_json(*key.subject) : ordered_json(nullptr);
  }
  if (key.type == RecordKeyType::kSchema) out["version"] = key.version;
  out["magic"] = key.type == RecordKeyType::kSchema ? 1 : 0;
  return out.dump();
}

Result<RecordKey> decode_record_key(std::string_view bytes) {
  LOCH_ASSIGN_OR_RETURN(json object, parse_object(bytes, "key"));
  LOCH_ASSIGN_OR_RETURN(std::string type, string_member(object, "keytype", "key"));
  RecordKey key;
  if (type == "SCHEMA") {
    key.type = RecordKeyType::kSchema;
  } else if (type == "CONFIG") {
    key.type = RecordKeyType::kConfig;
  } else if (type == "MODE") {
    key.type = RecordKeyType::kMode;
  } else if (type == "DELETE_SUBJECT") {
    key.type = RecordKeyType::kDeleteSubject;
  } else if (type == "CLEAR_SUBJECT") {
    key.type = RecordKeyType::kClearSubject;
  } else if (type == "NOOP") {
    key.type = RecordKeyType::kNoop;
  } else {
    return Status::corruption(fmt::format("_schemas key: unknown keytype \"{}\"", type));
  }
  if (const auto subject = object.find("subject"); subject != object.end() && subject->is_string()) {
    key.subject = subject->get<std::string>();
  }
  const bool needs_subject = key.type == RecordKeyType::kSchema || key.type == RecordKeyType::kDeleteSubject ||
                             key.type == RecordKeyType::kClearSubject;
  if (needs_subject && !key.subject) return Status::corruption(fmt::format("_schemas {} key: no subject", type));
  if (key.type == RecordKeyType::kSchema) {
    LOCH_ASSIGN_OR_RETURN(key.version, int_member(object, "version", "SCHEMA key"));
    if (key.version < 1) return Status::corruption(fmt::format("_schemas SCHEMA key: version {} < 1", key.version));
  }
  return key;
}

std::string encode_schema_value(const SchemaValue& value) {
  ordered_json out = ordered_json::object();
  out["subject"] = value.subject;
  out["version"] = value.version;
  out["id"] = value.id;
  // Confluent leaves schemaType out for AVRO, the default.
  if (value.type != SchemaType::kAvro) out["schemaType"] = schema_type_name(value.type);
  if (!value.references.empty()) {
    ordered_json references = ordered_json::array();
    for (const SchemaReference& reference : value.references) {
      references.push_back({{"name", reference.name}, {"subject", reference.subject}, {"version", reference.version}});
    }
    out["references"] = std::move(references);
  }
  out["schema"] = value.schema;
  out["deleted"] = value.deleted;
  return out.dump();
}

Result<SchemaValue> decode_schema_value(std::string_view bytes) {
  LOCH_ASSIGN_OR_RETURN(json object, parse_object(bytes, "SCHEMA value"));
  SchemaValue value;
  LOCH_ASSIGN_OR_RETURN(value.subject, string_member(object, "subject", "SCHEMA value"));
  LOCH_ASSIGN_OR_RETURN(value.version, int_member(object, "version", "SCHEMA value"));
  LOCH_ASSIGN_OR_RETURN(value.id, int_member(object, "id", "SCHEMA value"));
  LOCH_ASSIGN_OR_RETURN(value.schema, string_member(object, "schema", "SCHEMA value"));
  if (const auto type = object.find("schemaType"); type != object.end() && !type->is_null()) {
    const auto parsed = type->is_string() ? parse_schema_type(type->get<std::string>()) : std::nullopt;
    if (!parsed) return Status::corruption(fmt::format("_schemas SCHEMA value: unknown schemaType {}", type->dump()));
    value.type = *parsed;
  }
  if (const auto references = object.find("references"); references != object.end() && !references->is_null()) {
    if (!references->is_array()) return Status::corruption("_schemas SCHEMA value: references is not an array");
    for (const json& reference : *references) {
      if (!reference.is_object()) return Status::corruption("_schemas SCHEMA value: a reference is not an object");
      SchemaReference parsed;
      LOCH_ASSIGN_OR_RETURN(parsed.name, string_member(reference, "name", "SCHEMA reference"));
      LOCH_ASSIGN_OR_RETURN(parsed.subject, string_member(reference, "subject", "SCHEMA reference"));
      LOCH_ASSIGN_OR_RETURN(parsed.version, int_member(reference, "version", "SCHEMA reference"));
      value.references.push_back(std::move(parsed));
    }
  }
  if (const auto deleted = object.find("deleted"); deleted != object.end() && deleted->is_boolean()) {
    value.deleted = deleted->get<bool>();
  }
  return value;
}

std::string encode_config_value(CompatibilityLevel level) {
  return ordered_json{{"compatibilityLevel", compatibility_level_name(level)}}.dump();
}

Result<CompatibilityLevel> decode_config_value(std::string_view bytes) {
  LOCH_ASSIGN_OR_RETURN(json object, parse_object(bytes, "CONFIG value"));
  LOCH_ASSIGN_OR_RETURN(std::string name, string_member(object, "compatibilityLevel", "CONFIG value"));
  const auto level = parse_compatibility_level(name);
  if (!level) return Status::corruption(fmt::format("_schemas CONFIG value: unknown level \"{}\"", name));
  return *level;
}

std::string encode_mode_value(Mode mode) { return ordered_json{{"mode", mode_name(mode)}}.dump(); }

Result<Mode> decode_mode_value(std::string_view bytes) {
  LOCH_ASSIGN_OR_RETURN(json object, parse_object(bytes, "MODE value"));
  LOCH_ASSIGN_OR_RETURN(std::string name, string_member(object, "mode", "MODE value"));
  const auto mode = parse_mode(name);
  if (!mode) return Status::corruption(fmt::format("_schemas MODE value: unknown mode \"{}\"", name));
  return *mode;
}

std::string encode_delete_subject_value(std::string_view subject, int32_t version) {
  ordered_json out = ordered_json::object();
  out["subject"] = subject;
  out["version"] = version;
  return out.dump();
}

Result<int32_t> decode_delete_subject_value(std::string_view bytes) {
  LOCH_ASSIGN_OR_RETURN(json object, parse_object(bytes, "DELETE_SUBJECT value"));
  return int_member(object, "version", "DELETE_SUBJECT value");
}

std::string encode_clear_subject_value(std::string_view subject) { return ordered_json{{"subject", subject}}.dump(); }

Status MemoryRecordSink::append(const SchemaRecord& record) {
  std::lock_guard lock(mutex_);
  if (next_failure_) {
    Status failure = *next_failure_;
    next_failure_.reset();
    return failure;
  }
  records_.push_back(record);
  return Status::ok();
}

std::vector<SchemaRecord> MemoryRecordSink::records() const {
  std::lock_guard lock(mutex_);
  return records_;
}

void MemoryRecordSink::fail_next_append(Status status) {
  std::lock_guard lock(mutex_);
  next_failure_ = std::move(status);
}

}  // namespace loch::registry
