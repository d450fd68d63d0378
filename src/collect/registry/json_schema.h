// JsonSchema: a JSON Schema document (drafts 4 to 2020-12, the keywords
// below) and Confluent's rules for when one accepts everything another does.
//
// Compatibility covers (a documented subset of Confluent's JsonSchemaDiff):
//   - boolean schemas and {} (accept everything);
//   - "type" (a name or a list; "integer" is narrower than "number"):
//     TYPE_NARROWED / TYPE_CHANGED when the reader drops a writer's type;
//   - "enum" / "const": ENUM_ARRAY_NARROWED / ENUM_ARRAY_CHANGED;
//   - strings: maxLength / minLength / pattern added or tightened;
//   - numbers: maximum / minimum / exclusiveMaximum / exclusiveMinimum added
//     or tightened, multipleOf added or changed to a non-divisor;
//   - objects: properties added or removed against open (no
//     additionalProperties, or true), closed (false) and partially open
//     (a schema) content models; "required" entries added without a default;
//     additionalProperties removed or narrowed; maxProperties / minProperties;
//   - arrays: "items" (one schema), tuples ("prefixItems" + "items", or
//     "items": [..] + "additionalItems"): ITEM_ADDED_TO_OPEN_CONTENT_MODEL,
//     ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL, items compared by position;
//     maxItems / minItems, uniqueItems added;
//   - "not" (NOT_TYPE_EXTENDED when it rejects more), "dependentRequired" /
//     array "dependencies" added or extended;
//   - anyOf / oneOf (each writer branch needs an accepting reader branch),
//     allOf (each reader branch must accept some writer branch), switching
//     between them (COMBINED_TYPE_CHANGED);
//   - "$ref" to "#/definitions/..", "#/$defs/.." and to referenced schemas
//     (by reference name), followed with a guard against cycles.
// Not checked: "if/then/else", "patternProperties", schema-valued
// "dependencies", "propertyNames", "contains", "format". Annotations
// (title, description, default, examples, $id, $comment) never matter.
#pragma once

#include <map>
#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "collect/registry/parsed_schema.h"

namespace loch::registry {

class JsonSchema final : public ParsedSchema {
 public:
  // InvalidArgument when the text is not JSON, not an object or boolean,
  // or uses a keyword with a value of the wrong shape.
  static Result<std::unique_ptr<JsonSchema>> parse(std::string_view text,
                                                   const std::vector<ResolvedReference>& references);

  SchemaType type() const override { return SchemaType::kJson; }
  std::string canonical() const override;   // compact JSON, key order kept
  std::string normalized() const override;  // compact JSON, keys sorted
  std::vector<std::string> read_differences(const ParsedSchema& writer, bool reader_is_new) const override;

  const nlohmann::ordered_json& document() const { return document_; }

  // Checks a JSON document against this schema (json_schema_validation.cc):
  // one line per violation, "#/path: what is wrong", at most
  // `max_violations` of them; empty when the document is valid. Covers the
  // validation keywords of drafts 4 to 2020-12 except "format",
  // "unevaluated*", "$dynamicRef" and remote $refs other than references.
  // Thread-safe (the schema is immutable after parse).
  std::vector<std::string> validate(const nlohmann::json& document, size_t max_violations = 10) const;

  // The schema a "$ref" designates ("#/definitions/x", "#/$defs/x", or a
  // reference name with an optional "#/..." pointer); nullptr when it
  // cannot be resolved. Schemas without "$ref" come back unchanged.
  const nlohmann::ordered_json* resolve_ref(const nlohmann::ordered_json& schema) const;
  // Compiled "pattern" and "patternProperties" expressions, by source text.
  const std::regex* pattern(const std::string& source) const;

 private:
  JsonSchema() = default;
  friend class JsonSchemaDiff;

  nlohmann::ordered_json document_;
  std::map<std::string, nlohmann::ordered_json> references_;  // by reference name
  std::map<std::string, std::regex> patterns_;  // filled by parse, read-only after
};

}  // namespace loch::registry
