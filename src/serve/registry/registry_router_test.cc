#include "serve/registry/registry_router.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace loch::serve {
namespace {

using nlohmann::json;

constexpr char kUserV1[] =
    R"({"schema":"{\"type\":\"record\",\"name\":\"User\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"}]}"})";
// Adds a field without a default: not BACKWARD compatible with v1.
constexpr char kUserNoDefault[] =
    R"({"schema":"{\"type\":\"record\",\"name\":\"User\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"},{\"name\":\"email\",\"type\":\"string\"}]}"})";
constexpr char kUserWithDefault[] =
    R"({"schema":"{\"type\":\"record\",\"name\":\"User\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"},{\"name\":\"email\",\"type\":\"string\",\"default\":\"\"}]}"})";

class RegistryRouterTest : public ::testing::Test {
 protected:
  RegistryAnswer call(std::string_view method, std::string_view target, std::string_view body = {},
                      std::string_view content_type = "application/vnd.schemaregistry.v1+json") {
    return router_.handle(RegistryRequest{method, target, content_type, body});
  }
  // The error_code of an error answer (0 when the body is not one).
  static int error_code(const RegistryAnswer& answer) {
    json body = json::parse(answer.body, nullptr, false);
    if (!body.is_object() || !body.contains("error_code")) return 0;
    return body["error_code"].get<int>();
  }

  registry::MemoryRecordSink sink_;
  registry::SchemaStore store_{&sink_};
  RegistryRouter router_{store_};
};

TEST_F(RegistryRouterTest, RegisterThenReadBackByVersionIdAndLookup) {
  RegistryAnswer registered = call("POST", "/subjects/users-value/versions", kUserV1);
  ASSERT_EQ(registered.status, 200) << registered.body;
  EXPECT_EQ(registered.body, R"({"id":1})");
  EXPECT_EQ(registered.content_type, "application/vnd.schemaregistry.v1+json");

  RegistryAnswer latest = call("GET", "/subjects/users-value/versions/latest");
  ASSERT_EQ(latest.status, 200);
  json version = json::parse(latest.body);
  EXPECT_EQ(version["subject"], "users-value");
  EXPECT_EQ(version["version"], 1);
  EXPECT_EQ(version["id"], 1);

  RegistryAnswer raw = call("GET", "/subjects/users-value/versions/1/schema");
  ASSERT_EQ(raw.status, 200);
  EXPECT_EQ(json::parse(raw.body)["name"], "User");

  RegistryAnswer by_id = call("GET", "/schemas/ids/1");
  ASSERT_EQ(by_id.status, 200);
  EXPECT_EQ(json::parse(by_id.body)["schema"], version["schema"]);
  EXPECT_EQ(call("GET", "/schemas/ids/1/subjects").body, R"(["users-value"])");
  EXPECT_EQ(call("GET", "/schemas/ids/1/versions").body, R"([{"subject":"users-value","version":1}])");

  RegistryAnswer lookup = call("POST", "/subjects/users-value", kUserV1);
  ASSERT_EQ(lookup.status, 200);
  EXPECT_EQ(json::parse(lookup.body)["version"], 1);

  EXPECT_EQ(call("GET", "/subjects").body, R"(["users-value"])");
  EXPECT_EQ(call("GET", "/subjects/users-value/versions").body, "[1]");
  EXPECT_EQ(call("GET", "/schemas/types").body, R"(["AVRO","JSON","PROTOBUF"])");
  EXPECT_EQ(call("GET", "/").body, "{}");
}

TEST_F(RegistryRouterTest, UnknownSubjectVersionAndIdGetConfluentCodes) {
  RegistryAnswer subject = call("GET", "/subjects/nope/versions");
  EXPECT_EQ(subject.status, 404);
  EXPECT_EQ(error_code(subject), 40401);
  ASSERT_EQ(call("POST", "/subjects/s/versions", kUserV1).status, 200);
  RegistryAnswer version = call("GET", "/subjects/s/versions/7");
  EXPECT_EQ(version.status, 404);
  EXPECT_EQ(error_code(version), 40402);
  RegistryAnswer id = call("GET", "/schemas/ids/99");
  EXPECT_EQ(id.status, 404);
  EXPECT_EQ(error_code(id), 40403);
  RegistryAnswer bad_version = call("GET", "/subjects/s/versions/zero");
  EXPECT_EQ(bad_version.status, 422);
  EXPECT_EQ(error_code(bad_version), 42202);
  RegistryAnswer lookup_missing = call("POST", "/subjects/s", kUserWithDefault);
  EXPECT_EQ(lookup_missing.status, 404);
  EXPECT_EQ(error_code(lookup_missing), 40403);
}

