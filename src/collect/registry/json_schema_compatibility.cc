// JsonSchema::read_differences: Confluent's JSON Schema compatibility rules
// (the subset listed in json_schema.h), as a diff of a writer ("original")
// schema against a reader ("update") one.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>

#include "collect/registry/json_schema.h"

namespace loch::registry {

using ordered_json = nlohmann::ordered_json;

namespace {

const std::set<std::string>& known_types() {
  static const std::set<std::string> kTypes = {"null", "boolean", "object", "array", "number", "integer", "string"};
  return kTypes;
}

// Bounds recursion through deeply nested schemas.
constexpr size_t kMaxPathLength = 4096;

}  // namespace

// Compares a writer ("original") schema with a reader ("update") one; every
// difference found is one under which some document valid for the original
// is rejected by the update.
class JsonSchemaDiff {
 public:
  JsonSchemaDiff(const JsonSchema& original, const JsonSchema& update, bool update_is_new)
      : original_doc_(original), update_doc_(update),
        update_label_(update_is_new ? "new" : "old"), original_label_(update_is_new ? "old" : "new") {}

  void compare(const ordered_json& original_in, const ordered_json& update_in, const std::string& path) {
    if (path.size() > kMaxPathLength) {
      add("TYPE_CHANGED", path.substr(0, 64) + "...", "the schemas nest too deeply to compare");
      return;
    }
    const ordered_json* original = resolve(original_doc_, original_in);
    const ordered_json* update = resolve(update_doc_, update_in);
    if (original == nullptr || update == nullptr) {
      if (original_in != update_in) add("TYPE_CHANGED", path, "a $ref cannot be resolved and the schemas differ");
      return;
    }
    // Recursive $refs come back to a pair under comparison: assume it holds.
    const auto pair = std::make_pair(original, update);
    if (!in_progress_.insert(pair).second) return;
    struct Release {
      std::set<std::pair<const ordered_json*, const ordered_json*>>& set;
      std::pair<const ordered_json*, const ordered_json*> pair;
      ~Release() { set.erase(pair); }
    } release{in_progress_, pair};
    if (accepts_everything(*update)) return;
    if (original->is_boolean() && !original->get<bool>()) return;  // accepts nothing
    if (accepts_everything(*original)) {
      add("TYPE_NARROWED", path, "the " + update_label_ + " schema restricts a schema that accepted everything");
      return;
    }
    compare_types(*original, *update, path);
    compare_enum(*original, *update, path);
    compare_bound(*original, *update, path, "maxLength", Bound::kUpper);
    compare_bound(*original, *update, path, "minLength", Bound::kLower);
    compare_bound(*original, *update, path, "maximum", Bound::kUpper);
    compare_bound(*original, *update, path, "minimum", Bound::kLower);
    compare_bound(*original, *update, path, "exclusiveMaximum", Bound::kUpper);
    compare_bound(*original, *update, path, "exclusiveMinimum", Bound::kLower);
    compare_bound(*original, *update, path, "maxItems", Bound::kUpper);
    compare_bound(*original, *update, path, "minItems", Bound::kLower);
    compare_bound(*original, *update, path, "maxProperties", Bound::kUpper);
    compare_bound(*original, *update, path, "minProperties", Bound::kLower);
    compare_pattern(*original, *update, path);
    compare_multiple_of(*original, *update, path);
    if (update->value("uniqueItems", false) && !original->value("uniqueItems", false)) {
      add("UNIQUE_ITEMS_ADDED", path, "uniqueItems was added");
    }
    compare_object(*original, *update, path);
    compare_items(*original, *update, path);
    compare_not(*original, *update, path);
    compare_dependencies(*original, *update, path);
    compare_combined(*original, *update, path);
  }

  std::vector<std::string> take_messages() { return std::move(messages_); }

  bool accepts(const ordered_json& original, const ordered_json& update) {
    JsonSchemaDiff probe(original_doc_, update_doc_, update_label_ == "new");
    probe.in_progress_ = in_progress_;
    probe.compare(original, update, "#");
    return probe.messages_.empty();
  }

 private:
  enum class Bound { kUpper, kLower };

