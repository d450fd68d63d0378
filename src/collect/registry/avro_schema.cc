#include "collect/registry/avro_schema.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <set>

namespace loch::registry {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

std::string_view avro_kind_name(AvroKind kind) {
  switch (kind) {
    case AvroKind::kNull: return "null";
    case AvroKind::kBoolean: return "boolean";
    case AvroKind::kInt: return "int";
    case AvroKind::kLong: return "long";
    case AvroKind::kFloat: return "float";
    case AvroKind::kDouble: return "double";
    case AvroKind::kBytes: return "bytes";
    case AvroKind::kString: return "string";
    case AvroKind::kRecord: return "record";
    case AvroKind::kEnum: return "enum";
    case AvroKind::kArray: return "array";
    case AvroKind::kMap: return "map";
    case AvroKind::kUnion: return "union";
    case AvroKind::kFixed: return "fixed";
  }
  return "null";
}

std::string AvroNode::short_name() const {
  const size_t dot = full_name.rfind('.');
  return dot == std::string::npos ? full_name : full_name.substr(dot + 1);
}

namespace {

std::optional<AvroKind> primitive_kind(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, AvroKind>, 8> kPrimitives = {{
      {"null", AvroKind::kNull},
      {"boolean", AvroKind::kBoolean},
      {"int", AvroKind::kInt},
      {"long", AvroKind::kLong},
      {"float", AvroKind::kFloat},
      {"double", AvroKind::kDouble},
      {"bytes", AvroKind::kBytes},
      {"string", AvroKind::kString},
  }};
  for (const auto& [text, kind] : kPrimitives) {
    if (text == name) return kind;
  }
  return std::nullopt;
}

// Avro names: [A-Za-z_][A-Za-z0-9_]*, dot-separated for full names.
bool is_valid_simple_name(std::string_view name) {
  if (name.empty()) return false;
  const auto head = static_cast<unsigned char>(name[0]);
  if (!(std::isalpha(head) || head == '_')) return false;
  return std::all_of(name.begin() + 1, name.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return std::isalnum(u) || u == '_';
  });
}

bool is_valid_full_name(std::string_view name) {
  size_t start = 0;
  while (true) {
    const size_t dot = name.find('.', start);
    if (!is_valid_simple_name(name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start))) {
      return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool is_valid_namespace(std::string_view name_space) { return name_space.empty() || is_valid_full_name(name_space); }

// The attributes each kind defines; anything else is kept as a property.
const std::set<std::string>& reserved_attributes(AvroKind kind) {
  static const std::set<std::string> kRecord = {"type", "name", "namespace", "doc", "fields", "aliases"};
  static const std::set<std::string> kEnum = {"type", "name", "namespace", "doc", "symbols", "aliases", "default"};
  static const std::set<std::string> kFixed = {"type", "name", "namespace", "doc", "size", "aliases"};
  static const std::set<std::string> kArray = {"type", "items"};
  static const std::set<std::string> kMap = {"type", "values"};
  static const std::set<std::string> kOther = {"type"};
  switch (kind) {
    case AvroKind::kRecord: return kRecord;
    case AvroKind::kEnum: return kEnum;
    case AvroKind::kFixed: return kFixed;
    case AvroKind::kArray: return kArray;
    case AvroKind::kMap: return kMap;
    default: return kOther;
  }
}

const std::set<std::string>& reserved_field_attributes() {
  static const std::set<std::string> kField = {"name", "type", "doc", "default", "order", "aliases"};
  return kField;
}

}  // namespace

// Builds an AvroSchema from JSON. One parser per schema text; references
// are parsed by the same parser first so their names are known.
class AvroParser {
 public:
  explicit AvroParser(AvroSchema& schema) : schema_(schema) {}

  Result<const AvroNode*> parse_text(std::string_view text, std::string_view what) {
    ordered_json document;
    try {
      document = ordered_json::parse(text);
    } catch (const std::exception& error) {
      return Status::invalid_argument(fmt::format("{}: not JSON: {}", what, error.what()));
    }
    auto node = parse(document, "", "");
    if (!node.is_ok()) return node.status().with_context(what);
    return node;
  }

 private:
  AvroNode* make(AvroKind kind) {
    schema_.nodes_.push_back(std::make_unique<AvroNode>());
    schema_.nodes_.back()->kind = kind;
    return schema_.nodes_.back().get();
  }

  static std::string full_name_of(const std::string& name, const std::string& name_space) {
    if (name.find('.') != std::string::npos || name_space.empty()) return name;
    return name_space + "." + name;
  }

  Result<const AvroNode*> lookup(const std::string& name, const std::string& name_space, const std::string& path) {
    if (auto kind = primitive_kind(name)) return static_cast<const AvroNode*>(make(*kind));
    auto found = schema_.named_types_.find(full_name_of(name, name_space));
    if (found == schema_.named_types_.end()) found = schema_.named_types_.find(name);
    if (found == schema_.named_types_.end()) {
      return Status::invalid_argument(fmt::format("{}: undefined name: \"{}\"", path_or_root(path), name));
    }
    return found->second;
  }

  static std::string path_or_root(const std::string& path) { return path.empty() ? "/" : path; }

  // Bounds recursion so a hostile, deeply nested schema is an error, not a
  // stack overflow.
  static constexpr int kMaxDepth = 200;

  Result<const AvroNode*> parse(const ordered_json& j, const std::string& name_space, const std::string& path) {
    if (depth_ >= kMaxDepth) {
      return Status::invalid_argument(fmt::format("{}: schema nested deeper than {} levels", path_or_root(path), kMaxDepth));
    }
    ++depth_;
    auto node = parse_at_depth(j, name_space, path);
    --depth_;
    return node;
  }

  Result<const AvroNode*> parse_at_depth(const ordered_json& j, const std::string& name_space, const std::string& path) {
    if (j.is_string()) return lookup(j.get<std::string>(), name_space, path);
    if (j.is_array()) return parse_union(j, name_space, path);
    if (!j.is_object()) {
      return Status::invalid_argument(fmt::format("{}: a schema must be a string, an object or an array, not {}",
                                                  path_or_root(path), j.dump()));
    }
    const auto type_it = j.find("type");
    if (type_it == j.end()) {
      return Status::invalid_argument(fmt::format("{}: no \"type\" attribute in {}", path_or_root(path), j.dump()));
    }
    if (!type_it->is_string()) {
      // {"type": {...}} or {"type": [...]}: the attribute holds a whole schema.
      return parse(*type_it, name_space, path + "/type");
    }
    const std::string type = type_it->get<std::string>();
    AvroNode* node = nullptr;
    if (auto kind = primitive_kind(type)) {
      node = make(*kind);
    } else if (type == "record" || type == "error") {
      return parse_record(j, type == "error", name_space, path);
    } else if (type == "enum") {
      return parse_enum(j, name_space, path);
    } else if (type == "fixed") {
      return parse_fixed(j, name_space, path);
    } else if (type == "array") {
      node = make(AvroKind::kArray);
      const auto items = j.find("items");
      if (items == j.end()) return Status::invalid_argument(fmt::format("{}: array has no \"items\"", path_or_root(path)));
      LOCH_ASSIGN_OR_RETURN(node->items, parse(*items, name_space, path + "/items"));
    } else if (type == "map") {
      node = make(AvroKind::kMap);
      const auto values = j.find("values");
      if (values == j.end()) return Status::invalid_argument(fmt::format("{}: map has no \"values\"", path_or_root(path)));
      LOCH_ASSIGN_OR_RETURN(node->values, parse(*values, name_space, path + "/values"));
    } else {
      // {"type": "com.acme.Named"} refers to a named type.
      LOCH_ASSIGN_OR_RETURN(const AvroNode* named, lookup(type, name_space, path));
      return named;
    }
    keep_props(j, reserved_attributes(node->kind), node->props);
    return static_cast<const AvroNode*>(node);
  }

  static void keep_props(const ordered_json& j, const std::set<std::string>& reserved, ordered_json& props) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (!reserved.count(it.key())) props[it.key()] = it.value();
    }
  }

