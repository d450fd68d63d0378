#include "collect/registry/schema_store.h"

#include <gtest/gtest.h>

#include "collect/registry/registry_json.h"

namespace loch::registry {
namespace {

std::string user(const std::string& fields) {
  return R"({"type":"record","name":"User","namespace":"com.acme","fields":[)" + fields + "]}";
}
const std::string kV1 = user(R"({"name":"id","type":"long"})");
const std::string kV2 = user(R"({"name":"id","type":"long"},{"name":"email","type":"string","default":""})");
const std::string kIncompatible = user(R"({"name":"id","type":"long"},{"name":"age","type":"int"})");

SchemaRequest avro(const std::string& text) { return SchemaRequest{text, SchemaType::kAvro, {}, false, {}, {}}; }

class SchemaStoreTest : public ::testing::Test {
 protected:
  RegisterOutcome must_register(std::string_view subject, const SchemaRequest& request) {
    auto outcome = store_.register_schema(subject, request);
    EXPECT_TRUE(outcome.is_ok()) << (outcome.is_ok() ? "" : outcome.error().message);
    return outcome.is_ok() ? *outcome : RegisterOutcome{};
  }

  MemoryRecordSink sink_;
  SchemaStore store_{&sink_};
};

TEST_F(SchemaStoreTest, RegisteringGivesGlobalIdsAndPerSubjectVersions) {
  const RegisterOutcome first = must_register("users-value", avro(kV1));
  EXPECT_EQ(first.id, 1);
  EXPECT_EQ(first.version, 1);
  EXPECT_FALSE(first.already_registered);

  const RegisterOutcome again = must_register("users-value", avro(kV1));
  EXPECT_EQ(again.id, 1);
  EXPECT_EQ(again.version, 1);
  EXPECT_TRUE(again.already_registered);

  const RegisterOutcome elsewhere = must_register("audit-value", avro(kV1));
  EXPECT_EQ(elsewhere.id, 1);
  EXPECT_EQ(elsewhere.version, 1);

  const RegisterOutcome second = must_register("users-value", avro(kV2));
  EXPECT_EQ(second.id, 2);
  EXPECT_EQ(second.version, 2);

  EXPECT_EQ(store_.list_subjects(false), (std::vector<std::string>{"audit-value", "users-value"}));
  EXPECT_EQ(*store_.list_versions("users-value", false), (std::vector<int32_t>{1, 2}));
  auto subjects = store_.subjects_for_id(1, false);
  ASSERT_TRUE(subjects.is_ok());
  EXPECT_EQ(*subjects, (std::vector<std::string>{"audit-value", "users-value"}));
  auto versions = store_.versions_for_id(1, false);
  ASSERT_TRUE(versions.is_ok());
  EXPECT_EQ(versions->size(), 2u);
}

TEST_F(SchemaStoreTest, ListingSchemasFiltersByPrefixDeletionAndLatest) {
  must_register("users-value", avro(kV1));
  must_register("users-value", avro(kV2));
  must_register("audit-value", avro(kV1));
  ASSERT_TRUE(store_.delete_version("users-value", VersionSpec::of(1), false).is_ok());
  auto all = store_.list_schemas("", true, false);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].subject, "audit-value");
  EXPECT_TRUE(all[1].deleted);
  EXPECT_EQ(store_.list_schemas("users", false, false).size(), 1u);
  auto latest = store_.list_schemas("users", true, true);
  ASSERT_EQ(latest.size(), 1u);
  EXPECT_EQ(latest[0].version, 2);
  EXPECT_EQ(subject_schemas_json(store_.list_schemas("audit", false, false)),
            "[" + subject_schema_json(all[0]) + "]");
}

TEST_F(SchemaStoreTest, TheSameSchemaWrittenDifferentlyIsOneSchema) {
  const RegisterOutcome first = must_register("s", avro(R"({"type":"string"})"));
  const RegisterOutcome second = must_register("s", avro(R"(  "string"  )"));
  EXPECT_EQ(first.id, second.id);
  EXPECT_TRUE(second.already_registered);
  auto by_id = store_.get_schema_by_id(first.id);
  ASSERT_TRUE(by_id.is_ok());
  EXPECT_EQ(by_id->schema, R"("string")");
}