  static bool accepts_everything(const ordered_json& schema) {
    if (schema.is_boolean()) return schema.get<bool>();
    if (!schema.is_object()) return false;
    static const std::set<std::string> kAnnotations = {"title", "description", "default", "examples", "$id", "id",
                                                       "$schema", "$comment", "definitions", "$defs", "readOnly", "writeOnly"};
    for (auto it = schema.begin(); it != schema.end(); ++it) {
      if (!kAnnotations.count(it.key())) return false;
    }
    return true;
  }

  static const ordered_json* resolve(const JsonSchema& owner, const ordered_json& schema) { return owner.resolve_ref(schema); }

  void add(std::string_view type, const std::string& path, const std::string& description) {
    messages_.push_back(fmt::format("{{errorType:'{}', description:'At path '{}' in the {} schema: {} (compared with the {} schema)'}}",
                                    type, path, update_label_, description, original_label_));
  }

  static std::set<std::string> types_of(const ordered_json& schema) {
    std::set<std::string> types;
    const auto type = schema.find("type");
    if (type == schema.end()) return types;
    if (type->is_string()) types.insert(type->get<std::string>());
    if (type->is_array()) {
      for (const auto& name : *type) types.insert(name.get<std::string>());
    }
    return types;
  }

  void compare_types(const ordered_json& original, const ordered_json& update, const std::string& path) {
    const std::set<std::string> update_types = types_of(update);
    if (update_types.empty()) return;  // no restriction
    std::set<std::string> original_types = types_of(original);
    if (original_types.empty()) original_types = known_types();
    std::vector<std::string> lost;
    for (const std::string& type : original_types) {
      const bool covered = update_types.count(type) || (type == "integer" && update_types.count("number"));
      if (!covered) lost.push_back(type);
    }
    if (lost.empty()) return;
    const bool narrowed = std::all_of(update_types.begin(), update_types.end(), [&](const std::string& type) {
      return original_types.count(type) || (type == "integer" && original_types.count("number"));
    });
    add(narrowed ? "TYPE_NARROWED" : "TYPE_CHANGED", path,
        fmt::format("type {} no longer accepts {}", types_label(update_types), fmt::join(lost, ", ")));
  }

  static std::string types_label(const std::set<std::string>& types) { return fmt::format("[{}]", fmt::join(types, ", ")); }

  void compare_enum(const ordered_json& original, const ordered_json& update, const std::string& path) {
    auto values = [](const ordered_json& schema) -> std::optional<std::vector<ordered_json>> {
      if (const auto it = schema.find("enum"); it != schema.end()) return std::vector<ordered_json>(it->begin(), it->end());
      if (const auto it = schema.find("const"); it != schema.end()) return std::vector<ordered_json>{*it};
      return std::nullopt;
    };
    const auto update_values = values(update);
    if (!update_values) return;
    const auto original_values = values(original);
    if (!original_values) {
      add("ENUM_ARRAY_NARROWED", path, "an enum was added");
      return;
    }
    std::vector<std::string> lost;
    for (const auto& value : *original_values) {
      if (std::find(update_values->begin(), update_values->end(), value) == update_values->end()) lost.push_back(value.dump());
    }
    if (lost.empty()) return;
    const bool narrowed = std::all_of(update_values->begin(), update_values->end(), [&](const ordered_json& value) {
      return std::find(original_values->begin(), original_values->end(), value) != original_values->end();
    });
    add(narrowed ? "ENUM_ARRAY_NARROWED" : "ENUM_ARRAY_CHANGED", path,
        fmt::format("the enum no longer contains {}", fmt::join(lost, ", ")));
  }

