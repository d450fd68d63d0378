#include "collect/registry/json_schema.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace loch::registry {

using ordered_json = nlohmann::ordered_json;

namespace {

const std::set<std::string>& known_types() {
  static const std::set<std::string> kTypes = {"null", "boolean", "object", "array", "number", "integer", "string"};
  return kTypes;
}

Status check_schema_shape(const ordered_json& schema, const std::string& path, std::map<std::string, std::regex>& patterns);

// Bounds recursion: a hostile, deeply nested document is an error, not a stack overflow.
constexpr size_t kMaxPathLength = 4096;

Status validate_schema_map(const ordered_json& schema, const char* keyword, const std::string& path,
                           std::map<std::string, std::regex>& patterns) {
  const auto it = schema.find(keyword);
  if (it == schema.end()) return Status::ok();
  if (!it->is_object()) return Status::invalid_argument(fmt::format("{}/{}: must be an object", path, keyword));
  for (auto entry = it->begin(); entry != it->end(); ++entry) {
    LOCH_RETURN_IF_ERROR(check_schema_shape(entry.value(), fmt::format("{}/{}/{}", path, keyword, entry.key()), patterns));
  }
  return Status::ok();
}

Status validate_non_negative(const ordered_json& schema, const char* keyword, const std::string& path) {
  const auto it = schema.find(keyword);
  if (it != schema.end() && !(it->is_number_integer() && it->get<int64_t>() >= 0) &&
      !(it->is_number_unsigned())) {
    return Status::invalid_argument(fmt::format("{}/{}: must be a non-negative integer", path, keyword));
  }
  return Status::ok();
}

Status compile_pattern(const std::string& source, const std::string& path, std::map<std::string, std::regex>& patterns) {
  if (patterns.count(source)) return Status::ok();
  try {
    patterns.emplace(source, std::regex(source, std::regex::ECMAScript));
  } catch (const std::regex_error& error) {
    return Status::invalid_argument(fmt::format("{}: invalid regular expression {}: {}", path, source, error.what()));
  }
  return Status::ok();
}

Status check_schema_shape(const ordered_json& schema, const std::string& path, std::map<std::string, std::regex>& patterns) {
  if (path.size() > kMaxPathLength) return Status::invalid_argument(fmt::format("{:.64}...: schema nested too deeply", path));
  if (schema.is_boolean()) return Status::ok();
  if (!schema.is_object()) {
    return Status::invalid_argument(fmt::format("{}: a schema must be an object or a boolean, not {}", path, schema.dump()));
  }
  if (const auto type = schema.find("type"); type != schema.end()) {
    std::vector<ordered_json> names;
    if (type->is_array()) {
      names.assign(type->begin(), type->end());
    } else {
      names.push_back(*type);
    }
    for (const auto& name : names) {
      if (!name.is_string() || !known_types().count(name.get<std::string>())) {
        return Status::invalid_argument(fmt::format("{}/type: unknown type {}", path, name.dump()));
      }
    }
  }
  LOCH_RETURN_IF_ERROR(validate_schema_map(schema, "properties", path, patterns));
  LOCH_RETURN_IF_ERROR(validate_schema_map(schema, "definitions", path, patterns));
  LOCH_RETURN_IF_ERROR(validate_schema_map(schema, "$defs", path, patterns));
  LOCH_RETURN_IF_ERROR(validate_schema_map(schema, "patternProperties", path, patterns));
  if (const auto required = schema.find("required"); required != schema.end()) {
    if (!required->is_array() || !std::all_of(required->begin(), required->end(), [](const ordered_json& v) { return v.is_string(); })) {
      return Status::invalid_argument(fmt::format("{}/required: must be an array of strings", path));
    }
  }
  for (const char* keyword : {"additionalProperties", "items", "not", "additionalItems"}) {
    const auto it = schema.find(keyword);
    if (it == schema.end()) continue;
    if (std::string_view(keyword) == "items" && it->is_array()) {
      for (size_t i = 0; i < it->size(); ++i) LOCH_RETURN_IF_ERROR(check_schema_shape((*it)[i], fmt::format("{}/items/{}", path, i), patterns));
      continue;
    }
    LOCH_RETURN_IF_ERROR(check_schema_shape(*it, fmt::format("{}/{}", path, keyword), patterns));
  }
  if (const auto prefix = schema.find("prefixItems"); prefix != schema.end()) {
    if (!prefix->is_array()) return Status::invalid_argument(fmt::format("{}/prefixItems: must be an array", path));
    for (size_t i = 0; i < prefix->size(); ++i) LOCH_RETURN_IF_ERROR(check_schema_shape((*prefix)[i], fmt::format("{}/prefixItems/{}", path, i), patterns));
  }
  for (const char* keyword : {"anyOf", "oneOf", "allOf"}) {
    const auto it = schema.find(keyword);
    if (it == schema.end()) continue;
    if (!it->is_array() || it->empty()) {
      return Status::invalid_argument(fmt::format("{}/{}: must be a non-empty array", path, keyword));
    }
    for (size_t i = 0; i < it->size(); ++i) LOCH_RETURN_IF_ERROR(check_schema_shape((*it)[i], fmt::format("{}/{}/{}", path, keyword, i), patterns));
  }
  if (const auto values = schema.find("enum"); values != schema.end() && !values->is_array()) {
    return Status::invalid_argument(fmt::format("{}/enum: must be an array", path));
  }
  for (const char* keyword : {"maxLength", "minLength", "maxItems", "minItems", "maxProperties", "minProperties"}) {
    LOCH_RETURN_IF_ERROR(validate_non_negative(schema, keyword, path));
  }
  for (const char* keyword : {"maximum", "minimum", "multipleOf"}) {
    const auto it = schema.find(keyword);
    if (it != schema.end() && !it->is_number()) return Status::invalid_argument(fmt::format("{}/{}: must be a number", path, keyword));
  }
  if (const auto multiple = schema.find("multipleOf"); multiple != schema.end() && multiple->get<double>() <= 0) {
    return Status::invalid_argument(fmt::format("{}/multipleOf: must be greater than 0", path));
  }
  if (const auto pattern = schema.find("pattern"); pattern != schema.end()) {
    if (!pattern->is_string()) return Status::invalid_argument(fmt::format("{}/pattern: must be a string", path));
    LOCH_RETURN_IF_ERROR(compile_pattern(pattern->get<std::string>(), path + "/pattern", patterns));
  }
  if (const auto pattern_properties = schema.find("patternProperties"); pattern_properties != schema.end()) {
    for (auto it = pattern_properties->begin(); it != pattern_properties->end(); ++it) {
      LOCH_RETURN_IF_ERROR(compile_pattern(it.key(), path + "/patternProperties", patterns));
    }
  }
  for (const char* keyword : {"propertyNames", "contains", "if", "then", "else"}) {
    if (const auto it = schema.find(keyword); it != schema.end()) {
      LOCH_RETURN_IF_ERROR(check_schema_shape(*it, fmt::format("{}/{}", path, keyword), patterns));
    }
  }
  if (const auto ref = schema.find("$ref"); ref != schema.end() && !ref->is_string()) {
    return Status::invalid_argument(fmt::format("{}/$ref: must be a string", path));
  }
  return Status::ok();
}

Result<ordered_json> parse_json(std::string_view text, std::string_view what) {
  try {
    return ordered_json::parse(text);
  } catch (const std::exception& error) {
    return Status::invalid_argument(fmt::format("{}: not JSON: {}", what, error.what()));
  }
}

}  // namespace