TEST_F(RegistryRouterTest, InvalidSchemaIs42201WithTheParsersMessage) {
  RegistryAnswer answer = call("POST", "/subjects/s/versions", R"({"schema":"{\"type\":\"recrod\"}"})");
  EXPECT_EQ(answer.status, 422);
  EXPECT_EQ(error_code(answer), 42201);
  EXPECT_NE(json::parse(answer.body)["message"].get<std::string>().find("recrod"), std::string::npos) << answer.body;
}

TEST_F(RegistryRouterTest, IncompatibleSchemaIs409AndCompatibilityEndpointsAgree) {
  ASSERT_EQ(call("POST", "/subjects/s/versions", kUserV1).status, 200);
  RegistryAnswer check = call("POST", "/compatibility/subjects/s/versions/latest?verbose=true", kUserNoDefault);
  ASSERT_EQ(check.status, 200) << check.body;
  json report = json::parse(check.body);
  EXPECT_EQ(report["is_compatible"], false);
  EXPECT_FALSE(report["messages"].empty());
  EXPECT_EQ(json::parse(call("POST", "/compatibility/subjects/s/versions", kUserWithDefault).body)["is_compatible"],
            true);

  RegistryAnswer rejected = call("POST", "/subjects/s/versions", kUserNoDefault);
  EXPECT_EQ(rejected.status, 409);
  EXPECT_EQ(error_code(rejected), 409);
  EXPECT_EQ(call("POST", "/subjects/s/versions", kUserWithDefault).body, R"({"id":2})");

  // With NONE the same schema goes in.
  EXPECT_EQ(call("PUT", "/config/s", R"({"compatibility":"NONE"})").body, R"({"compatibility":"NONE"})");
  EXPECT_EQ(call("GET", "/config/s").body, R"({"compatibilityLevel":"NONE"})");
  EXPECT_EQ(call("POST", "/subjects/s/versions", kUserNoDefault).status, 200);
}

TEST_F(RegistryRouterTest, ConfigAndModeRoutes) {
  EXPECT_EQ(call("GET", "/config").body, R"({"compatibilityLevel":"BACKWARD"})");
  EXPECT_EQ(call("PUT", "/config", R"({"compatibility":"FULL"})").body, R"({"compatibility":"FULL"})");
  EXPECT_EQ(error_code(call("PUT", "/config", R"({"compatibility":"SIDEWAYS"})")), 42203);
  EXPECT_EQ(error_code(call("GET", "/config/unset")), 40408);
  EXPECT_EQ(call("GET", "/config/unset?defaultToGlobal=true").body, R"({"compatibilityLevel":"FULL"})");
  EXPECT_EQ(call("DELETE", "/config").body, R"({"compatibilityLevel":"FULL"})");
  EXPECT_EQ(call("GET", "/config").body, R"({"compatibilityLevel":"BACKWARD"})");

  EXPECT_EQ(call("GET", "/mode").body, R"({"mode":"READWRITE"})");
  EXPECT_EQ(call("PUT", "/mode", R"({"mode":"READONLY"})").body, R"({"mode":"READONLY"})");
  RegistryAnswer refused = call("POST", "/subjects/s/versions", kUserV1);
  EXPECT_EQ(refused.status, 422);
  EXPECT_EQ(error_code(refused), 42205);
  EXPECT_EQ(call("DELETE", "/mode").body, R"({"mode":"READONLY"})");
  EXPECT_EQ(call("POST", "/subjects/s/versions", kUserV1).status, 200);
  EXPECT_EQ(error_code(call("PUT", "/mode/s", R"({"mode":"SIDEWAYS"})")), 42204);
}

TEST_F(RegistryRouterTest, SoftThenHardDelete) {
  ASSERT_EQ(call("POST", "/subjects/s/versions", kUserV1).status, 200);
  EXPECT_EQ(error_code(call("DELETE", "/subjects/s?permanent=true")), 40405);
  EXPECT_EQ(call("DELETE", "/subjects/s").body, "[1]");
  EXPECT_EQ(error_code(call("GET", "/subjects/s/versions")), 40401);
  EXPECT_EQ(call("GET", "/subjects?deleted=true").body, R"(["s"])");
  EXPECT_EQ(call("GET", "/subjects").body, "[]");
  EXPECT_EQ(call("DELETE", "/subjects/s?permanent=true").body, "[1]");
  EXPECT_EQ(call("GET", "/subjects?deleted=true").body, "[]");

  ASSERT_EQ(call("POST", "/subjects/t/versions", kUserV1).status, 200);
  EXPECT_EQ(call("DELETE", "/subjects/t/versions/1").body, "1");
  EXPECT_EQ(error_code(call("DELETE", "/subjects/t/versions/1")), 40406);
}

