#include "collect/registry/registry_json.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace loch::registry {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

namespace {

RegistryResult<json> parse_object(std::string_view body) {
  json parsed;
  try {
    parsed = json::parse(body);
  } catch (const json::parse_error& error) {
    return malformed_body(error.what());
  }
  if (!parsed.is_object()) return malformed_body("the body must be a JSON object");
  return parsed;
}

void add_type_and_references(SchemaType type, const std::vector<SchemaReference>& references, ordered_json& out) {
  if (type != SchemaType::kAvro) out["schemaType"] = schema_type_name(type);
  if (references.empty()) return;
  ordered_json list = ordered_json::array();
  for (const SchemaReference& reference : references) {
    list.push_back({{"name", reference.name}, {"subject", reference.subject}, {"version", reference.version}});
  }
  out["references"] = std::move(list);
}

std::optional<int32_t> as_int32(const json& value) {
  if (!value.is_number_integer()) return std::nullopt;
  const int64_t number = value.get<int64_t>();
  if (number < INT32_MIN || number > INT32_MAX) return std::nullopt;
  return static_cast<int32_t>(number);
}

}  // namespace

RegistryError malformed_body(std::string_view parser_message) {
  RegistryError error;
  error.http_status = 400;
  error.error_code = 400;
  error.message = fmt::format("Unrecognized request body: {}", parser_message);
  return error;
}

RegistryResult<SchemaRequest> parse_schema_request(std::string_view body, bool normalize) {
  auto parsed = parse_object(body);
  if (!parsed.is_ok()) return parsed.error();
  const json& object = *parsed;
  SchemaRequest request;
  request.normalize = normalize;
  const auto schema = object.find("schema");
  if (schema == object.end() || schema->is_null()) return RegistryError::invalid_schema("Empty schema");
  if (!schema->is_string()) return RegistryError::invalid_schema("\"schema\" must be a string");
  request.schema = schema->get<std::string>();
  if (const auto type = object.find("schemaType"); type != object.end() && !type->is_null()) {
    const auto parsed_type = type->is_string() ? parse_schema_type(type->get<std::string>()) : std::nullopt;
    if (!parsed_type) return RegistryError::invalid_schema(fmt::format("Invalid schema type {}", type->dump()));
    request.type = *parsed_type;
  }
  if (const auto references = object.find("references"); references != object.end() && !references->is_null()) {
    if (!references->is_array()) return RegistryError::invalid_schema("\"references\" must be an array");
    for (const json& reference : *references) {
      const bool well_formed = reference.is_object() && reference.contains("name") && reference["name"].is_string() &&
                               reference.contains("subject") && reference["subject"].is_string() &&
                               reference.contains("version") && as_int32(reference["version"]).has_value();
      if (!well_formed) return RegistryError::invalid_schema(fmt::format("Invalid reference {}", reference.dump()));
      request.references.push_back(
          {reference["name"].get<std::string>(), reference["subject"].get<std::string>(), *as_int32(reference["version"])});
    }
  }
  for (const char* member : {"id", "version"}) {
    const auto it = object.find(member);
    if (it == object.end() || it->is_null()) continue;
    const auto value = as_int32(*it);
    if (!value) return RegistryError::invalid_schema(fmt::format("\"{}\" must be a 32-bit integer", member));
    // Confluent clients send id/version 0 or -1 to mean "not given".
    if (*value <= 0) continue;
    (std::string_view(member) == "id" ? request.id : request.version) = *value;
  }
  return request;
}

RegistryResult<std::string> parse_config_request(std::string_view body) {
  auto parsed = parse_object(body);
  if (!parsed.is_ok()) return parsed.error();
  for (const char* member : {"compatibility", "compatibilityLevel"}) {
    const auto it = parsed->find(member);
    if (it != parsed->end() && it->is_string()) return it->get<std::string>();
  }
  return RegistryError::invalid_compatibility_level("");
}

RegistryResult<std::string> parse_mode_request(std::string_view body) {
  auto parsed = parse_object(body);
  if (!parsed.is_ok()) return parsed.error();
  const auto it = parsed->find("mode");
  if (it == parsed->end() || !it->is_string()) return RegistryError::invalid_mode("");
  return it->get<std::string>();
}

std::string register_response_json(const RegisterOutcome& outcome) { return ordered_json{{"id", outcome.id}}.dump(); }

std::string subject_schema_json(const SubjectSchema& schema) {
  ordered_json out = ordered_json::object();
  out["subject"] = schema.subject;
  out["version"] = schema.version;
  out["id"] = schema.id;
  add_type_and_references(schema.type, schema.references, out);
  out["schema"] = schema.schema;
  if (schema.deleted) out["deleted"] = true;
  return out.dump();
}

std::string subject_schemas_json(const std::vector<SubjectSchema>& schemas) {
  std::string out = "[";
  for (const SubjectSchema& schema : schemas) {
    if (out.size() > 1) out += ',';
    out += subject_schema_json(schema);
  }
  return out + "]";
}

std::string schema_by_id_json(const SchemaById& schema) {
  ordered_json out = ordered_json::object();
  add_type_and_references(schema.type, schema.references, out);
  out["schema"] = schema.schema;
  return out.dump();
}

std::string compatibility_json(const CompatibilityReport& report, bool verbose) {
  ordered_json out = ordered_json::object();
  out["is_compatible"] = report.is_compatible;
  if (verbose) out["messages"] = report.messages;
  return out.dump();
}

std::string config_get_json(CompatibilityLevel level) {
  return ordered_json{{"compatibilityLevel", compatibility_level_name(level)}}.dump();
}

std::string config_put_json(CompatibilityLevel level) {
  return ordered_json{{"compatibility", compatibility_level_name(level)}}.dump();
}

std::string mode_json(Mode mode) { return ordered_json{{"mode", mode_name(mode)}}.dump(); }

std::string subject_versions_json(const std::vector<SubjectVersion>& versions) {
  ordered_json out = ordered_json::array();
  for (const SubjectVersion& entry : versions) {
    ordered_json item = ordered_json::object();
    item["subject"] = entry.subject;
    item["version"] = entry.version;
    out.push_back(std::move(item));
  }
  return out.dump();
}

std::string json_array(const std::vector<int32_t>& values) { return json(values).dump(); }

std::string json_array(const std::vector<std::string>& values) { return json(values).dump(); }

}  // namespace loch::registry
