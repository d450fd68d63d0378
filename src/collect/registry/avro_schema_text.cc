// The text forms of an AvroSchema: the compact form Avro's Java library
// prints (what Confluent stores), the normalized form, the Parsing Canonical
// Form and its CRC-64-AVRO fingerprint (Avro specification, "Parsing
// Canonical Form for Schemas" and "Schema Fingerprints").
#include <fmt/format.h>

#include <array>
#include <map>
#include <set>

#include "collect/registry/avro_schema.h"

namespace loch::registry {

using ordered_json = nlohmann::ordered_json;

namespace {

// Writes schemas as JSON in the forms below; named types are written whole
// the first time and by name afterwards, in both forms.
class AvroWriter {
 public:
  enum class Form { kParsingCanonical, kJavaToString, kNormalized };
  AvroWriter(Form form, std::set<std::string> already_written) : form_(form), written_(std::move(already_written)) {}

  ordered_json write(const AvroNode& node, const std::string& name_space) {
    if (node.is_named()) {
      if (!written_.insert(node.full_name).second) return name_ref(node, name_space);
    }
    switch (node.kind) {
      case AvroKind::kRecord: return write_record(node, name_space);
      case AvroKind::kEnum: return write_enum(node, name_space);
      case AvroKind::kFixed: return write_fixed(node, name_space);
      case AvroKind::kUnion: {
        ordered_json branches = ordered_json::array();
        for (const AvroNode* branch : node.branches) branches.push_back(write(*branch, name_space));
        return branches;
      }
      case AvroKind::kArray: {
        ordered_json out = ordered_json::object();
        out["type"] = "array";
        out["items"] = write(*node.items, name_space);
        add_props(node.props, out);
        return out;
      }
      case AvroKind::kMap: {
        ordered_json out = ordered_json::object();
        out["type"] = "map";
        out["values"] = write(*node.values, name_space);
        add_props(node.props, out);
        return out;
      }
      default: {
        if (form_ == Form::kParsingCanonical || node.props.empty()) return std::string(avro_kind_name(node.kind));
        ordered_json out = ordered_json::object();
        out["type"] = std::string(avro_kind_name(node.kind));
        add_props(node.props, out);
        return out;
      }
    }
  }

 private:
  ordered_json name_ref(const AvroNode& node, const std::string& name_space) const {
    if (form_ == Form::kJavaToString && node.name_space == name_space) return node.short_name();
    return node.full_name;
  }

  // Java writes "name" relative to the enclosing namespace and adds
  // "namespace" only when it differs.
  void add_name(const AvroNode& node, const std::string& name_space, ordered_json& out) const {
    if (form_ != Form::kJavaToString) {
      out["name"] = node.full_name;
      // A full name without a dot would be read in the enclosing namespace;
      // only an explicit empty namespace keeps it in none. (The Parsing
      // Canonical Form omits it, as the specification says.)
      if (form_ == Form::kNormalized && node.name_space.empty() && !name_space.empty()) out["namespace"] = "";
      return;
    }
    out["name"] = node.short_name();
    if (node.name_space != name_space) out["namespace"] = node.name_space;
  }

  void add_props(const ordered_json& props, ordered_json& out) const {
    if (form_ == Form::kParsingCanonical) return;
    if (form_ == Form::kNormalized) {
      std::map<std::string, ordered_json> sorted;
      for (auto it = props.begin(); it != props.end(); ++it) sorted[it.key()] = it.value();
      for (const auto& [key, value] : sorted) out[key] = value;
      return;
    }
    for (auto it = props.begin(); it != props.end(); ++it) out[it.key()] = it.value();
  }

  void add_aliases(const std::vector<std::string>& aliases, ordered_json& out) const {
    if (form_ == Form::kParsingCanonical || aliases.empty()) return;
    out["aliases"] = aliases;
  }