  Result<const AvroNode*> parse_union(const ordered_json& j, const std::string& name_space, const std::string& path) {
    AvroNode* node = make(AvroKind::kUnion);
    std::set<std::string> seen;
    for (size_t i = 0; i < j.size(); ++i) {
      const std::string branch_path = fmt::format("{}/{}", path, i);
      LOCH_ASSIGN_OR_RETURN(const AvroNode* branch, parse(j[i], name_space, branch_path));
      if (branch->kind == AvroKind::kUnion) {
        return Status::invalid_argument(fmt::format("{}: a union may not immediately contain a union", branch_path));
      }
      const std::string key = branch->is_named() ? branch->full_name : std::string(avro_kind_name(branch->kind));
      if (!seen.insert(key).second) {
        return Status::invalid_argument(fmt::format("{}: duplicate in union: {}", branch_path, key));
      }
      node->branches.push_back(branch);
    }
    return static_cast<const AvroNode*>(node);
  }

  // Sets full name, namespace and aliases, and registers the name before the
  // body is parsed so the type may refer to itself.
  Status name_node(AvroNode* node, const ordered_json& j, const std::string& enclosing, const std::string& path) {
    const auto name = j.find("name");
    if (name == j.end() || !name->is_string()) {
      return Status::invalid_argument(fmt::format("{}: {} has no \"name\" string", path_or_root(path), avro_kind_name(node->kind)));
    }
    std::string name_space = enclosing;
    if (const auto ns = j.find("namespace"); ns != j.end() && !ns->is_null()) {
      if (!ns->is_string()) return Status::invalid_argument(fmt::format("{}: \"namespace\" must be a string", path_or_root(path)));
      name_space = ns->get<std::string>();
    }
    const std::string text = name->get<std::string>();
    if (text.find('.') != std::string::npos) {
      if (!is_valid_full_name(text)) return Status::invalid_argument(fmt::format("{}: illegal name: \"{}\"", path_or_root(path), text));
      node->full_name = text;
      node->name_space = text.substr(0, text.rfind('.'));
    } else {
      if (!is_valid_simple_name(text)) return Status::invalid_argument(fmt::format("{}: illegal name: \"{}\"", path_or_root(path), text));
      if (!is_valid_namespace(name_space)) {
        return Status::invalid_argument(fmt::format("{}: illegal namespace: \"{}\"", path_or_root(path), name_space));
      }
      node->full_name = full_name_of(text, name_space);
      node->name_space = name_space;
    }
    if (primitive_kind(node->full_name)) {
      return Status::invalid_argument(fmt::format("{}: a named type may not be called \"{}\"", path_or_root(path), node->full_name));
    }
    if (const auto doc = j.find("doc"); doc != j.end() && doc->is_string()) node->doc = doc->get<std::string>();
    if (const auto aliases = j.find("aliases"); aliases != j.end()) {
      if (!aliases->is_array()) return Status::invalid_argument(fmt::format("{}: \"aliases\" must be an array", path_or_root(path)));
      for (const auto& alias : *aliases) {
        if (!alias.is_string() || !is_valid_full_name(alias.get<std::string>())) {
          return Status::invalid_argument(fmt::format("{}: illegal alias {}", path_or_root(path), alias.dump()));
        }
        node->aliases.push_back(full_name_of(alias.get<std::string>(), node->name_space));
      }
    }
    if (!schema_.named_types_.emplace(node->full_name, node).second) {
      return Status::invalid_argument(fmt::format("{}: can't redefine: {}", path_or_root(path), node->full_name));
    }
    return Status::ok();
  }