Result<std::unique_ptr<JsonSchema>> JsonSchema::parse(std::string_view text, const std::vector<ResolvedReference>& references) {
  std::unique_ptr<JsonSchema> schema(new JsonSchema());
  LOCH_ASSIGN_OR_RETURN(schema->document_, parse_json(text, "schema"));
  LOCH_RETURN_IF_ERROR(check_schema_shape(schema->document_, "#", schema->patterns_));
  for (const ResolvedReference& reference : references) {
    LOCH_ASSIGN_OR_RETURN(ordered_json document, parse_json(reference.schema, fmt::format("reference {}", reference.name)));
    LOCH_RETURN_IF_ERROR(check_schema_shape(document, "#", schema->patterns_).with_context(fmt::format("reference {}", reference.name)));
    schema->references_[reference.name] = std::move(document);
  }
  return schema;
}

std::string JsonSchema::canonical() const { return document_.dump(); }

const ordered_json* JsonSchema::resolve_ref(const ordered_json& schema) const {
  const ordered_json* current = &schema;
  for (int hops = 0; hops < 32; ++hops) {
    if (!current->is_object()) return current;
    const auto ref = current->find("$ref");
    if (ref == current->end() || !ref->is_string()) return current;
    const std::string target = ref->get<std::string>();
    const ordered_json* root = &document_;
    std::string pointer = target;
    if (const size_t hash = target.find('#'); hash != 0) {
      const std::string document = target.substr(0, hash == std::string::npos ? target.size() : hash);
      const auto referenced = references_.find(document);
      if (referenced == references_.end()) return nullptr;
      root = &referenced->second;
      pointer = hash == std::string::npos ? "#" : target.substr(hash);
    }
    try {
      const std::string json_pointer = pointer.size() > 1 ? pointer.substr(1) : "";
      current = &root->at(ordered_json::json_pointer(json_pointer));
    } catch (const std::exception&) {
      return nullptr;
    }
  }
  return nullptr;
}

const std::regex* JsonSchema::pattern(const std::string& source) const {
  const auto it = patterns_.find(source);
  return it == patterns_.end() ? nullptr : &it->second;
}

std::string JsonSchema::normalized() const { return nlohmann::json::parse(document_.dump()).dump(); }

}  // namespace loch::registry