TEST_F(SchemaStoreTest, AnIncompatibleSchemaIsRefusedWith409AndItsDifferences) {
  must_register("users-value", avro(kV1));
  auto refused = store_.register_schema("users-value", avro(kIncompatible));
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.error().http_status, 409);
  EXPECT_EQ(refused.error().error_code, 409);
  EXPECT_NE(refused.error().message.find("Schema being registered is incompatible with an earlier schema for subject \"users-value\""),
            std::string::npos);
  ASSERT_FALSE(refused.error().differences.empty());
  EXPECT_NE(refused.error().differences[0].find("READER_FIELD_MISSING_DEFAULT_VALUE"), std::string::npos);
  EXPECT_EQ(*store_.list_versions("users-value", false), std::vector<int32_t>{1});

  ASSERT_TRUE(store_.set_compatibility("users-value", "none").is_ok());
  EXPECT_EQ(must_register("users-value", avro(kIncompatible)).version, 2);
}

TEST_F(SchemaStoreTest, InvalidSchemasGet42201WithTheParsersMessage) {
  auto refused = store_.register_schema("s", avro(R"({"type":"record","name":"X"})"));
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.error().http_status, 422);
  EXPECT_EQ(refused.error().error_code, 42201);
  EXPECT_NE(refused.error().message.find("no \"fields\" array"), std::string::npos);
  auto empty = store_.register_schema("s", avro(""));
  ASSERT_FALSE(empty.is_ok());
  EXPECT_EQ(empty.error().error_code, 42201);
  auto bad_subject = store_.register_schema("", avro(kV1));
  ASSERT_FALSE(bad_subject.is_ok());
  EXPECT_EQ(bad_subject.error().error_code, 42208);
}

TEST_F(SchemaStoreTest, VersionsAreReadByNumberOrLatestWithConfluentsErrors) {
  must_register("users-value", avro(kV1));
  must_register("users-value", avro(kV2));
  auto latest = store_.get_version("users-value", VersionSpec::latest(), false);
  ASSERT_TRUE(latest.is_ok());
  EXPECT_EQ(latest->version, 2);
  EXPECT_EQ(latest->id, 2);
  EXPECT_EQ(latest->type, SchemaType::kAvro);

  auto missing_version = store_.get_version("users-value", VersionSpec::of(7), false);
  ASSERT_FALSE(missing_version.is_ok());
  EXPECT_EQ(missing_version.error().error_code, 40402);
  EXPECT_EQ(missing_version.error().message, "Version 7 not found.");

  auto missing_subject = store_.get_version("nobody", VersionSpec::latest(), false);
  ASSERT_FALSE(missing_subject.is_ok());
  EXPECT_EQ(missing_subject.error().http_status, 404);
  EXPECT_EQ(missing_subject.error().error_code, 40401);
  EXPECT_EQ(missing_subject.error().message, "Subject 'nobody' not found.");

  for (const char* text : {"0", "abc", "2147483648", "1.5", ""}) {
    auto spec = VersionSpec::parse(text);
    ASSERT_FALSE(spec.is_ok()) << text;
    EXPECT_EQ(spec.error().error_code, 42202);
  }
  EXPECT_FALSE(VersionSpec::parse("latest")->number.has_value());
  EXPECT_FALSE(VersionSpec::parse("-1")->number.has_value());
  EXPECT_EQ(VersionSpec::parse("12")->number, 12);

  auto unknown_id = store_.get_schema_by_id(99);
  ASSERT_FALSE(unknown_id.is_ok());
  EXPECT_EQ(unknown_id.error().error_code, 40403);
  EXPECT_EQ(unknown_id.error().message, "Schema 99 not found");
}