  Result<const AvroNode*> parse_record(const ordered_json& j, bool is_error, const std::string& enclosing,
                                       const std::string& path) {
    AvroNode* node = make(AvroKind::kRecord);
    node->is_error = is_error;
    LOCH_RETURN_IF_ERROR(name_node(node, j, enclosing, path));
    const auto fields = j.find("fields");
    if (fields == j.end() || !fields->is_array()) {
      return Status::invalid_argument(fmt::format("{}: record {} has no \"fields\" array", path_or_root(path), node->full_name));
    }
    std::set<std::string> names;
    for (size_t i = 0; i < fields->size(); ++i) {
      const ordered_json& f = (*fields)[i];
      const std::string field_path = fmt::format("{}/fields/{}", path, i);
      if (!f.is_object()) return Status::invalid_argument(fmt::format("{}: a field must be an object", field_path));
      AvroField field;
      const auto name = f.find("name");
      if (name == f.end() || !name->is_string() || !is_valid_simple_name(name->get<std::string>())) {
        return Status::invalid_argument(fmt::format("{}: field has no valid \"name\"", field_path));
      }
      field.name = name->get<std::string>();
      if (!names.insert(field.name).second) {
        return Status::invalid_argument(fmt::format("{}: duplicate field {} in record {}", field_path, field.name, node->full_name));
      }
      const auto type = f.find("type");
      if (type == f.end()) return Status::invalid_argument(fmt::format("{}: field {} has no \"type\"", field_path, field.name));
      LOCH_ASSIGN_OR_RETURN(field.type, parse(*type, node->name_space, field_path + "/type"));
      if (const auto doc = f.find("doc"); doc != f.end() && doc->is_string()) field.doc = doc->get<std::string>();
      if (const auto order = f.find("order"); order != f.end()) {
        if (!order->is_string() || (*order != "ascending" && *order != "descending" && *order != "ignore")) {
          return Status::invalid_argument(fmt::format("{}: illegal \"order\" {}", field_path, order->dump()));
        }
        field.order = order->get<std::string>();
      }
      if (const auto aliases = f.find("aliases"); aliases != f.end()) {
        if (!aliases->is_array()) return Status::invalid_argument(fmt::format("{}: \"aliases\" must be an array", field_path));
        for (const auto& alias : *aliases) {
          if (!alias.is_string()) return Status::invalid_argument(fmt::format("{}: illegal alias {}", field_path, alias.dump()));
          field.aliases.push_back(alias.get<std::string>());
        }
      }
      if (const auto default_value = f.find("default"); default_value != f.end()) {
        json plain = json::parse(default_value->dump());
        if (!is_valid_default(*field.type, plain)) {
          return Status::invalid_argument(fmt::format("{}: invalid default for field {}: {} is not a {}", field_path,
                                                      field.name, plain.dump(), describe(*field.type)));
        }
        field.default_value = std::move(plain);
      }
      keep_props(f, reserved_field_attributes(), field.props);
      node->fields.push_back(std::move(field));
    }
    keep_props(j, reserved_attributes(AvroKind::kRecord), node->props);
    return static_cast<const AvroNode*>(node);
  }

