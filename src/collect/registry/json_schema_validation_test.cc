#include <gtest/gtest.h>

#include "collect/registry/json_schema.h"

namespace loch::registry {
namespace {

std::unique_ptr<JsonSchema> schema(const std::string& text) {
  auto parsed = JsonSchema::parse(text, {});
  EXPECT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  return parsed.is_ok() ? std::move(parsed).value() : nullptr;
}

std::vector<std::string> violations(const JsonSchema& s, const std::string& document) {
  return s.validate(nlohmann::json::parse(document));
}

const char* kOrder = R"({
  "type": "object",
  "properties": {
    "id": {"type": "string", "pattern": "^o-[0-9]+$"},
    "amount": {"type": "number", "minimum": 0, "exclusiveMaximum": 1000000},
    "quantity": {"type": "integer", "multipleOf": 5},
    "status": {"enum": ["NEW", "PAID"]},
    "lines": {"type": "array", "items": {"$ref": "#/$defs/line"}, "minItems": 1, "uniqueItems": true},
    "note": {"type": ["string", "null"], "maxLength": 3}
  },
  "required": ["id", "amount"],
  "additionalProperties": false,
  "$defs": {"line": {"type": "object", "properties": {"sku": {"type": "string"}}, "required": ["sku"]}}
})";

TEST(JsonSchemaValidation, AValidDocumentHasNoViolations) {
  auto order = schema(kOrder);
  ASSERT_NE(order, nullptr);
  EXPECT_TRUE(violations(*order, R"({"id":"o-1","amount":12.5,"quantity":10,"status":"PAID","lines":[{"sku":"a"}],"note":null})").empty());
  EXPECT_TRUE(violations(*order, R"({"id":"o-2","amount":0,"quantity":5.0,"note":"été"})").empty());
}

TEST(JsonSchemaValidation, EachViolationNamesThePlaceAndTheRule) {
  auto order = schema(kOrder);
  ASSERT_NE(order, nullptr);
  const auto found = violations(*order, R"({"id":"x-1","amount":-1,"quantity":7,"status":"LOST","lines":[{"sku":1},{"sku":1}],"note":"long","extra":true})");
  const std::vector<std::string> expected_fragments = {
      "#/id: string does not match pattern",
      "#/amount: -1 is below the minimum 0",
      "#/quantity: 7 is not a multiple of 5",
      "#/status: \"LOST\" is not one of",
      "#/lines/0/sku: expected string, found integer",
      "#/lines: items are not unique",
      "#/note: string of 4 characters is longer than maxLength 3",
      "#/extra: additional property not allowed",
  };
  for (const std::string& fragment : expected_fragments) {
    EXPECT_TRUE(std::any_of(found.begin(), found.end(), [&](const std::string& v) { return v.find(fragment) != std::string::npos; }))
        << fragment;
  }
  const auto missing = violations(*order, R"({"amount":1})");
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0], "#: required property \"id\" is missing");
  EXPECT_EQ(violations(*order, R"([1])")[0], "#: expected object, found array");
  EXPECT_EQ(order->validate(nlohmann::json::parse(R"({"a":1,"b":2,"c":3})"), 2).size(), 2u);
}

TEST(JsonSchemaValidation, CombinationsConditionalsAndTuplesApply) {
  auto s = schema(R"({
    "oneOf": [{"type": "integer"}, {"type": "number", "minimum": 10}],
    "not": {"const": 42}
  })");
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(violations(*s, "3").empty());
  EXPECT_NE(violations(*s, "12")[0].find("matches 2 of oneOf"), std::string::npos);
  EXPECT_NE(violations(*s, "42").back().find("\"not\""), std::string::npos);
  EXPECT_NE(violations(*s, "\"x\"")[0].find("matches 0 of oneOf"), std::string::npos);

  auto conditional = schema(R"({"if": {"properties": {"kind": {"const": "card"}}}, "then": {"required": ["pan"]},
                                 "else": {"required": ["iban"]}})");
  ASSERT_NE(conditional, nullptr);
  EXPECT_TRUE(violations(*conditional, R"({"kind":"card","pan":"4111"})").empty());
  EXPECT_EQ(violations(*conditional, R"({"kind":"card"})")[0], "#: required property \"pan\" is missing");
  EXPECT_EQ(violations(*conditional, R"({"kind":"sepa"})")[0], "#: required property \"iban\" is missing");

  auto tuple = schema(R"({"type":"array","prefixItems":[{"type":"string"},{"type":"integer"}],"items":false,"contains":{"const":"x"}})");
  ASSERT_NE(tuple, nullptr);
  EXPECT_TRUE(violations(*tuple, R"(["x", 1])").empty());
  EXPECT_EQ(violations(*tuple, R"(["x", 1, 2])")[0], "#/2: no value is allowed here");
  EXPECT_EQ(violations(*tuple, R"(["y", 1])")[0], "#: no item matches \"contains\"");

  auto patterned = schema(R"({"patternProperties":{"^x-":{"type":"integer"}},"additionalProperties":false,
                              "propertyNames":{"maxLength":5},"dependentRequired":{"a":["b"]}})");
  ASSERT_NE(patterned, nullptr);
  EXPECT_TRUE(violations(*patterned, R"({"x-a":1})").empty());
  EXPECT_EQ(violations(*patterned, R"({"x-a":"s"})")[0], "#/x-a: expected integer, found string");
  EXPECT_EQ(violations(*patterned, R"({"y":1})")[0], "#/y: additional property not allowed");
  EXPECT_NE(violations(*patterned, R"({"x-long":1})")[0].find("propertyNames"), std::string::npos);
}

TEST(JsonSchemaValidation, Draft4ExclusiveBoundsAndInvalidPatternsAreHandled) {
  auto draft4 = schema(R"({"maximum": 10, "exclusiveMaximum": true})");
  ASSERT_NE(draft4, nullptr);
  EXPECT_TRUE(violations(*draft4, "9.5").empty());
  EXPECT_FALSE(violations(*draft4, "10").empty());
  auto invalid = JsonSchema::parse(R"({"pattern": "(unclosed"})", {});
  ASSERT_FALSE(invalid.is_ok());
  EXPECT_NE(invalid.status().message().find("invalid regular expression"), std::string::npos);
}

TEST(JsonSchemaValidation, HostileDocumentsAreRefusedNotCrashing) {
  auto s = schema(R"({"items": {"$ref": "#"}, "pattern": "^(a|b)*$"})");
  ASSERT_NE(s, nullptr);
  std::string nested = "1";
  for (int i = 0; i < 500; ++i) nested = "[" + nested + "]";
  const auto deep = violations(*s, nested);
  ASSERT_FALSE(deep.empty());
  EXPECT_NE(deep[0].find("nested too deeply"), std::string::npos);
  EXPECT_TRUE(s->validate(nlohmann::json(std::string(8000, 'a'))).empty());
  const auto long_string = s->validate(nlohmann::json(std::string(100000, 'a')));
  ASSERT_EQ(long_string.size(), 1u);
  EXPECT_NE(long_string[0].find("too long to match"), std::string::npos);
}

}  // namespace
}  // namespace loch::registry
