#include "collect/registry/protobuf_schema.h"

#include <gtest/gtest.h>

#include "collect/registry/compatibility_test_table.h"

namespace loch::registry {
namespace {

using testing::CompatibilityCase;

std::string proto3(const std::string& body) { return "syntax = \"proto3\";\npackage acme;\n" + body; }
std::string order(const std::string& fields) { return proto3("message Order {\n" + fields + "\n}\n"); }

std::string parse_error(const std::string& text) {
  auto parsed = ProtobufSchema::parse(text, {});
  EXPECT_FALSE(parsed.is_ok()) << text;
  return parsed.is_ok() ? "" : parsed.status().message();
}

TEST(ProtobufSchema, ParsesIntoDescriptorsAndPrintsACanonicalFileThatParsesBack) {
  auto schema = ProtobufSchema::parse(proto3(R"(
    // a comment that the canonical form drops
    message Order {
      string id = 1;
      repeated Line lines = 2;
      map<string, int32> tags = 3;
      oneof payment { string card = 4; string iban = 5; }
      message Line { string sku = 1; int64 quantity = 2; }
    }
    enum Status { UNKNOWN = 0; PAID = 1; }
  )"),
                                      {});
  ASSERT_TRUE(schema.is_ok()) << schema.status().to_string();
  const ProtobufSchema& parsed = **schema;
  EXPECT_EQ(parsed.file().package(), "acme");
  ASSERT_EQ(parsed.file().message_type_count(), 1);
  EXPECT_EQ(parsed.file().message_type(0)->field_count(), 5);
  const std::string canonical = parsed.canonical();
  EXPECT_EQ(canonical.find("comment"), std::string::npos);
  EXPECT_NE(canonical.find("map<string, int32> tags = 3;"), std::string::npos);
  auto again = ProtobufSchema::parse(canonical, {});
  ASSERT_TRUE(again.is_ok()) << again.status().to_string();
  EXPECT_EQ((*again)->canonical(), canonical);
}

TEST(ProtobufSchema, MessageIndexesDesignateNestedMessages) {
  auto schema = ProtobufSchema::parse(proto3("message A { message B { message C {} } message D {} }\nmessage E {}\n"), {});
  ASSERT_TRUE(schema.is_ok());
  EXPECT_EQ((*schema)->message_at({0})->full_name(), "acme.A");
  EXPECT_EQ((*schema)->message_at({})->full_name(), "acme.A");
  EXPECT_EQ((*schema)->message_at({1})->full_name(), "acme.E");
  EXPECT_EQ((*schema)->message_at({0, 0, 0})->full_name(), "acme.A.B.C");
  EXPECT_EQ((*schema)->message_at({0, 1})->full_name(), "acme.A.D");
  EXPECT_EQ((*schema)->message_at({2}), nullptr);
  EXPECT_EQ((*schema)->message_at({0, 5}), nullptr);
  EXPECT_EQ((*schema)->indexes_of("acme.A.B.C"), (std::vector<int32_t>{0, 0, 0}));
  EXPECT_EQ((*schema)->indexes_of("acme.E"), (std::vector<int32_t>{1}));
  EXPECT_FALSE((*schema)->indexes_of("acme.Missing").has_value());
}

TEST(ProtobufSchema, InvalidFilesGiveTheCompilersMessageWithLineAndColumn) {
  EXPECT_NE(parse_error("syntax = \"proto3\";\nmessage A { string a = 1 }\n").find("line 2:"), std::string::npos);
  EXPECT_NE(parse_error(proto3("message A { Missing m = 1; }")).find("\"Missing\" is not defined"), std::string::npos);
  EXPECT_NE(parse_error(proto3("message A { string a = 1; string b = 1; }")).find("has already been used"), std::string::npos);
  EXPECT_NE(parse_error(proto3("import \"nowhere.proto\";\nmessage A {}")).find("nowhere.proto"), std::string::npos);
  EXPECT_FALSE(ProtobufSchema::parse("garbage {{{", {}).is_ok());
}

TEST(ProtobufSchema, ImportsResolveAgainstReferencesAndWellKnownTypes) {
  const ResolvedReference money{"money.proto", "syntax = \"proto3\";\npackage acme;\nmessage Money { int64 cents = 1; }\n"};
  auto schema = ProtobufSchema::parse(
      "syntax = \"proto3\";\npackage acme;\nimport \"money.proto\";\nimport \"google/protobuf/timestamp.proto\";\n"
      "message Order { Money total = 1; google.protobuf.Timestamp at = 2; }\n",
      {money});
  ASSERT_TRUE(schema.is_ok()) << schema.status().to_string();
  EXPECT_EQ((*schema)->file().message_type(0)->field(0)->message_type()->full_name(), "acme.Money");
  EXPECT_FALSE(ProtobufSchema::parse("syntax = \"proto3\";\nimport \"money.proto\";\nmessage O { acme.Money m = 1; }\n", {}).is_ok());
}

TEST(ProtobufSchema, ABase64FileDescriptorIsTheSameSchemaAsItsText) {
  auto text = ProtobufSchema::parse(order("string id = 1; repeated int64 amounts = 2;"), {});
  ASSERT_TRUE(text.is_ok());
  const std::string serialized = (*text)->formatted("serialized");
  EXPECT_EQ(serialized.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="), std::string::npos);
  auto binary = ProtobufSchema::parse(serialized, {});
  ASSERT_TRUE(binary.is_ok()) << binary.status().to_string();
  EXPECT_EQ((*binary)->canonical(), (*text)->canonical());
  EXPECT_EQ((*text)->formatted(""), (*text)->canonical());
  EXPECT_FALSE(ProtobufSchema::parse("QUJD", {}).is_ok());  // base64, but not a descriptor with a valid file
}

TEST(ProtobufCompatibility, EveryCaseGivesTheRightVerdictAtEveryLevel) {
  const std::string two_messages = proto3("message Order { string id = 1; }\nmessage Refund { string id = 1; }\n");
  const std::string one_message = proto3("message Order { string id = 1; }\n");
  const CompatibilityCase cases[] = {
      {"field added", order("string id = 1;"), order("string id = 1; int64 amount = 2;"), true, true},
      {"field removed", order("string id = 1; int64 amount = 2;"), order("string id = 1;"), true, true},
      {"field renamed", order("string id = 1;"), order("string order_id = 1;"), true, true},
      {"field renumbered to a fresh number", order("string id = 1; int64 amount = 2;"),
       order("string id = 1; int64 amount = 3;"), true, true},
      {"fields renumbered onto each other", order("string id = 1; int64 amount = 2;"),
       order("int64 amount = 1; string id = 2;"), false, false},
      {"int32 to int64", order("int32 n = 1;"), order("int64 n = 1;"), true, true},
      {"int32 to sint32", order("int32 n = 1;"), order("sint32 n = 1;"), false, false},
      {"string to bytes", order("string s = 1;"), order("bytes s = 1;"), true, true},
      {"fixed32 to sfixed32", order("fixed32 n = 1;"), order("sfixed32 n = 1;"), true, true},
      {"int32 to string", order("int32 n = 1;"), order("string n = 1;"), false, false},
      {"float to double", order("float n = 1;"), order("double n = 1;"), false, false},
      {"scalar to message", order("string s = 1;"), proto3("message Order { Inner s = 1; }\nmessage Inner {}\n"), false, false},
      {"message type of a field changed", proto3("message Order { A x = 1; }\nmessage A {}\nmessage B {}\n"),
       proto3("message Order { B x = 1; }\nmessage A {}\nmessage B {}\n"), false, false},
      {"message removed", two_messages, one_message, false, true},
      {"message added", one_message, two_messages, true, false},
      {"enum value added", proto3("enum S { A = 0; }\nmessage Order { S s = 1; }\n"),
       proto3("enum S { A = 0; B = 1; }\nmessage Order { S s = 1; }\n"), true, true},
      {"package changed", order("string id = 1;"), "syntax = \"proto3\";\npackage other;\nmessage Order { string id = 1; }\n",
       false, false},
      {"required field added (proto2)", "syntax = \"proto2\";\nmessage Order { optional string id = 1; }\n",
       "syntax = \"proto2\";\nmessage Order { optional string id = 1; required int64 amount = 2; }\n", false, false},
      {"one field moved into a new oneof", order("string card = 1; string id = 3;"),
       order("oneof payment { string card = 1; } string id = 3;"), true, true},
      {"two fields moved into a new oneof", order("string card = 1; string iban = 2;"),
       order("oneof payment { string card = 1; string iban = 2; }"), false, true},
      {"oneof field removed", order("oneof payment { string card = 1; string iban = 2; }"),
       order("oneof payment { string card = 1; }"), false, true},
      {"repeated number made singular", order("repeated int32 n = 1;"), order("int32 n = 1;"), false, false},
      {"repeated string made singular", order("repeated string s = 1;"), order("string s = 1;"), true, true},
      {"map value type changed", order("map<string, int32> tags = 1;"), order("map<string, string> tags = 1;"), false, false},
      {"nested message field changed", proto3("message Order { message Line { int32 q = 1; } Line line = 1; }\n"),
       proto3("message Order { message Line { string q = 1; } Line line = 1; }\n"), false, false},
  };
  for (const CompatibilityCase& c : cases) testing::expect_case_at_every_level(SchemaType::kProtobuf, c);
}

TEST(ProtobufCompatibility, TransitiveLevelsCheckEveryEarlierVersion) {
  // v2 drops field 2, v3 reuses number 2 with another type: fine against
  // v2, a FIELD_SCALAR_KIND_CHANGED against v1.
  testing::expect_transitive_levels_look_at_every_version(SchemaType::kProtobuf, order("string id = 1; int64 amount = 2;"),
                                                          order("string id = 1;"), order("string id = 1; string note = 2;"));
}

TEST(ProtobufCompatibility, MessagesNameTheDifferenceAndThePath) {
  auto old_schema = ProtobufSchema::parse(order("string id = 1; int64 amount = 2;"), {});
  auto new_schema = ProtobufSchema::parse(order("string id = 1; string amount = 2;"), {});
  ASSERT_TRUE(old_schema.is_ok() && new_schema.is_ok());
  const auto differences = (*new_schema)->read_differences(**old_schema, true);
  ASSERT_EQ(differences.size(), 1u);
  EXPECT_EQ(differences[0],
            "{errorType:'FIELD_SCALAR_KIND_CHANGED', description:'The kind of a SCALAR field at path '#/Order/2' in the new "
            "schema does not match its kind in the old schema'}");
}

}  // namespace
}  // namespace loch::registry