TEST_F(RegistryRouterTest, SubjectsWithSlashesAndUnicodeRoundTrip) {
  ASSERT_EQ(call("POST", "/subjects/a%2Fb%20%C3%A9/versions", kUserV1).status, 200);
  EXPECT_EQ(call("GET", "/subjects").body, "[\"a/b \xC3\xA9\"]");
  EXPECT_EQ(call("GET", "/subjects/a%2Fb%20%C3%A9/versions").body, "[1]");
}

TEST_F(RegistryRouterTest, GarbageGetsErrorBodiesNeverACrash) {
  // Not JSON, JSON that is not an object, wrong member types.
  for (const char* body : {"", "{", "[1,2]", "\"x\"", "{\"schema\":5}", "{\"schema\":null}", "\xFF\xFE",
                           "{\"schema\":\"{}\",\"schemaType\":\"XML\"}", "{\"schema\":\"\",\"references\":7}"}) {
    RegistryAnswer answer = call("POST", "/subjects/s/versions", body);
    EXPECT_TRUE(answer.status == 400 || answer.status == 422) << body << " -> " << answer.status << " " << answer.body;
    EXPECT_NE(error_code(answer), 0) << answer.body;
  }
  EXPECT_EQ(error_code(call("PUT", "/config", "nonsense")), 400);
  EXPECT_EQ(call("GET", "/nowhere").status, 404);
  EXPECT_EQ(error_code(call("GET", "/nowhere")), 404);
  EXPECT_EQ(call("GET", "/schemas/ids/abc").status, 404);
  EXPECT_EQ(call("GET", "/schemas/ids/-3").status, 404);
  EXPECT_EQ(call("GET", "/subjects/s/versions/1/nothing").status, 404);
  EXPECT_EQ(call("PATCH", "/subjects").status, 405);
  EXPECT_EQ(error_code(call("PATCH", "/subjects")), 405);
  EXPECT_EQ(call("GET", "/subjects/%FF").status, 400);
  EXPECT_EQ(call("GET", "/subjects/%zz").status, 400);
  EXPECT_EQ(call("GET", "*").status, 400);
  EXPECT_EQ(call("POST", "/subjects/s/versions", kUserV1, "text/plain").status, 415);
  EXPECT_EQ(call("POST", "/subjects/s/versions", kUserV1, "application/json; charset=utf-8").status, 200);
  EXPECT_EQ(call("POST", "/subjects/s/versions", kUserV1, "").status, 200);
  EXPECT_EQ(call("GET", "/subjects").body, R"(["s"])");
}

TEST_F(RegistryRouterTest, JsonAndProtobufSchemasRegisterWithTheirType) {
  RegistryAnswer json_schema = call(
      "POST", "/subjects/j/versions",
      R"({"schemaType":"JSON","schema":"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}}}"})");
  ASSERT_EQ(json_schema.status, 200) << json_schema.body;
  EXPECT_EQ(json::parse(call("GET", "/subjects/j/versions/1").body)["schemaType"], "JSON");

  RegistryAnswer proto = call("POST", "/subjects/p/versions",
                              R"({"schemaType":"PROTOBUF","schema":"syntax = \"proto3\"; message M { int64 a = 1; }"})");
  ASSERT_EQ(proto.status, 200) << proto.body;
  RegistryAnswer serialized = call("GET", "/schemas/ids/" + std::to_string(json::parse(proto.body)["id"].get<int>()) +
                                              "?format=serialized");
  ASSERT_EQ(serialized.status, 200) << serialized.body;
  EXPECT_EQ(json::parse(serialized.body)["schemaType"], "PROTOBUF");
  EXPECT_EQ(json::parse(serialized.body)["schema"].get<std::string>().find("message"), std::string::npos)
      << "format=serialized answers base64 FileDescriptorProto";
}

TEST_F(RegistryRouterTest, StoreWriteFailureIs50001AndChangesNothing) {
  sink_.fail_next_append(Status::io_error("disk full"));
  RegistryAnswer answer = call("POST", "/subjects/s/versions", kUserV1);
  EXPECT_EQ(answer.status, 500);
  EXPECT_EQ(error_code(answer), 50001);
  EXPECT_EQ(call("GET", "/subjects").body, "[]");
}

}  // namespace
}  // namespace loch::serve
