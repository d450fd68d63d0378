#include "collect/registry/registry_json.h"

#include <gtest/gtest.h>

namespace loch::registry {
namespace {

TEST(RegistryJson, ASchemaRequestCarriesTypeReferencesAndImportIds) {
  auto request = parse_schema_request(
      R"({"schema":"syntax = \"proto3\";","schemaType":"PROTOBUF","references":[{"name":"a.proto","subject":"a","version":2}],"id":7,"version":-1})",
      true);
  ASSERT_TRUE(request.is_ok());
  EXPECT_EQ(request->type, SchemaType::kProtobuf);
  EXPECT_EQ(request->schema, "syntax = \"proto3\";");
  ASSERT_EQ(request->references.size(), 1u);
  EXPECT_EQ(request->references[0], (SchemaReference{"a.proto", "a", 2}));
  EXPECT_EQ(request->id, 7);
  EXPECT_FALSE(request->version.has_value());
  EXPECT_TRUE(request->normalize);
  auto avro = parse_schema_request(R"({"schema":"\"string\""})");
  ASSERT_TRUE(avro.is_ok());
  EXPECT_EQ(avro->type, SchemaType::kAvro);
}

TEST(RegistryJson, GarbageBodiesGetErrorsNotCrashes) {
  const char* garbage[] = {"", "{", "null", "[1,2]", "\"text\"", "{\"schema\":", "\xff\xfe\x00", "{\"schema\":\"x\"}}"};
  for (const char* body : garbage) {
    auto request = parse_schema_request(body);
    ASSERT_FALSE(request.is_ok()) << body;
    EXPECT_EQ(request.error().http_status, 400) << body;
  }
  EXPECT_EQ(parse_schema_request("{}").error().error_code, 42201);
  EXPECT_EQ(parse_schema_request(R"({"schema":5})").error().error_code, 42201);
  EXPECT_EQ(parse_schema_request(R"({"schema":"x","schemaType":"XML"})").error().error_code, 42201);
  EXPECT_EQ(parse_schema_request(R"({"schema":"x","references":{}})").error().error_code, 42201);
  EXPECT_EQ(parse_schema_request(R"({"schema":"x","references":[{"name":"a"}]})").error().error_code, 42201);
  EXPECT_EQ(parse_schema_request(R"({"schema":"x","id":99999999999})").error().error_code, 42201);
  EXPECT_EQ(parse_config_request(R"({"compatibility":"FULL"})").value(), "FULL");
  EXPECT_EQ(parse_config_request(R"({"compatibility":3})").error().error_code, 42203);
  EXPECT_EQ(parse_config_request("nope").error().http_status, 400);
  EXPECT_EQ(parse_mode_request(R"({"mode":"IMPORT"})").value(), "IMPORT");
  EXPECT_EQ(parse_mode_request(R"({})").error().error_code, 42204);
}

TEST(RegistryJson, ResponsesUseConfluentsFieldNames) {
  EXPECT_EQ(register_response_json({3, 1, false}), R"({"id":3})");
  EXPECT_EQ(subject_schema_json({"s", 2, 3, SchemaType::kAvro, "\"int\"", {}, false}),
            R"({"subject":"s","version":2,"id":3,"schema":"\"int\""})");
  EXPECT_EQ(subject_schema_json({"s", 2, 3, SchemaType::kJson, "{}", {{"r", "t", 1}}, false}),
            R"({"subject":"s","version":2,"id":3,"schemaType":"JSON","references":[{"name":"r","subject":"t","version":1}],"schema":"{}"})");
  EXPECT_EQ(schema_by_id_json({3, SchemaType::kProtobuf, "x", {}}), R"({"schemaType":"PROTOBUF","schema":"x"})");
  EXPECT_EQ(compatibility_json({false, {"m"}}, true), R"({"is_compatible":false,"messages":["m"]})");
  EXPECT_EQ(compatibility_json({true, {}}, false), R"({"is_compatible":true})");
  EXPECT_EQ(config_get_json(CompatibilityLevel::kFull), R"({"compatibilityLevel":"FULL"})");
  EXPECT_EQ(config_put_json(CompatibilityLevel::kNone), R"({"compatibility":"NONE"})");
  EXPECT_EQ(mode_json(Mode::kReadWrite), R"({"mode":"READWRITE"})");
  EXPECT_EQ(subject_versions_json({{"a", 1}}), R"([{"subject":"a","version":1}])");
  EXPECT_EQ(json_array(std::vector<int32_t>{1, 2}), "[1,2]");
  EXPECT_EQ(json_array(std::vector<std::string>{"a"}), R"(["a"])");
}

}  // namespace
}  // namespace loch::registry