  Result<const AvroNode*> parse_enum(const ordered_json& j, const std::string& enclosing, const std::string& path) {
    AvroNode* node = make(AvroKind::kEnum);
    LOCH_RETURN_IF_ERROR(name_node(node, j, enclosing, path));
    const auto symbols = j.find("symbols");
    if (symbols == j.end() || !symbols->is_array()) {
      return Status::invalid_argument(fmt::format("{}: enum {} has no \"symbols\" array", path_or_root(path), node->full_name));
    }
    std::set<std::string> seen;
    for (const auto& symbol : *symbols) {
      if (!symbol.is_string() || !is_valid_simple_name(symbol.get<std::string>())) {
        return Status::invalid_argument(fmt::format("{}: illegal enum symbol {}", path_or_root(path), symbol.dump()));
      }
      if (!seen.insert(symbol.get<std::string>()).second) {
        return Status::invalid_argument(fmt::format("{}: duplicate enum symbol {}", path_or_root(path), symbol.dump()));
      }
      node->symbols.push_back(symbol.get<std::string>());
    }
    if (const auto default_symbol = j.find("default"); default_symbol != j.end()) {
      if (!default_symbol->is_string() || !seen.count(default_symbol->get<std::string>())) {
        return Status::invalid_argument(fmt::format("{}: the enum default {} is not a symbol of {}", path_or_root(path),
                                                    default_symbol->dump(), node->full_name));
      }
      node->enum_default = default_symbol->get<std::string>();
    }
    keep_props(j, reserved_attributes(AvroKind::kEnum), node->props);
    return static_cast<const AvroNode*>(node);
  }