TEST_F(SchemaStoreTest, LookupFindsTheVersionHoldingASchema) {
  must_register("users-value", avro(kV1));
  must_register("users-value", avro(kV2));
  auto found = store_.lookup_schema("users-value", avro(kV1), false);
  ASSERT_TRUE(found.is_ok());
  EXPECT_EQ(found->version, 1);
  EXPECT_EQ(found->id, 1);
  auto unknown = store_.lookup_schema("users-value", avro(R"("int")"), false);
  ASSERT_FALSE(unknown.is_ok());
  EXPECT_EQ(unknown.error().error_code, 40403);
  auto no_subject = store_.lookup_schema("nobody", avro(kV1), false);
  ASSERT_FALSE(no_subject.is_ok());
  EXPECT_EQ(no_subject.error().error_code, 40401);
  // normalize=true matches a schema whose properties come in another order.
  must_register("props-value", avro(R"({"type":"long","connect.name":"n","x":1})"));
  SchemaRequest reordered = avro(R"({"type":"long","x":1,"connect.name":"n"})");
  EXPECT_EQ(store_.lookup_schema("props-value", reordered, false).error().error_code, 40403);
  reordered.normalize = true;
  auto normalized = store_.lookup_schema("props-value", reordered, false);
  ASSERT_TRUE(normalized.is_ok());
  EXPECT_EQ(normalized->version, 1);
}