  ordered_json write_record(const AvroNode& node, const std::string& name_space) {
    ordered_json out = ordered_json::object();
    if (form_ == Form::kParsingCanonical) {
      out["name"] = node.full_name;
      out["type"] = node.is_error ? "error" : "record";
    } else {
      out["type"] = node.is_error ? "error" : "record";
      add_name(node, name_space, out);
      if (node.doc) out["doc"] = *node.doc;
    }
    ordered_json fields = ordered_json::array();
    for (const AvroField& field : node.fields) {
      ordered_json f = ordered_json::object();
      f["name"] = field.name;
      f["type"] = write(*field.type, node.name_space);
      if (form_ != Form::kParsingCanonical) {
        if (field.doc) f["doc"] = *field.doc;
        if (field.default_value) f["default"] = ordered_json::parse(field.default_value->dump());
        if (field.order != "ascending") f["order"] = field.order;
        // Java writes a field's aliases before its other properties (and a
        // named type's after them).
        if (!field.aliases.empty()) f["aliases"] = field.aliases;
        add_props(field.props, f);
      }
      fields.push_back(std::move(f));
    }
    out["fields"] = std::move(fields);
    add_props(node.props, out);
    add_aliases(node.aliases, out);
    return out;
  }

  ordered_json write_enum(const AvroNode& node, const std::string& name_space) {
    ordered_json out = ordered_json::object();
    if (form_ == Form::kParsingCanonical) {
      out["name"] = node.full_name;
      out["type"] = "enum";
      out["symbols"] = node.symbols;
      return out;
    }
    out["type"] = "enum";
    add_name(node, name_space, out);
    if (node.doc) out["doc"] = *node.doc;
    out["symbols"] = node.symbols;
    if (node.enum_default) out["default"] = *node.enum_default;
    add_props(node.props, out);
    add_aliases(node.aliases, out);
    return out;
  }

  ordered_json write_fixed(const AvroNode& node, const std::string& name_space) {
    ordered_json out = ordered_json::object();
    if (form_ == Form::kParsingCanonical) {
      out["name"] = node.full_name;
      out["type"] = "fixed";
      out["size"] = node.size;
      return out;
    }
    out["type"] = "fixed";
    add_name(node, name_space, out);
    if (node.doc) out["doc"] = *node.doc;
    out["size"] = node.size;
    add_props(node.props, out);
    add_aliases(node.aliases, out);
    return out;
  }

  Form form_;
  std::set<std::string> written_;
};

}  // namespace

std::string AvroSchema::canonical() const {
  return AvroWriter(AvroWriter::Form::kJavaToString, referenced_names_).write(*root_, "").dump();
}

std::string AvroSchema::normalized() const {
  return AvroWriter(AvroWriter::Form::kNormalized, referenced_names_).write(*root_, "").dump();
}

// The Parsing Canonical Form describes the whole schema, references
// included: it is what a reader needs to decode.
std::string AvroSchema::parsing_canonical_form() const {
  return AvroWriter(AvroWriter::Form::kParsingCanonical, {}).write(*root_, "").dump();
}

uint64_t avro_crc64(std::string_view bytes) {
  // Avro specification, "Schema Fingerprints": the Rabin fingerprint with
  // this polynomial, which is also the fingerprint of no bytes.
  static constexpr uint64_t kEmpty = 0xc15d213aa4d7a795ULL;
  static const std::array<uint64_t, 256> kTable = [] {
    std::array<uint64_t, 256> table{};
    for (uint64_t i = 0; i < 256; ++i) {
      uint64_t fp = i;
      for (int j = 0; j < 8; ++j) fp = (fp >> 1) ^ (kEmpty & (0 - (fp & 1)));
      table[i] = fp;
    }
    return table;
  }();
  uint64_t fp = kEmpty;
  for (char c : bytes) fp = (fp >> 8) ^ kTable[(fp ^ static_cast<uint8_t>(c)) & 0xff];
  return fp;
}

int64_t AvroSchema::fingerprint64() const { return static_cast<int64_t>(avro_crc64(parsing_canonical_form())); }

}  // namespace loch::registry