  Result<const AvroNode*> parse_fixed(const ordered_json& j, const std::string& enclosing, const std::string& path) {
    AvroNode* node = make(AvroKind::kFixed);
    LOCH_RETURN_IF_ERROR(name_node(node, j, enclosing, path));
    const auto size = j.find("size");
    if (size == j.end() || !size->is_number_integer() || size->get<int64_t>() < 0) {
      return Status::invalid_argument(fmt::format("{}: fixed {} needs a non-negative integer \"size\"", path_or_root(path), node->full_name));
    }
    node->size = size->get<int64_t>();
    keep_props(j, reserved_attributes(AvroKind::kFixed), node->props);
    return static_cast<const AvroNode*>(node);
  }

  static std::string describe(const AvroNode& node) {
    return node.is_named() ? node.full_name : std::string(avro_kind_name(node.kind));
  }

  // Avro specification, "Schema Declaration / Complex Types / Records": a
  // default is the JSON encoding of a value of the field's type. For unions
  // loch accepts a value of any branch (Avro 1.12 does; older Java releases
  // asked for the first branch).
  static bool is_valid_default(const AvroNode& type, const json& value) {
    switch (type.kind) {
      case AvroKind::kNull: return value.is_null();
      case AvroKind::kBoolean: return value.is_boolean();
      case AvroKind::kInt:
        return value.is_number_integer() && value.get<int64_t>() >= INT32_MIN && value.get<int64_t>() <= INT32_MAX;
      case AvroKind::kLong: return value.is_number_integer();
      case AvroKind::kFloat:
      case AvroKind::kDouble: return value.is_number();
      case AvroKind::kBytes:
      case AvroKind::kString:
      case AvroKind::kFixed: return value.is_string();
      case AvroKind::kEnum:
        return value.is_string() &&
               std::find(type.symbols.begin(), type.symbols.end(), value.get<std::string>()) != type.symbols.end();
      case AvroKind::kArray:
        return value.is_array() &&
               std::all_of(value.begin(), value.end(), [&](const json& item) { return is_valid_default(*type.items, item); });
      case AvroKind::kMap:
        return value.is_object() &&
               std::all_of(value.begin(), value.end(), [&](const json& item) { return is_valid_default(*type.values, item); });
      case AvroKind::kRecord:
        if (!value.is_object()) return false;
        for (const AvroField& field : type.fields) {
          const auto it = value.find(field.name);
          if (it == value.end()) {
            if (!field.default_value) return false;
          } else if (!is_valid_default(*field.type, *it)) {
            return false;
          }
        }
        return true;
      case AvroKind::kUnion:
        return std::any_of(type.branches.begin(), type.branches.end(),
                           [&](const AvroNode* branch) { return is_valid_default(*branch, value); });
    }
    return false;
  }

  AvroSchema& schema_;
  int depth_ = 0;
};

Result<std::unique_ptr<AvroSchema>> AvroSchema::parse(std::string_view text,
                                                      const std::vector<ResolvedReference>& references) {
  std::unique_ptr<AvroSchema> schema(new AvroSchema());
  AvroParser parser(*schema);
  for (const ResolvedReference& reference : references) {
    auto parsed = parser.parse_text(reference.schema, fmt::format("reference {}", reference.name));
    if (!parsed.is_ok()) return parsed.status();
  }
  for (const auto& [name, node] : schema->named_types_) schema->referenced_names_.insert(name);
  LOCH_ASSIGN_OR_RETURN(schema->root_, parser.parse_text(text, "schema"));
  return schema;
}

}  // namespace loch::registry
