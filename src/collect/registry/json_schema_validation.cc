// JsonSchema::validate: a JSON document checked against the schema's
// validation keywords, for contracts on JSON topics. Each violation names the
// place in the document (a JSON pointer) and the keyword that failed.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <string_view>
#include <unordered_map>

#include "collect/registry/json_schema.h"

namespace loch::registry {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

namespace {

// std::regex matches recursively; longer strings are refused rather than
// risking the stack on hostile data.
constexpr size_t kMaxPatternInput = 8192;
constexpr int kMaxDepth = 200;

size_t utf8_length(const std::string& text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool numbers_equal(const json& a, const ordered_json& b) { return a.get<double>() == b.get<double>(); }

// JSON equality as JSON Schema means it: 1 == 1.0, objects unordered.
bool json_equal(const json& value, const ordered_json& expected) {
  if (value.is_number() && expected.is_number()) return numbers_equal(value, expected);
  return value == json::parse(expected.dump());
}

std::string child(const std::string& path, const std::string& key) {
  std::string escaped;
  for (char c : key) {
    if (c == '~') {
      escaped += "~0";
    } else if (c == '/') {
      escaped += "~1";
    } else {
      escaped += c;
    }
  }
  return path + "/" + escaped;
}

// The keywords the validator looks up by name. A schema is an ordered_json,
// whose find is a linear scan comparing strings: looking up some 25
// keywords in every schema node for every record made memcmp the top of
// the JSON decode profile. check() notes once per node which of these the
// node has (one pass over its keys), and the lookups of absent ones cost
// a bit test.
constexpr std::string_view kLookedUpKeywords[] = {"additionalItems", "additionalProperties", "allOf", "anyOf", "const", "contains", "enum", "if", "items", "maxItems", "maxLength", "maxProperties", "minItems", "minLength", "minProperties", "not", "oneOf", "pattern", "patternProperties", "prefixItems", "properties", "propertyNames", "required", "type"};
static_assert(std::size(kLookedUpKeywords) <= 64);

template <size_t N>
struct KeywordName {
  char text[N];
  consteval KeywordName(const char (&name)[N]) { std::copy_n(name, N, text); }
  constexpr std::string_view view() const { return std::string_view(text, N - 1); }
};

consteval uint64_t keyword_bit(std::string_view name) {
  for (size_t i = 0; i < std::size(kLookedUpKeywords); ++i) {
    if (kLookedUpKeywords[i] == name) return uint64_t{1} << i;
  }
  throw "not in kLookedUpKeywords";
}

// Which of kLookedUpKeywords `schema` (an object) has.
uint64_t keywords_present(const ordered_json& schema) {
  static const std::unordered_map<std::string_view, uint64_t> bits = [] {
    std::unordered_map<std::string_view, uint64_t> out;
    for (size_t i = 0; i < std::size(kLookedUpKeywords); ++i) out.emplace(kLookedUpKeywords[i], uint64_t{1} << i);
    return out;
  }();
  uint64_t present = 0;
  for (auto it = schema.begin(); it != schema.end(); ++it) {
    if (auto bit = bits.find(it.key()); bit != bits.end()) present |= bit->second;
  }
  return present;
}

class JsonValidator {
 public:
  JsonValidator(const JsonSchema& schema, size_t max_violations) : schema_(schema), max_(max_violations) {}

  void check(const ordered_json& schema_in, const json& value, const std::string& path) {
    if (full()) return;
    if (depth_ >= kMaxDepth) return report(path, "document or schema nested too deeply to validate");
    const ordered_json* schema = schema_.resolve_ref(schema_in);
    if (schema == nullptr) return report(path, fmt::format("unresolvable $ref {}", schema_in.dump()));
    if (schema->is_boolean()) {
      if (!schema->get<bool>()) report(path, "no value is allowed here");
      return;
    }
    if (!schema->is_object()) return;
    // Nested checks set keywords_ for their own nodes and restore it, so the
    // lookups made after them here see this node's again.
    const uint64_t enclosing_keywords = keywords_;
    keywords_ = keywords_present(*schema);
    ++depth_;
    check_type(*schema, value, path);
    check_enum(*schema, value, path);
    if (value.is_string()) check_string(*schema, value.get_ref<const std::string&>(), path);
    if (value.is_number()) check_number(*schema, value, path);
    if (value.is_object()) check_object(*schema, value, path);
    if (value.is_array()) check_array(*schema, value, path);
    check_combinations(*schema, value, path);
    --depth_;
    keywords_ = enclosing_keywords;
  }

  std::vector<std::string> take() { return std::move(violations_); }

 private:
  // schema.find(Name), answered from keywords_ (the current node's) when absent.
  template <KeywordName Name>
  ordered_json::const_iterator find_keyword(const ordered_json& schema) const {
    constexpr uint64_t bit = keyword_bit(Name.view());
    if ((keywords_ & bit) == 0) return schema.end();
    return schema.find(Name.view());
  }

  bool full() const { return violations_.size() >= max_; }

  void report(const std::string& path, const std::string& message) {
    if (!full()) violations_.push_back(fmt::format("{}: {}", path.empty() ? "#" : path, message));
  }

  bool passes(const ordered_json& schema, const json& value) const {
    JsonValidator probe(schema_, 1);
    probe.depth_ = depth_;
    probe.check(schema, value, "#");
    return probe.violations_.empty();
  }

  static bool has_type(const json& value, const std::string& type) {
    if (type == "null") return value.is_null();
    if (type == "boolean") return value.is_boolean();
    if (type == "object") return value.is_object();
    if (type == "array") return value.is_array();
    if (type == "string") return value.is_string();
    if (type == "number") return value.is_number();
    if (type == "integer") {
      if (value.is_number_integer()) return true;
      return value.is_number_float() && std::isfinite(value.get<double>()) && std::floor(value.get<double>()) == value.get<double>();
    }
    return false;
  }

  static std::string type_of(const json& value) {
    if (value.is_number_integer()) return "integer";
    if (value.is_number()) return "number";
    return value.type_name();
  }

  void check_type(const ordered_json& schema, const json& value, const std::string& path) {
    const auto type = find_keyword<"type">(schema);
    if (type == schema.end()) return;
    std::vector<std::string> allowed;
    if (type->is_string()) allowed.push_back(type->get<std::string>());
    if (type->is_array()) {
      for (const auto& name : *type) allowed.push_back(name.get<std::string>());
    }
    if (std::none_of(allowed.begin(), allowed.end(), [&](const std::string& t) { return has_type(value, t); })) {
      report(path, fmt::format("expected {}, found {}", fmt::join(allowed, " or "), type_of(value)));
    }
  }

  void check_enum(const ordered_json& schema, const json& value, const std::string& path) {
    if (const auto values = find_keyword<"enum">(schema); values != schema.end() && values->is_array()) {
      if (std::none_of(values->begin(), values->end(), [&](const ordered_json& v) { return json_equal(value, v); })) {
        report(path, fmt::format("{:.100} is not one of {:.200}", value.dump(), values->dump()));
      }
    }
    if (const auto constant = find_keyword<"const">(schema); constant != schema.end() && !json_equal(value, *constant)) {
      report(path, fmt::format("{:.100} is not {:.100}", value.dump(), constant->dump()));
    }
  }

  void check_string(const ordered_json& schema, const std::string& text, const std::string& path) {
    const size_t length = utf8_length(text);
    if (const auto max = find_keyword<"maxLength">(schema); max != schema.end() && max->is_number() && length > max->get<double>()) {
      report(path, fmt::format("string of {} characters is longer than maxLength {}", length, max->dump()));
    }
    if (const auto min = find_keyword<"minLength">(schema); min != schema.end() && min->is_number() && length < min->get<double>()) {
      report(path, fmt::format("string of {} characters is shorter than minLength {}", length, min->dump()));
    }
    if (const auto pattern = find_keyword<"pattern">(schema); pattern != schema.end() && pattern->is_string()) {
      const std::regex* compiled = schema_.pattern(pattern->get<std::string>());
      if (text.size() > kMaxPatternInput) {
        report(path, fmt::format("string of {} bytes is too long to match against pattern", text.size()));
      } else if (compiled == nullptr || !std::regex_search(text, *compiled)) {
        report(path, fmt::format("string does not match pattern {}", pattern->dump()));
      }
    }
  }

  void check_number(const ordered_json& schema, const json& value, const std::string& path) {
    const double number = value.get<double>();
    auto bound = [&](const char* keyword) -> std::optional<double> {
      const auto it = schema.find(keyword);
      if (it == schema.end() || !it->is_number()) return std::nullopt;
      return it->get<double>();
    };
    // Draft 4 writes exclusiveness as a boolean beside maximum / minimum.
    const bool exclusive_max_flag = schema.value("exclusiveMaximum", ordered_json(false)).is_boolean() &&
                                    schema.value("exclusiveMaximum", ordered_json(false)).get<bool>();
    const bool exclusive_min_flag = schema.value("exclusiveMinimum", ordered_json(false)).is_boolean() &&
                                    schema.value("exclusiveMinimum", ordered_json(false)).get<bool>();
    if (auto max = bound("maximum"); max && (exclusive_max_flag ? number >= *max : number > *max)) {
      report(path, fmt::format("{} is above the maximum {}", value.dump(), *max));
    }
    if (auto min = bound("minimum"); min && (exclusive_min_flag ? number <= *min : number < *min)) {
      report(path, fmt::format("{} is below the minimum {}", value.dump(), *min));
    }
    if (auto max = bound("exclusiveMaximum"); max && number >= *max) {
      report(path, fmt::format("{} is not below the exclusive maximum {}", value.dump(), *max));
    }
    if (auto min = bound("exclusiveMinimum"); min && number <= *min) {
      report(path, fmt::format("{} is not above the exclusive minimum {}", value.dump(), *min));
    }
    if (auto step = bound("multipleOf"); step && *step > 0) {
      const double ratio = number / *step;
      if (!std::isfinite(ratio) || std::fabs(ratio - std::round(ratio)) > 1e-9 * std::max(1.0, std::fabs(ratio))) {
        report(path, fmt::format("{} is not a multiple of {}", value.dump(), *step));
      }
    }
  }

  void check_object(const ordered_json& schema, const json& value, const std::string& path) {
    if (const auto required = find_keyword<"required">(schema); required != schema.end() && required->is_array()) {
      for (const auto& name : *required) {
        if (name.is_string() && !value.contains(name.get<std::string>())) {
          report(path, fmt::format("required property \"{}\" is missing", name.get<std::string>()));
        }
      }
    }
    const auto properties = find_keyword<"properties">(schema);
    const auto patterns = find_keyword<"patternProperties">(schema);
    const auto additional = find_keyword<"additionalProperties">(schema);
    for (auto it = value.begin(); it != value.end() && !full(); ++it) {
      const std::string property_path = child(path, it.key());
      bool matched = false;
      if (properties != schema.end() && properties->is_object()) {
        if (const auto declared = properties->find(it.key()); declared != properties->end()) {
          matched = true;
          check(*declared, it.value(), property_path);
        }
      }
      if (patterns != schema.end() && patterns->is_object()) {
        for (auto pattern = patterns->begin(); pattern != patterns->end(); ++pattern) {
          const std::regex* compiled = schema_.pattern(pattern.key());
          if (compiled != nullptr && it.key().size() <= kMaxPatternInput && std::regex_search(it.key(), *compiled)) {
            matched = true;
            check(pattern.value(), it.value(), property_path);
          }
        }
      }
      if (!matched && additional != schema.end()) {
        if (additional->is_boolean() && !additional->get<bool>()) {
          report(property_path, "additional property not allowed");
        } else {
          check(*additional, it.value(), property_path);
        }
      }
      if (const auto names = find_keyword<"propertyNames">(schema); names != schema.end() && !passes(*names, json(it.key()))) {
        report(property_path, "property name not allowed by propertyNames");
      }
    }
    const double count = static_cast<double>(value.size());
    if (const auto max = find_keyword<"maxProperties">(schema); max != schema.end() && max->is_number() && count > max->get<double>()) {
      report(path, fmt::format("{} properties, more than maxProperties {}", value.size(), max->dump()));
    }
    if (const auto min = find_keyword<"minProperties">(schema); min != schema.end() && min->is_number() && count < min->get<double>()) {
      report(path, fmt::format("{} properties, fewer than minProperties {}", value.size(), min->dump()));
    }
    for (const char* keyword : {"dependentRequired", "dependencies"}) {
      const auto dependencies = schema.find(keyword);
      if (dependencies == schema.end() || !dependencies->is_object()) continue;
      for (auto it = dependencies->begin(); it != dependencies->end(); ++it) {
        if (!value.contains(it.key())) continue;
        if (it.value().is_array()) {
          for (const auto& name : it.value()) {
            if (name.is_string() && !value.contains(name.get<std::string>())) {
              report(path, fmt::format("property \"{}\" requires \"{}\"", it.key(), name.get<std::string>()));
            }
          }
        } else {
          check(it.value(), value, path);
        }
      }
    }
  }

  void check_array(const ordered_json& schema, const json& value, const std::string& path) {
    std::vector<const ordered_json*> prefix;
    const ordered_json* rest = nullptr;
    const auto prefix_items = find_keyword<"prefixItems">(schema);
    const auto items = find_keyword<"items">(schema);
    if (prefix_items != schema.end() && prefix_items->is_array()) {
      for (const auto& item : *prefix_items) prefix.push_back(&item);
      if (items != schema.end()) rest = &*items;
    } else if (items != schema.end() && items->is_array()) {
      for (const auto& item : *items) prefix.push_back(&item);
      if (const auto additional = find_keyword<"additionalItems">(schema); additional != schema.end()) rest = &*additional;
    } else if (items != schema.end()) {
      rest = &*items;
    }
    for (size_t i = 0; i < value.size() && !full(); ++i) {
      const ordered_json* item_schema = i < prefix.size() ? prefix[i] : rest;
      if (item_schema != nullptr) check(*item_schema, value[i], fmt::format("{}/{}", path, i));
    }
    const double count = static_cast<double>(value.size());
    if (const auto max = find_keyword<"maxItems">(schema); max != schema.end() && max->is_number() && count > max->get<double>()) {
      report(path, fmt::format("{} items, more than maxItems {}", value.size(), max->dump()));
    }
    if (const auto min = find_keyword<"minItems">(schema); min != schema.end() && min->is_number() && count < min->get<double>()) {
      report(path, fmt::format("{} items, fewer than minItems {}", value.size(), min->dump()));
    }
    if (schema.value("uniqueItems", ordered_json(false)) == ordered_json(true)) {
      std::set<std::string> seen;
      for (const auto& item : value) {
        if (!seen.insert(item.dump()).second) {
          report(path, fmt::format("items are not unique: {:.100} repeats", item.dump()));
          break;
        }
      }
    }
    if (const auto contains = find_keyword<"contains">(schema); contains != schema.end()) {
      if (std::none_of(value.begin(), value.end(), [&](const json& item) { return passes(*contains, item); })) {
        report(path, "no item matches \"contains\"");
      }
    }
  }

  void check_combinations(const ordered_json& schema, const json& value, const std::string& path) {
    if (const auto all = find_keyword<"allOf">(schema); all != schema.end() && all->is_array()) {
      for (const auto& part : *all) check(part, value, path);
    }
    if (const auto any = find_keyword<"anyOf">(schema); any != schema.end() && any->is_array()) {
      if (std::none_of(any->begin(), any->end(), [&](const ordered_json& part) { return passes(part, value); })) {
        report(path, "matches none of anyOf");
      }
    }
    if (const auto one = find_keyword<"oneOf">(schema); one != schema.end() && one->is_array()) {
      const auto matches = std::count_if(one->begin(), one->end(), [&](const ordered_json& part) { return passes(part, value); });
      if (matches != 1) report(path, fmt::format("matches {} of oneOf, not exactly one", matches));
    }
    if (const auto negated = find_keyword<"not">(schema); negated != schema.end() && passes(*negated, value)) {
      report(path, "matches the schema under \"not\"");
    }
    if (const auto condition = find_keyword<"if">(schema); condition != schema.end()) {
      const bool holds = passes(*condition, value);
      const auto branch = schema.find(holds ? "then" : "else");
      if (branch != schema.end()) check(*branch, value, path);
    }
  }

  const JsonSchema& schema_;
  size_t max_;
  int depth_ = 0;
  uint64_t keywords_ = 0;  // keywords_present() of the node check() is at
  std::vector<std::string> violations_;
};

}  // namespace

std::vector<std::string> JsonSchema::validate(const json& document, size_t max_violations) const {
  JsonValidator validator(*this, std::max<size_t>(max_violations, 1));
  validator.check(document_, document, "#");
  return validator.take();
}

}  // namespace loch::registry
