#include "collect/registry/registry_types.h"

#include <algorithm>
#include <cctype>

namespace loch::registry {
namespace {

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) == std::toupper(static_cast<unsigned char>(y));
         });
}

}  // namespace

std::string_view schema_type_name(SchemaType type) {
  switch (type) {
    case SchemaType::kAvro: return "AVRO";
    case SchemaType::kJson: return "JSON";
    case SchemaType::kProtobuf: return "PROTOBUF";
  }
  return "AVRO";
}

std::optional<SchemaType> parse_schema_type(std::string_view name) {
  for (SchemaType type : {SchemaType::kAvro, SchemaType::kJson, SchemaType::kProtobuf}) {
    if (equals_ignoring_case(name, schema_type_name(type))) return type;
  }
  return std::nullopt;
}

std::string_view compatibility_level_name(CompatibilityLevel level) {
  switch (level) {
    case CompatibilityLevel::kNone: return "NONE";
    case CompatibilityLevel::kBackward: return "BACKWARD";
    case CompatibilityLevel::kBackwardTransitive: return "BACKWARD_TRANSITIVE";
    case CompatibilityLevel::kForward: return "FORWARD";
    case CompatibilityLevel::kForwardTransitive: return "FORWARD_TRANSITIVE";
    case CompatibilityLevel::kFull: return "FULL";
    case CompatibilityLevel::kFullTransitive: return "FULL_TRANSITIVE";
  }
  return "NONE";
}

std::optional<CompatibilityLevel> parse_compatibility_level(std::string_view name) {
  for (CompatibilityLevel level :
       {CompatibilityLevel::kNone, CompatibilityLevel::kBackward, CompatibilityLevel::kBackwardTransitive,
        CompatibilityLevel::kForward, CompatibilityLevel::kForwardTransitive, CompatibilityLevel::kFull,
        CompatibilityLevel::kFullTransitive}) {
    if (equals_ignoring_case(name, compatibility_level_name(level))) return level;
  }
  return std::nullopt;
}

bool is_transitive(CompatibilityLevel level) {
  return level == CompatibilityLevel::kBackwardTransitive || level == CompatibilityLevel::kForwardTransitive ||
         level == CompatibilityLevel::kFullTransitive;
}

bool checks_backward(CompatibilityLevel level) {
  return level == CompatibilityLevel::kBackward || level == CompatibilityLevel::kBackwardTransitive ||
         level == CompatibilityLevel::kFull || level == CompatibilityLevel::kFullTransitive;
}

bool checks_forward(CompatibilityLevel level) {
  return level == CompatibilityLevel::kForward || level == CompatibilityLevel::kForwardTransitive ||
         level == CompatibilityLevel::kFull || level == CompatibilityLevel::kFullTransitive;
}

std::string_view mode_name(Mode mode) {
  switch (mode) {
    case Mode::kReadWrite: return "READWRITE";
    case Mode::kReadOnly: return "READONLY";
    case Mode::kReadOnlyOverride: return "READONLY_OVERRIDE";
    case Mode::kImport: return "IMPORT";
  }
  return "READWRITE";
}

std::optional<Mode> parse_mode(std::string_view name) {
  for (Mode mode : {Mode::kReadWrite, Mode::kReadOnly, Mode::kReadOnlyOverride, Mode::kImport}) {
    if (equals_ignoring_case(name, mode_name(mode))) return mode;
  }
  return std::nullopt;
}

}  // namespace loch::registry
