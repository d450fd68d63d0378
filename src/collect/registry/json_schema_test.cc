#include "collect/registry/json_schema.h"

#include <gtest/gtest.h>

#include "collect/registry/compatibility_test_table.h"

namespace loch::registry {
namespace {

using testing::CompatibilityCase;

// An object schema with these properties; closed when `closed`.
std::string object(const std::string& properties, const std::string& extra = "", bool closed = false) {
  std::string out = R"({"type":"object","properties":{)" + properties + "}";
  if (closed) out += R"(,"additionalProperties":false)";
  if (!extra.empty()) out += "," + extra;
  return out + "}";
}

std::string parse_error(const std::string& text) {
  auto parsed = JsonSchema::parse(text, {});
  EXPECT_FALSE(parsed.is_ok()) << text;
  return parsed.is_ok() ? "" : parsed.status().message();
}

TEST(JsonSchema, CanonicalKeepsKeyOrderAndNormalizedSortsKeys) {
  auto schema = JsonSchema::parse(R"({ "type": "object",
      "properties": { "b": {"type": "string"}, "a": {"type": "integer"} } })", {});
  ASSERT_TRUE(schema.is_ok());
  EXPECT_EQ((*schema)->canonical(), R"({"type":"object","properties":{"b":{"type":"string"},"a":{"type":"integer"}}})");
  EXPECT_EQ((*schema)->normalized(), R"({"properties":{"a":{"type":"integer"},"b":{"type":"string"}},"type":"object"})");
}

TEST(JsonSchema, InvalidSchemasAreRejectedWithThePlaceOfTheError) {
  EXPECT_NE(parse_error(R"({"type":)").find("not JSON"), std::string::npos);
  EXPECT_NE(parse_error("42").find("must be an object or a boolean"), std::string::npos);
  EXPECT_NE(parse_error(R"({"type":"strin"})").find("#/type: unknown type \"strin\""), std::string::npos);
  EXPECT_NE(parse_error(R"({"properties":{"a":{"type":5}}})").find("#/properties/a/type"), std::string::npos);
  EXPECT_NE(parse_error(R"({"required":"a"})").find("#/required"), std::string::npos);
  EXPECT_NE(parse_error(R"({"maxLength":-1})").find("#/maxLength"), std::string::npos);
  EXPECT_NE(parse_error(R"({"anyOf":[]})").find("#/anyOf"), std::string::npos);
  EXPECT_NE(parse_error(R"({"multipleOf":0})").find("#/multipleOf"), std::string::npos);
  EXPECT_TRUE(JsonSchema::parse("true", {}).is_ok());
}

TEST(JsonSchema, DeeplyNestedSchemasAreRejectedNotOverflowingTheStack) {
  std::string nested = R"({"type":"string"})";
  for (int i = 0; i < 2000; ++i) nested = R"({"type":"array","items":)" + nested + "}";
  EXPECT_NE(parse_error(nested).find("nested too deeply"), std::string::npos);
}

TEST(JsonSchemaCompatibility, EveryCaseGivesTheRightVerdictAtEveryLevel) {
  const std::string a = R"("a":{"type":"string"})";
  const std::string b = R"("b":{"type":"integer"})";
  const CompatibilityCase cases[] = {
      {"property added to an open content model", object(a), object(a + "," + b), false, true},
      {"property added to a closed content model", object(a, "", true), object(a + "," + b, "", true), true, false},
      {"property removed from an open content model", object(a + "," + b), object(a), true, false},
      {"property removed from a closed content model", object(a + "," + b, "", true), object(a, "", true), false, true},
      {"property with an empty schema added to an open content model", object(a), object(a + R"(,"c":{})"), true, true},
      {"required property added", object(a + "," + b), object(a + "," + b, R"("required":["b"])"), false, true},
      {"required property removed", object(a + "," + b, R"("required":["b"])"), object(a + "," + b), true, false},
      {"required property with a default added", object(a + "," + b),
       object(a + R"(,"b":{"type":"integer","default":0})", R"("required":["b"])"), true, true},
      {"integer widened to number", object(R"("n":{"type":"integer"})"), object(R"("n":{"type":"number"})"), true, false},
      {"string changed to integer", object(R"("n":{"type":"string"})"), object(R"("n":{"type":"integer"})"), false, false},
      {"null added to the types", object(R"("n":{"type":"string"})"), object(R"("n":{"type":["string","null"]})"), true, false},
      {"enum value added", R"({"enum":["RED","GREEN"]})", R"({"enum":["RED","GREEN","BLUE"]})", true, false},
      {"enum value removed", R"({"enum":["RED","GREEN","BLUE"]})", R"({"enum":["RED","GREEN"]})", false, true},
      {"maxLength added", R"({"type":"string"})", R"({"type":"string","maxLength":10})", false, true},
      {"maxLength increased", R"({"type":"string","maxLength":10})", R"({"type":"string","maxLength":20})", true, false},
      {"minimum increased", R"({"type":"number","minimum":0})", R"({"type":"number","minimum":5})", false, true},
      {"pattern added", R"({"type":"string"})", R"({"type":"string","pattern":"^[a-z]+$"})", false, true},
      {"content model opened", object(a, "", true), object(a), true, false},
      {"array items changed", R"({"type":"array","items":{"type":"string"}})", R"({"type":"array","items":{"type":"integer"}})",
       false, false},
      {"array items widened", R"({"type":"array","items":{"type":"integer"}})", R"({"type":"array","items":{"type":"number"}})",
       true, false},
      {"oneOf widened", R"({"oneOf":[{"type":"string"},{"type":"integer"}]})",
       R"({"oneOf":[{"type":"string"},{"type":"integer"},{"type":"boolean"}]})", true, false},
      {"description changed only", R"({"type":"string","description":"a"})", R"({"type":"string","description":"b"})", true, true},
      {"nested property type changed", object(R"("address":)" + object(R"("zip":{"type":"string"})")),
       object(R"("address":)" + object(R"("zip":{"type":"integer"})")), false, false},
      {"tuple item added to an open tuple", R"({"type":"array","prefixItems":[{"type":"string"}]})",
       R"({"type":"array","prefixItems":[{"type":"string"},{"type":"integer"}]})", false, true},
      {"tuple item removed from a closed tuple", R"({"type":"array","items":[{"type":"string"},{"type":"integer"}],"additionalItems":false})",
       R"({"type":"array","items":[{"type":"string"}],"additionalItems":false})", false, true},
      {"tuple item type changed", R"({"type":"array","prefixItems":[{"type":"string"}],"items":false})",
       R"({"type":"array","prefixItems":[{"type":"boolean"}],"items":false})", false, false},
      {"not added", R"({"type":"string"})", R"({"type":"string","not":{"enum":["x"]}})", false, true},
      {"dependentRequired added", object(a + "," + b), object(a + "," + b, R"("dependentRequired":{"a":["b"]})"), false, true},
      {"partially open content model covers the added property", object(a, R"("additionalProperties":{"type":"integer"})"),
       object(a + "," + b, R"("additionalProperties":{"type":"integer"})"), true, true},
  };
  for (const CompatibilityCase& c : cases) testing::expect_case_at_every_level(SchemaType::kJson, c);
}

TEST(JsonSchemaCompatibility, TransitiveLevelsCheckEveryEarlierVersion) {
  // Each step narrows a maximum by a little less than the previous one
  // widened it: v3 accepts all of v2, not all of v1.
  testing::expect_transitive_levels_look_at_every_version(SchemaType::kJson, R"({"type":"number","maximum":100})",
                                                          R"({"type":"number","maximum":50,"minimum":0})",
                                                          R"({"type":"number","maximum":60,"minimum":0})");
}

TEST(JsonSchemaCompatibility, LocalReferencesAreFollowedIncludingRecursiveOnes) {
  const std::string tree_old = R"({"$ref":"#/definitions/node","definitions":{"node":{"type":"object","properties":{
      "value":{"type":"integer"},"children":{"type":"array","items":{"$ref":"#/definitions/node"}}}}}})";
  const std::string tree_new = R"({"$ref":"#/definitions/node","definitions":{"node":{"type":"object","properties":{
      "value":{"type":"number"},"children":{"type":"array","items":{"$ref":"#/definitions/node"}}}}}})";
  testing::expect_case_at_every_level(SchemaType::kJson, {"referenced type widened", tree_old, tree_new, true, false});
}

TEST(JsonSchemaCompatibility, MessagesNameTheDifferenceAndItsPath) {
  auto old_schema = JsonSchema::parse(object(R"("a":{"type":"string"})"), {});
  auto new_schema = JsonSchema::parse(object(R"("a":{"type":"string"},"b":{"type":"integer"})"), {});
  ASSERT_TRUE(old_schema.is_ok() && new_schema.is_ok());
  const auto differences = (*new_schema)->read_differences(**old_schema, true);
  ASSERT_EQ(differences.size(), 1u);
  EXPECT_NE(differences[0].find("errorType:'PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL'"), std::string::npos);
  EXPECT_NE(differences[0].find("'#/properties/b'"), std::string::npos);
}

}  // namespace
}  // namespace loch::registry