TEST_F(SchemaStoreTest, SoftThenHardDeletesFollowConfluentsRules) {
  must_register("users-value", avro(kV1));
  must_register("users-value", avro(kV2));
  auto hard_first = store_.delete_version("users-value", VersionSpec::of(1), true);
  ASSERT_FALSE(hard_first.is_ok());
  EXPECT_EQ(hard_first.error().error_code, 40407);

  ASSERT_EQ(*store_.delete_version("users-value", VersionSpec::of(1), false), 1);
  EXPECT_EQ(*store_.list_versions("users-value", false), std::vector<int32_t>{2});
  EXPECT_EQ(*store_.list_versions("users-value", true), (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(store_.get_version("users-value", VersionSpec::of(1), false).error().error_code, 40402);
  EXPECT_TRUE(store_.get_version("users-value", VersionSpec::of(1), true)->deleted);
  EXPECT_EQ(store_.delete_version("users-value", VersionSpec::of(1), false).error().error_code, 40406);

  ASSERT_EQ(*store_.delete_version("users-value", VersionSpec::of(1), true), 1);
  EXPECT_EQ(*store_.list_versions("users-value", true), std::vector<int32_t>{2});
  EXPECT_EQ(store_.get_schema_by_id(1).error().error_code, 40403);

  EXPECT_EQ(store_.delete_subject("users-value", true).error().error_code, 40405);
  EXPECT_EQ(*store_.delete_subject("users-value", false), std::vector<int32_t>{2});
  EXPECT_TRUE(store_.list_subjects(false).empty());
  EXPECT_EQ(store_.list_subjects(true), std::vector<std::string>{"users-value"});
  EXPECT_EQ(store_.delete_subject("users-value", false).error().error_code, 40404);
  EXPECT_EQ(store_.get_version("users-value", VersionSpec::latest(), false).error().error_code, 40401);

  // A soft-deleted subject takes new versions after the old numbers, with the old ids.
  const RegisterOutcome back = must_register("users-value", avro(kV2));
  EXPECT_EQ(back.version, 3);
  EXPECT_EQ(back.id, 2);
  ASSERT_TRUE(store_.delete_subject("users-value", false).is_ok());
  EXPECT_EQ(*store_.delete_subject("users-value", true), (std::vector<int32_t>{2, 3}));
  EXPECT_TRUE(store_.list_subjects(true).empty());
  EXPECT_EQ(store_.delete_subject("users-value", false).error().error_code, 40401);
}

TEST_F(SchemaStoreTest, CompatibilityConfigIsGlobalOrPerSubject) {
  EXPECT_EQ(*store_.get_compatibility(std::nullopt, false), CompatibilityLevel::kBackward);
  EXPECT_EQ(store_.get_compatibility("s", false).error().error_code, 40408);
  EXPECT_EQ(*store_.get_compatibility("s", true), CompatibilityLevel::kBackward);
  auto invalid = store_.set_compatibility("s", "SIDEWAYS");
  ASSERT_FALSE(invalid.is_ok());
  EXPECT_EQ(invalid.error().error_code, 42203);
  EXPECT_EQ(*store_.set_compatibility("s", "full_transitive"), CompatibilityLevel::kFullTransitive);
  EXPECT_EQ(*store_.set_compatibility(std::nullopt, "FORWARD"), CompatibilityLevel::kForward);
  EXPECT_EQ(*store_.get_compatibility("s", false), CompatibilityLevel::kFullTransitive);
  EXPECT_EQ(*store_.delete_compatibility("s"), CompatibilityLevel::kFullTransitive);
  EXPECT_EQ(*store_.get_compatibility("s", true), CompatibilityLevel::kForward);
  EXPECT_EQ(*store_.delete_compatibility(std::nullopt), CompatibilityLevel::kForward);
  EXPECT_EQ(*store_.get_compatibility(std::nullopt, false), CompatibilityLevel::kBackward);
  EXPECT_TRUE(store_.list_subjects(true).empty());  // a config alone makes no subject
}

TEST_F(SchemaStoreTest, ReadOnlyModeRefusesWritesAndImportModeTakesGivenIds) {
  must_register("s", avro(kV1));
  EXPECT_EQ(store_.set_mode(std::nullopt, "BOGUS", false).error().error_code, 42204);
  ASSERT_TRUE(store_.set_mode("s", "READONLY", false).is_ok());
  auto refused = store_.register_schema("s", avro(kV2));
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.error().error_code, 42205);
  EXPECT_EQ(store_.delete_subject("s", false).error().error_code, 42205);
  EXPECT_EQ(*store_.delete_mode("s"), Mode::kReadOnly);
  EXPECT_EQ(store_.get_mode("s", false).error().error_code, 40409);

  EXPECT_EQ(store_.set_mode(std::nullopt, "IMPORT", false).error().error_code, 42205);
  ASSERT_TRUE(store_.set_mode(std::nullopt, "IMPORT", true).is_ok());
  SchemaRequest imported = avro(kIncompatible);
  imported.id = 100;
  imported.version = 5;
  const RegisterOutcome outcome = must_register("s", imported);
  EXPECT_EQ(outcome.id, 100);
  EXPECT_EQ(outcome.version, 5);
  ASSERT_TRUE(store_.set_mode(std::nullopt, "READWRITE", false).is_ok());
  EXPECT_EQ(must_register("other", avro(R"("int")")).id, 101);
  SchemaRequest with_id = avro(R"("long")");
  with_id.id = 7;
  EXPECT_EQ(store_.register_schema("other", with_id).error().error_code, 42205);
}

TEST_F(SchemaStoreTest, ReferencesResolveAndProtectWhatTheyReferTo) {
  const std::string address = R"({"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"city","type":"string"}]})";
  must_register("address", avro(address));
  SchemaRequest with_reference = avro(user(R"({"name":"home","type":"com.acme.Address"})"));
  with_reference.references = {{"com.acme.Address", "address", 1}};
  const RegisterOutcome outcome = must_register("users-value", with_reference);
  EXPECT_EQ(outcome.id, 2);
  EXPECT_EQ(*store_.referenced_by("address", VersionSpec::of(1)), std::vector<int32_t>{2});
  auto refused = store_.delete_version("address", VersionSpec::of(1), false);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.error().error_code, 42206);
  EXPECT_EQ(store_.delete_subject("address", false).error().error_code, 42206);
  auto by_id = store_.get_schema_by_id(2);
  ASSERT_TRUE(by_id.is_ok());
  EXPECT_EQ(by_id->references, with_reference.references);

  SchemaRequest dangling = with_reference;
  dangling.references = {{"com.acme.Address", "address", 9}};
  auto invalid = store_.register_schema("users-value", dangling);
  ASSERT_FALSE(invalid.is_ok());
  EXPECT_EQ(invalid.error().error_code, 42201);
}

