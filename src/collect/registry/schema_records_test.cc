#include "collect/registry/schema_records.h"

#include <gtest/gtest.h>

namespace loch::registry {
namespace {

TEST(SchemaRecords, KeysRoundTripAndAreAlwaysTheSameBytes) {
  const RecordKey schema{RecordKeyType::kSchema, std::string("s"), 3};
  EXPECT_EQ(encode_record_key(schema), R"({"keytype":"SCHEMA","subject":"s","version":3,"magic":1})");
  auto decoded = decode_record_key(encode_record_key(schema));
  ASSERT_TRUE(decoded.is_ok());
  EXPECT_EQ(decoded->type, RecordKeyType::kSchema);
  EXPECT_EQ(decoded->subject, "s");
  EXPECT_EQ(decoded->version, 3);
  EXPECT_EQ(encode_record_key({RecordKeyType::kConfig, std::nullopt, 0}), R"({"keytype":"CONFIG","subject":null,"magic":0})");
  EXPECT_EQ(encode_record_key({RecordKeyType::kNoop, std::nullopt, 0}), R"({"keytype":"NOOP","magic":0})");
  auto global = decode_record_key(R"({"magic":0,"keytype":"MODE"})");
  ASSERT_TRUE(global.is_ok());
  EXPECT_EQ(global->type, RecordKeyType::kMode);
  EXPECT_FALSE(global->subject.has_value());
}

TEST(SchemaRecords, ValuesWrittenByConfluentWithExtraFieldsDecode) {
  auto value = decode_schema_value(
      R"({"subject":"t","version":2,"id":9,"schemaType":"AVRO","schema":"\"int\"","deleted":false,"metadata":null,"ruleSet":null})");
  ASSERT_TRUE(value.is_ok());
  EXPECT_EQ(value->id, 9);
  EXPECT_EQ(value->type, SchemaType::kAvro);
  EXPECT_FALSE(value->deleted);
  EXPECT_EQ(encode_schema_value(*value), R"({"subject":"t","version":2,"id":9,"schema":"\"int\"","deleted":false})");
  EXPECT_EQ(*decode_config_value(R"({"compatibilityLevel":"FULL_TRANSITIVE","alias":null})"), CompatibilityLevel::kFullTransitive);
  EXPECT_EQ(*decode_mode_value(encode_mode_value(Mode::kImport)), Mode::kImport);
  EXPECT_EQ(*decode_delete_subject_value(encode_delete_subject_value("s", 4)), 4);
}

TEST(SchemaRecords, MalformedRecordsAreCorruptionNamingWhatIsWrong) {
  EXPECT_EQ(decode_record_key("{").status().code(), StatusCode::kCorruption);
  EXPECT_NE(decode_record_key(R"({"keytype":"SCHEMA","subject":"s","magic":1})").status().message().find("version"),
            std::string::npos);
  EXPECT_NE(decode_record_key(R"({"keytype":"SCHEMA","subject":"s","version":0,"magic":1})").status().message().find("< 1"),
            std::string::npos);
  EXPECT_NE(decode_record_key(R"({"keytype":"DELETE_SUBJECT","magic":0})").status().message().find("no subject"),
            std::string::npos);
  EXPECT_NE(decode_record_key(R"({"keytype":"OTHER"})").status().message().find("unknown keytype"), std::string::npos);
  EXPECT_FALSE(decode_schema_value(R"({"subject":"t","version":2,"schema":"x"})").is_ok());
  EXPECT_FALSE(decode_schema_value(R"({"subject":"t","version":2,"id":1,"schema":"x","schemaType":"XML"})").is_ok());
  EXPECT_FALSE(decode_schema_value(R"({"subject":"t","version":2,"id":1,"schema":"x","references":[{"name":1}]})").is_ok());
  EXPECT_FALSE(decode_schema_value(R"({"subject":"t","version":99999999999,"id":1,"schema":"x"})").is_ok());
  EXPECT_FALSE(decode_config_value(R"({"compatibilityLevel":"SOMETIMES"})").is_ok());
  EXPECT_FALSE(decode_mode_value("[]").is_ok());
}

TEST(MemoryRecordSink, KeepsRecordsInOrderAndCanBeMadeToFail) {
  MemoryRecordSink sink;
  ASSERT_TRUE(sink.append({"k1", std::string("v1")}).is_ok());
  sink.fail_next_append(Status::io_error("full"));
  EXPECT_EQ(sink.append({"k2", std::nullopt}).code(), StatusCode::kIOError);
  ASSERT_TRUE(sink.append({"k3", std::nullopt}).is_ok());
  const auto records = sink.records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].key, "k1");
  EXPECT_EQ(records[1].key, "k3");
  EXPECT_FALSE(records[1].value.has_value());
}

}  // namespace
}  // namespace loch::registry
