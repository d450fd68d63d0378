// AvroSchema: an Avro schema (JSON text, Avro specification 1.11) parsed into
// a graph of nodes, with its Parsing Canonical Form, its CRC-64-AVRO
// fingerprint and the compact text form Avro's Java library prints (which is
// what Confluent stores and returns).
//
// Named types (record, enum, fixed) may refer to each other and to
// themselves; references to other subjects' schemas (ResolvedReference) are
// parsed first, so their named types can be used by name.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "collect/registry/parsed_schema.h"

namespace loch::registry {

enum class AvroKind { kNull, kBoolean, kInt, kLong, kFloat, kDouble, kBytes, kString, kRecord, kEnum, kArray, kMap, kUnion, kFixed };

// "null", "boolean", ..., "record", "union".
std::string_view avro_kind_name(AvroKind kind);

struct AvroNode;

struct AvroField {
  std::string name;
  const AvroNode* type = nullptr;
  std::optional<nlohmann::json> default_value;
  std::vector<std::string> aliases;
  std::optional<std::string> doc;
  std::string order = "ascending";
  nlohmann::ordered_json props;  // attributes Avro does not define, kept in order
};

// Nodes are owned by their AvroSchema and never move; pointers between them
// (items, values, branches, field types) stay valid as long as the schema.
struct AvroNode {
  AvroKind kind = AvroKind::kNull;
  // Named types only.
  std::string full_name;   // "com.acme.User"
  std::string name_space;  // "com.acme" or ""
  std::vector<std::string> aliases;  // full names
  std::optional<std::string> doc;
  bool is_error = false;  // "type": "error" records
  std::vector<AvroField> fields;           // record
  std::vector<std::string> symbols;        // enum
  std::optional<std::string> enum_default;  // enum
  const AvroNode* items = nullptr;          // array
  const AvroNode* values = nullptr;         // map
  std::vector<const AvroNode*> branches;    // union
  int64_t size = 0;                         // fixed
  nlohmann::ordered_json props;             // other attributes, e.g. logicalType

  bool is_named() const { return kind == AvroKind::kRecord || kind == AvroKind::kEnum || kind == AvroKind::kFixed; }
  std::string short_name() const;
};

class AvroSchema final : public ParsedSchema {
 public:
  // InvalidArgument with a message naming what is wrong and where.
  static Result<std::unique_ptr<AvroSchema>> parse(std::string_view text,
                                                   const std::vector<ResolvedReference>& references);

  SchemaType type() const override { return SchemaType::kAvro; }
  std::string canonical() const override;   // Java's Schema.toString()
  std::string normalized() const override;  // full names everywhere, props sorted
  std::vector<std::string> read_differences(const ParsedSchema& writer, bool reader_is_new) const override;

  const AvroNode& root() const { return *root_; }
  // Avro specification, "Parsing Canonical Form for Schemas".
  std::string parsing_canonical_form() const;
  // CRC-64-AVRO (Rabin) of the Parsing Canonical Form, as Avro's Java
  // SchemaNormalization.parsingFingerprint64 returns it.
  int64_t fingerprint64() const;

  AvroSchema(const AvroSchema&) = delete;
  AvroSchema& operator=(const AvroSchema&) = delete;

 private:
  friend class AvroParser;
  AvroSchema() = default;

  std::vector<std::unique_ptr<AvroNode>> nodes_;
  std::map<std::string, const AvroNode*> named_types_;
  // Named types defined by references: the text forms name them, never
  // repeat them (they belong to the referenced subject).
  std::set<std::string> referenced_names_;
  const AvroNode* root_ = nullptr;
};

// CRC-64-AVRO of arbitrary bytes (the Avro specification's fingerprint).
uint64_t avro_crc64(std::string_view bytes);

}  // namespace loch::registry