TEST_F(SchemaStoreTest, ProtobufAndJsonReferencesResolveThroughTheStore) {
  SchemaRequest money{"syntax = \"proto3\";\npackage acme;\nmessage Money { int64 cents = 1; }\n", SchemaType::kProtobuf, {}, false, {}, {}};
  must_register("money", money);
  SchemaRequest order{"syntax = \"proto3\";\npackage acme;\nimport \"money.proto\";\nmessage Order { Money total = 1; }\n",
                      SchemaType::kProtobuf, {{"money.proto", "money", 1}}, false, {}, {}};
  EXPECT_EQ(must_register("orders-value", order).id, 2);
  SchemaRequest unresolved = order;
  unresolved.references.clear();
  auto refused = store_.register_schema("orders-value", unresolved);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.error().error_code, 42201);
  EXPECT_NE(refused.error().message.find("money.proto"), std::string::npos);

  SchemaRequest address{R"({"type":"object","properties":{"zip":{"type":"string"}}})", SchemaType::kJson, {}, false, {}, {}};
  must_register("address", address);
  SchemaRequest user{R"({"type":"object","properties":{"home":{"$ref":"address.json"}}})", SchemaType::kJson,
                     {{"address.json", "address", 1}}, false, {}, {}};
  must_register("users-value", user);
  ASSERT_TRUE(store_.set_compatibility("users-value", "FORWARD").is_ok());
  // The old reader sees "home" through the reference; an integer zip breaks it.
  SchemaRequest widened{R"({"type":"object","properties":{"home":{"type":"object","properties":{"zip":{"type":"integer"}}}}})",
                        SchemaType::kJson, {}, false, {}, {}};
  auto report = store_.check_compatibility("users-value", std::nullopt, widened);
  ASSERT_TRUE(report.is_ok());
  EXPECT_FALSE(report->is_compatible);
  EXPECT_NE(report->messages[0].find("#/properties/home/properties/zip"), std::string::npos);
}

TEST_F(SchemaStoreTest, AllThreeFormatsRegisterAndCheck) {
  SchemaRequest json{R"({"type":"object","properties":{"a":{"type":"string"}}})", SchemaType::kJson, {}, false, {}, {}};
  SchemaRequest proto{"syntax = \"proto3\";\nmessage Order { string id = 1; }\n", SchemaType::kProtobuf, {}, false, {}, {}};
  EXPECT_EQ(must_register("json-value", json).id, 1);
  EXPECT_EQ(must_register("proto-value", proto).id, 2);
  auto stored = store_.get_version("proto-value", VersionSpec::latest(), false);
  ASSERT_TRUE(stored.is_ok());
  EXPECT_EQ(stored->type, SchemaType::kProtobuf);
  EXPECT_NE(stored->schema.find("message Order"), std::string::npos);
  auto parsed = store_.parsed_schema_by_id(2);
  ASSERT_NE(parsed, nullptr);
  EXPECT_EQ(parsed->type(), SchemaType::kProtobuf);

  SchemaRequest breaking = proto;
  breaking.schema = "syntax = \"proto3\";\nmessage Order { int64 id = 1; }\n";
  auto report = store_.check_compatibility("proto-value", VersionSpec::latest(), breaking);
  ASSERT_TRUE(report.is_ok());
  EXPECT_FALSE(report->is_compatible);
  EXPECT_NE(report->messages[0].find("FIELD_SCALAR_KIND_CHANGED"), std::string::npos);
  EXPECT_TRUE(store_.check_compatibility("proto-value", std::nullopt, proto)->is_compatible);
  EXPECT_TRUE(store_.check_compatibility("nobody", std::nullopt, proto)->is_compatible);
  EXPECT_EQ(store_.check_compatibility("nobody", VersionSpec::latest(), proto).error().error_code, 40401);
  EXPECT_EQ(store_.check_compatibility("proto-value", VersionSpec::of(3), proto).error().error_code, 40402);
}

