#include "store/delta/schema_writer.h"

#include <gtest/gtest.h>

namespace loch::delta {
namespace {

std::string delta_type_of(const std::string& sql) {
  auto type = parse_sql_type(sql);
  EXPECT_TRUE(type.is_ok()) << type.status().to_string();
  return type.is_ok() ? type_json(*type).dump() : "";
}

TEST(SchemaWriter, SparkAndDuckDbSpellingsMapToDeltaTypes) {
  EXPECT_EQ(delta_type_of("STRING"), "\"string\"");
  EXPECT_EQ(delta_type_of("varchar(20)"), "\"string\"");
  EXPECT_EQ(delta_type_of("BIGINT"), "\"long\"");
  EXPECT_EQ(delta_type_of("TIMESTAMP"), "\"timestamp\"");
  EXPECT_EQ(delta_type_of("TIMESTAMP WITH TIME ZONE"), "\"timestamp\"");
  EXPECT_EQ(delta_type_of("TIMESTAMP WITHOUT TIME ZONE"), "\"timestamp_ntz\"");
  EXPECT_EQ(delta_type_of("DECIMAL(18,3)"), "\"decimal(18,3)\"");
  EXPECT_EQ(delta_type_of("INTEGER[]"), R"({"containsNull":true,"elementType":"integer","type":"array"})");
  EXPECT_EQ(delta_type_of("ARRAY<INT>"), R"({"containsNull":true,"elementType":"integer","type":"array"})");
  EXPECT_EQ(delta_type_of("MAP(VARCHAR, BIGINT)"),
            R"({"keyType":"string","type":"map","valueContainsNull":true,"valueType":"long"})");
  EXPECT_EQ(delta_type_of(R"(STRUCT("a b" INTEGER, c VARCHAR))"),
            R"({"fields":[{"metadata":{},"name":"a b","nullable":true,"type":"integer"},)"
            R"({"metadata":{},"name":"c","nullable":true,"type":"string"}],"type":"struct"})");
}

TEST(SchemaWriter, UnknownTypesAreRefusedByName) {
  auto type = parse_sql_type("UUID");
  ASSERT_FALSE(type.is_ok());
  EXPECT_NE(type.status().message().find("UUID has no Delta type"), std::string::npos);
  EXPECT_FALSE(parse_sql_type("DECIMAL(40,2)").is_ok());
}

TEST(SchemaWriter, ASchemaRoundTripsThroughTheReader) {
  auto type = parse_sql_type("STRUCT<id: BIGINT, tags: ARRAY<STRING>, m: MAP<STRING, DOUBLE>>");
  ASSERT_TRUE(type.is_ok());
  TableSchema schema{type->fields};
  auto parsed = parse_schema(schema_string(schema));
  ASSERT_TRUE(parsed.is_ok());
  ASSERT_EQ(parsed->fields.size(), 3u);
  EXPECT_EQ(delta_type_name(parsed->fields[2].type), delta_type_name(type->fields[2].type));
}

}  // namespace
}  // namespace loch::delta