  static std::string upper_snake(std::string_view keyword) {
    std::string out;
    for (char c : keyword) {
      if (std::isupper(static_cast<unsigned char>(c))) out += '_';
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return out;
  }

  void compare_bound(const ordered_json& original, const ordered_json& update, const std::string& path,
                     const char* keyword, Bound bound) {
    const auto update_it = update.find(keyword);
    if (update_it == update.end() || !update_it->is_number()) return;
    const auto original_it = original.find(keyword);
    const std::string name = upper_snake(keyword);
    if (original_it == original.end() || !original_it->is_number()) {
      add(name + "_ADDED", path, fmt::format("{} {} was added", keyword, update_it->dump()));
      return;
    }
    const double before = original_it->get<double>();
    const double after = update_it->get<double>();
    if (bound == Bound::kUpper && after < before) {
      add(name + "_DECREASED", path, fmt::format("{} decreased from {} to {}", keyword, original_it->dump(), update_it->dump()));
    }
    if (bound == Bound::kLower && after > before) {
      add(name + "_INCREASED", path, fmt::format("{} increased from {} to {}", keyword, original_it->dump(), update_it->dump()));
    }
  }

  void compare_pattern(const ordered_json& original, const ordered_json& update, const std::string& path) {
    const auto update_it = update.find("pattern");
    if (update_it == update.end()) return;
    const auto original_it = original.find("pattern");
    if (original_it == original.end()) {
      add("PATTERN_ADDED", path, fmt::format("pattern {} was added", update_it->dump()));
    } else if (*original_it != *update_it) {
      add("PATTERN_CHANGED", path, fmt::format("pattern changed from {} to {}", original_it->dump(), update_it->dump()));
    }
  }

  void compare_multiple_of(const ordered_json& original, const ordered_json& update, const std::string& path) {
    const auto update_it = update.find("multipleOf");
    if (update_it == update.end()) return;
    const auto original_it = original.find("multipleOf");
    if (original_it == original.end()) {
      add("MULTIPLE_OF_ADDED", path, fmt::format("multipleOf {} was added", update_it->dump()));
      return;
    }
    // Every multiple of the original is a multiple of the update exactly
    // when the update divides the original.
    const double ratio = original_it->get<double>() / update_it->get<double>();
    if (std::fabs(ratio - std::round(ratio)) > 1e-9) {
      add("MULTIPLE_OF_CHANGED", path, fmt::format("multipleOf changed from {} to {}", original_it->dump(), update_it->dump()));
    }
  }

  enum class ContentModel { kOpen, kClosed, kPartial };
  static ContentModel content_model(const ordered_json& schema) {
    const auto it = schema.find("additionalProperties");
    if (it == schema.end() || (it->is_boolean() && it->get<bool>())) return ContentModel::kOpen;
    if (it->is_boolean()) return ContentModel::kClosed;
    return accepts_everything(*it) ? ContentModel::kOpen : ContentModel::kPartial;
  }

  static const ordered_json& properties_of(const ordered_json& schema) {
    static const ordered_json kEmpty = ordered_json::object();
    const auto it = schema.find("properties");
    return it != schema.end() && it->is_object() ? *it : kEmpty;
  }

  static std::set<std::string> required_of(const ordered_json& schema) {
    std::set<std::string> required;
    if (const auto it = schema.find("required"); it != schema.end() && it->is_array()) {
      for (const auto& name : *it) required.insert(name.get<std::string>());
    }
    return required;
  }

  void compare_object(const ordered_json& original, const ordered_json& update, const std::string& path) {
    const ordered_json& original_properties = properties_of(original);
    const ordered_json& update_properties = properties_of(update);
    const ContentModel original_model = content_model(original);
    const ContentModel update_model = content_model(update);
    for (auto it = update_properties.begin(); it != update_properties.end(); ++it) {
      const std::string property_path = path + "/properties/" + it.key();
      const auto before = original_properties.find(it.key());
      if (before != original_properties.end()) {
        compare(*before, it.value(), property_path);
        continue;
      }
      // A property the writer did not declare: what could the writer have put there?
      if (original_model == ContentModel::kOpen) {
        if (!accepts_everything(it.value())) {
          add("PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", property_path,
              "a property was added where the other schema has an open content model, so its data may hold any value there");
        }
      } else if (original_model == ContentModel::kPartial) {
        if (!accepts(original.at("additionalProperties"), it.value())) {
          add("PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", property_path,
              "a property was added that additionalProperties of the other schema does not fit");
        }
      }
    }
    for (auto it = original_properties.begin(); it != original_properties.end(); ++it) {
      if (update_properties.contains(it.key())) continue;
      const std::string property_path = path + "/properties/" + it.key();
      if (update_model == ContentModel::kClosed) {
        add("PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL", property_path,
            "a property was removed while the content model is closed (additionalProperties: false)");
      } else if (update_model == ContentModel::kPartial && !accepts(it.value(), update.at("additionalProperties"))) {
        add("PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", property_path,
            "a property was removed that additionalProperties does not cover");
      }
    }
    const std::set<std::string> original_required = required_of(original);
    for (const std::string& name : required_of(update)) {
      if (original_required.count(name)) continue;
      const auto property = update_properties.find(name);
      const bool has_default = property != update_properties.end() && property->is_object() && property->contains("default");
      if (!has_default) {
        add("REQUIRED_ATTRIBUTE_ADDED", path + "/required/" + name, fmt::format("property '{}' became required", name));
      }
    }
    if (original_model != ContentModel::kClosed && update_model == ContentModel::kClosed) {
      add("ADDITIONAL_PROPERTIES_REMOVED", path + "/additionalProperties", "additional properties are no longer allowed");
    } else if (update_model == ContentModel::kPartial) {
      const ordered_json original_additional = original_model == ContentModel::kPartial ? original.at("additionalProperties") : ordered_json(true);
      if (original_model != ContentModel::kClosed && !accepts(original_additional, update.at("additionalProperties"))) {
        add("ADDITIONAL_PROPERTIES_NARROWED", path + "/additionalProperties", "additionalProperties became narrower");
      }
    }
  }

  // An array schema as positional items then the schema of the rest:
  // "prefixItems" + "items" (2020-12), "items": [..] + "additionalItems"
  // (older drafts), or "items": schema alone.
  struct ArrayModel {
    std::vector<ordered_json> prefix;
    ordered_json rest = true;
    std::string rest_keyword = "items";
  };
  static ArrayModel array_model(const ordered_json& schema) {
    ArrayModel model;
    const auto prefix = schema.find("prefixItems");
    const auto items = schema.find("items");
    if (prefix != schema.end() && prefix->is_array()) {
      model.prefix.assign(prefix->begin(), prefix->end());
      if (items != schema.end()) model.rest = *items;
    } else if (items != schema.end() && items->is_array()) {
      model.prefix.assign(items->begin(), items->end());
      model.rest_keyword = "additionalItems";
      if (const auto additional = schema.find("additionalItems"); additional != schema.end()) model.rest = *additional;
    } else if (items != schema.end()) {
      model.rest = *items;
    }
    return model;
  }

  static bool is_false(const ordered_json& schema) { return schema.is_boolean() && !schema.get<bool>(); }

  void compare_items(const ordered_json& original, const ordered_json& update, const std::string& path) {
    const bool has_items = [](const ordered_json& schema) {
      return schema.contains("items") || schema.contains("prefixItems") || schema.contains("additionalItems");
    }(update);
    if (!has_items) return;  // the reader puts no constraint on items
    const ArrayModel before = array_model(original);
    const ArrayModel after = array_model(update);
    const size_t positions = std::max(before.prefix.size(), after.prefix.size());
    for (size_t i = 0; i < positions; ++i) {
      const ordered_json& old_item = i < before.prefix.size() ? before.prefix[i] : before.rest;
      const ordered_json& new_item = i < after.prefix.size() ? after.prefix[i] : after.rest;
      if (is_false(old_item)) continue;  // the writer puts nothing there
      const std::string item_path = fmt::format("{}/items/{}", path, i);
      if (i >= before.prefix.size() && accepts_everything(old_item) && !accepts_everything(new_item)) {
        add("ITEM_ADDED_TO_OPEN_CONTENT_MODEL", item_path, "an item was added where the other schema allows any item");
      } else if (i >= after.prefix.size() && is_false(new_item)) {
        add("ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL", item_path, "an item was removed and no further items are allowed");
      } else {
        compare(old_item, new_item, item_path);
      }
    }
    if (!is_false(before.rest)) compare(before.rest, after.rest, path + "/" + after.rest_keyword);
  }

  void compare_not(const ordered_json& original, const ordered_json& update, const std::string& path) {
    const auto update_not = update.find("not");
    if (update_not == update.end()) return;
    const auto original_not = original.find("not");
    // What "not" rejects must not grow: the reader's negated schema must
    // accept no more than the writer's did.
    if (original_not == original.end()) {
      add("NOT_TYPE_EXTENDED", path + "/not", "\"not\" was added");
    } else if (!accepts(*update_not, *original_not)) {
      add("NOT_TYPE_EXTENDED", path + "/not", "\"not\" rejects more than before");
    }
  }

  void compare_dependencies(const ordered_json& original, const ordered_json& update, const std::string& path) {
    for (const char* keyword : {"dependentRequired", "dependencies"}) {
      const auto after = update.find(keyword);
      if (after == update.end() || !after->is_object()) continue;
      const auto before = original.find(keyword);
      for (auto it = after->begin(); it != after->end(); ++it) {
        if (!it.value().is_array()) continue;  // schema dependencies are not compared
        const std::string dependency_path = fmt::format("{}/{}/{}", path, keyword, it.key());
        if (before == original.end() || !before->is_object() || !before->contains(it.key())) {
          add("DEPENDENCY_ARRAY_ADDED", dependency_path, "a dependency was added");
          continue;
        }
        const ordered_json& previous = before->at(it.key());
        for (const ordered_json& name : it.value()) {
          if (!previous.is_array() || std::find(previous.begin(), previous.end(), name) == previous.end()) {
            add("DEPENDENCY_ARRAY_EXTENDED", dependency_path, fmt::format("{} became a dependency", name.dump()));
          }
        }
      }
    }
  }

  void compare_combined(const ordered_json& original, const ordered_json& update, const std::string& path) {
    auto keyword_of = [](const ordered_json& schema) -> std::string {
      for (const char* keyword : {"anyOf", "oneOf", "allOf"}) {
        if (schema.contains(keyword)) return keyword;
      }
      return "";
    };
    const std::string update_keyword = keyword_of(update);
    if (update_keyword.empty()) return;
    const std::string original_keyword = keyword_of(original);
    const ordered_json& update_branches = update.at(update_keyword);
    if (original_keyword.empty()) {
      // The writer had one shape; the reader must accept it in a sum, or in every part of a product.
      const bool ok = update_keyword == "allOf"
                          ? std::all_of(update_branches.begin(), update_branches.end(), [&](const ordered_json& b) { return accepts(original, b); })
                          : std::any_of(update_branches.begin(), update_branches.end(), [&](const ordered_json& b) { return accepts(original, b); });
      if (!ok) add("COMBINED_TYPE_CHANGED", path, fmt::format("{} was added", update_keyword));
      return;
    }
    const ordered_json& original_branches = original.at(original_keyword);
    const bool original_is_sum = original_keyword != "allOf";
    const bool update_is_sum = update_keyword != "allOf";
    if (original_is_sum != update_is_sum) {
      add("COMBINED_TYPE_CHANGED", path, fmt::format("{} became {}", original_keyword, update_keyword));
      return;
    }
    if (update_is_sum) {
      for (size_t i = 0; i < original_branches.size(); ++i) {
        const bool found = std::any_of(update_branches.begin(), update_branches.end(),
                                       [&](const ordered_json& b) { return accepts(original_branches[i], b); });
        if (!found) add("SUM_TYPE_NARROWED", fmt::format("{}/{}/{}", path, original_keyword, i), "no branch accepts this branch");
      }
    } else {
      for (size_t i = 0; i < update_branches.size(); ++i) {
        const bool found = std::any_of(original_branches.begin(), original_branches.end(),
                                       [&](const ordered_json& b) { return accepts(b, update_branches[i]); });
        if (!found) add("PRODUCT_TYPE_EXTENDED", fmt::format("{}/allOf/{}", path, i), "this part of allOf is new");
      }
    }
  }

  const JsonSchema& original_doc_;
  const JsonSchema& update_doc_;
  std::string update_label_;
  std::string original_label_;
  std::set<std::pair<const ordered_json*, const ordered_json*>> in_progress_;
  std::vector<std::string> messages_;
};

std::vector<std::string> JsonSchema::read_differences(const ParsedSchema& writer, bool reader_is_new) const {
  const auto* original = dynamic_cast<const JsonSchema*>(&writer);
  if (original == nullptr) {
    return {fmt::format("{{errorType:'TYPE_CHANGED', description:'The old and new schemas are of different types ({} and JSON)'}}",
                        schema_type_name(writer.type()))};
  }
  JsonSchemaDiff diff(*original, *this, reader_is_new);
  diff.compare(original->document_, document_, "#");
  return diff.take_messages();
}

}  // namespace loch::registry