TEST_F(SchemaStoreTest, ProtobufSchemasRegisteredAsBase64DescriptorsShareTheTextsId) {
  SchemaRequest text{"syntax = \"proto3\";\npackage acme;\nmessage Order { string id = 1; }\n", SchemaType::kProtobuf, {}, false, {}, {}};
  const RegisterOutcome first = must_register("orders-value", text);
  auto serialized = store_.get_schema_by_id(first.id, "serialized");
  ASSERT_TRUE(serialized.is_ok());
  EXPECT_EQ(serialized->schema.find("message"), std::string::npos);
  SchemaRequest binary = text;
  binary.schema = serialized->schema;
  const RegisterOutcome second = must_register("orders-value", binary);
  EXPECT_EQ(second.id, first.id);
  EXPECT_TRUE(second.already_registered);
  auto found = store_.lookup_schema("orders-value", binary, false);
  ASSERT_TRUE(found.is_ok());
  EXPECT_EQ(found->version, 1);
  EXPECT_EQ(store_.get_version("orders-value", VersionSpec::latest(), false, "serialized")->schema, serialized->schema);
}

TEST_F(SchemaStoreTest, RecordsAreWrittenInConfluentsLayout) {
  must_register("users-value", avro(R"("string")"));
  ASSERT_TRUE(store_.set_compatibility("users-value", "FULL").is_ok());
  ASSERT_TRUE(store_.delete_subject("users-value", false).is_ok());
  const auto records = sink_.records();
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].key, R"({"keytype":"SCHEMA","subject":"users-value","version":1,"magic":1})");
  EXPECT_EQ(records[0].value, R"({"subject":"users-value","version":1,"id":1,"schema":"\"string\"","deleted":false})");
  EXPECT_EQ(records[1].key, R"({"keytype":"CONFIG","subject":"users-value","magic":0})");
  EXPECT_EQ(records[1].value, R"({"compatibilityLevel":"FULL"})");
  EXPECT_EQ(records[2].key, R"({"keytype":"DELETE_SUBJECT","subject":"users-value","magic":0})");
  EXPECT_EQ(records[2].value, R"({"subject":"users-value","version":1})");
}

