// Vocabulary of the schema registry: schema formats, compatibility levels,
// modes and references, with the spellings Confluent's REST API uses.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace loch::registry {

// The formats a subject may hold. AVRO is the default when a request names none.
enum class SchemaType { kAvro, kJson, kProtobuf };

// "AVRO", "JSON", "PROTOBUF".
std::string_view schema_type_name(SchemaType type);
// Accepts the names above in any case; std::nullopt for anything else.
std::optional<SchemaType> parse_schema_type(std::string_view name);

// What a new version must keep with earlier ones (Confluent's levels).
// BACKWARD: the new schema reads data written with the latest one.
// FORWARD: the latest schema reads data written with the new one. FULL: both.
// *_TRANSITIVE: the same against every live version, not only the latest.
enum class CompatibilityLevel {
  kNone,
  kBackward,
  kBackwardTransitive,
  kForward,
  kForwardTransitive,
  kFull,
  kFullTransitive,
};

std::string_view compatibility_level_name(CompatibilityLevel level);  // "BACKWARD", ...
std::optional<CompatibilityLevel> parse_compatibility_level(std::string_view name);  // any case
bool is_transitive(CompatibilityLevel level);
bool checks_backward(CompatibilityLevel level);  // BACKWARD*, FULL*
bool checks_forward(CompatibilityLevel level);   // FORWARD*, FULL*

// Registry mode, global or per subject.
enum class Mode { kReadWrite, kReadOnly, kReadOnlyOverride, kImport };
std::string_view mode_name(Mode mode);  // "READWRITE", "READONLY", "READONLY_OVERRIDE", "IMPORT"
std::optional<Mode> parse_mode(std::string_view name);  // any case

// A schema's dependency on a schema registered under another subject:
// `name` is how the referring schema names it (an Avro full name, a .proto
// import path, a JSON Schema $ref URL).
struct SchemaReference {
  std::string name;
  std::string subject;
  int32_t version = 0;
  friend bool operator==(const SchemaReference&, const SchemaReference&) = default;
};

// A reference resolved to its schema text, handed to the parsers. A schema's
// resolved references are listed dependencies first.
struct ResolvedReference {
  std::string name;
  std::string schema;
};

}  // namespace loch::registry