TEST_F(SchemaStoreTest, ReplayRebuildsSubjectsVersionsIdsAndSettings) {
  must_register("users-value", avro(kV1));
  must_register("users-value", avro(kV2));
  must_register("audit-value", avro(kV1));
  must_register("orders-value", SchemaRequest{"syntax = \"proto3\";\nmessage O { string id = 1; }\n", SchemaType::kProtobuf, {}, false, {}, {}});
  ASSERT_TRUE(store_.set_compatibility("users-value", "FULL").is_ok());
  ASSERT_TRUE(store_.set_mode(std::nullopt, "READONLY_OVERRIDE", false).is_ok());
  ASSERT_TRUE(store_.delete_mode(std::nullopt).is_ok());
  ASSERT_TRUE(store_.delete_version("users-value", VersionSpec::of(1), false).is_ok());
  ASSERT_TRUE(store_.delete_subject("audit-value", false).is_ok());
  ASSERT_TRUE(store_.delete_subject("audit-value", true).is_ok());

  MemoryRecordSink restarted_sink;
  SchemaStore restarted(&restarted_sink);
  const ReplayReport report = restarted.replay(sink_.records());
  EXPECT_TRUE(report.skipped.empty());
  EXPECT_EQ(report.applied, sink_.records().size());

  EXPECT_EQ(restarted.list_subjects(true), store_.list_subjects(true));
  EXPECT_EQ(restarted.list_subjects(false), (std::vector<std::string>{"orders-value", "users-value"}));
  EXPECT_EQ(*restarted.list_versions("users-value", true), (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(*restarted.list_versions("users-value", false), std::vector<int32_t>{2});
  for (int32_t id : {1, 2, 3}) {
    auto before = store_.get_schema_by_id(id);
    auto after = restarted.get_schema_by_id(id);
    ASSERT_TRUE(before.is_ok() && after.is_ok()) << id;
    EXPECT_EQ(before->schema, after->schema);
    EXPECT_EQ(before->type, after->type);
  }
  EXPECT_EQ(*restarted.get_compatibility("users-value", false), CompatibilityLevel::kFull);
  EXPECT_EQ(*restarted.get_mode(std::nullopt, false), Mode::kReadWrite);
  // Ids keep growing after a restart: never reused.
  auto next = restarted.register_schema("new-value", avro(R"("int")"));
  ASSERT_TRUE(next.is_ok());
  EXPECT_EQ(next->id, 4);
  // And a known schema keeps its id.
  EXPECT_EQ(restarted.register_schema("again-value", avro(kV2))->id, 2);
}

TEST_F(SchemaStoreTest, CorruptRecordsAreReportedAndSkippedNotFatal) {
  must_register("users-value", avro(kV1));
  std::vector<SchemaRecord> records = sink_.records();
  records.insert(records.begin(), SchemaRecord{"not json", std::string("{}")});
  records.push_back({R"({"keytype":"SCHEMA","subject":"x","version":1,"magic":1})", std::string("{garbage")});
  records.push_back({R"({"keytype":"SCHEMA","subject":"x","version":1,"magic":1})",
                     std::string(R"({"subject":"x","version":1,"id":5,"schema":"{\"type\":\"nonsense\"}","deleted":false})")});
  records.push_back({R"({"keytype":"SCHEMA","subject":"x","version":1,"magic":1})",
                     std::string(R"({"subject":"y","version":1,"id":5,"schema":"\"int\"","deleted":false})")});
  records.push_back({R"({"keytype":"MYSTERY","magic":0})", std::string("{}")});
  records.push_back({R"({"keytype":"CONFIG","subject":null,"magic":0})", std::string(R"({"compatibilityLevel":"SOMETIMES"})")});
  records.push_back({R"({"keytype":"SCHEMA","subject":"x","version":1,"magic":1})",
                     std::string(R"({"subject":"x","version":1,"id":1,"schema":"\"int\"","deleted":false})")});
  records.push_back({R"({"keytype":"SCHEMA","subject":"z","version":1,"magic":1})",
                     std::string(R"({"subject":"z","version":1,"id":6,"schemaType":"JSON","schema":"{\"type\":\"string\"}","deleted":false})")});

  SchemaStore restarted(nullptr);
  const ReplayReport report = restarted.replay(records);
  EXPECT_EQ(report.applied, 2u);
  ASSERT_EQ(report.skipped.size(), 7u);
  EXPECT_NE(report.skipped[0].find("record 0:"), std::string::npos);
  EXPECT_NE(report.skipped[2].find("nonsense"), std::string::npos);
  EXPECT_NE(report.skipped[6].find("id 1 already names another schema"), std::string::npos);
  EXPECT_EQ(restarted.list_subjects(false), (std::vector<std::string>{"users-value", "z"}));
  EXPECT_EQ(restarted.get_schema_by_id(6)->type, SchemaType::kJson);
  EXPECT_EQ(*restarted.get_compatibility(std::nullopt, false), CompatibilityLevel::kBackward);
}

TEST_F(SchemaStoreTest, AFailingLogLeavesTheStateUnchangedAndSays50001) {
  sink_.fail_next_append(Status::io_error("disk full"));
  auto refused = store_.register_schema("s", avro(kV1));
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.error().http_status, 500);
  EXPECT_EQ(refused.error().error_code, 50001);
  EXPECT_NE(refused.error().message.find("disk full"), std::string::npos);
  EXPECT_TRUE(store_.list_subjects(true).empty());
  EXPECT_EQ(must_register("s", avro(kV1)).id, 1);
}

TEST(RegistryError, SerializesAsConfluentsErrorBody) {
  EXPECT_EQ(RegistryError::subject_not_found("x").to_json(), R"({"error_code":40401,"message":"Subject 'x' not found."})");
  EXPECT_EQ(RegistryError::invalid_compatibility_level("x").http_status, 422);
}

}  // namespace
}  // namespace loch::registry
