#include "collect/registry/avro_schema.h"

#include <gtest/gtest.h>

#include "collect/registry/compatibility_test_table.h"

namespace loch::registry {
namespace {

using testing::CompatibilityCase;

std::string user(const std::string& fields) {
  return R"({"type":"record","name":"User","namespace":"com.acme","fields":[)" + fields + "]}";
}

std::unique_ptr<AvroSchema> parse_ok(const std::string& text, const std::vector<ResolvedReference>& references = {}) {
  auto parsed = AvroSchema::parse(text, references);
  EXPECT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  return parsed.is_ok() ? std::move(parsed).value() : nullptr;
}

std::string parse_error(const std::string& text) {
  auto parsed = AvroSchema::parse(text, {});
  EXPECT_FALSE(parsed.is_ok()) << text;
  return parsed.is_ok() ? "" : parsed.status().message();
}

TEST(AvroSchema, ParsingCanonicalFormAndFingerprintMatchTheSpecificationVectors) {
  // Vectors from Avro's share/test/data/schema-tests.txt.
  struct Vector {
    const char* input;
    const char* canonical;
    int64_t fingerprint;
  };
  const Vector vectors[] = {
      {R"("null")", R"("null")", 7195948357588979594},
      {R"({"type":"int"})", R"("int")", 8247732601305521295},
      {R"("string")", R"("string")", -8142146995180207161},
      {R"([ "int" , {"type":"boolean"} ])", R"(["int","boolean"])", 5392556393470105090},
      {R"({"fields":[], "type":"record", "name":"foo", "namespace":"x.y"})", R"({"name":"x.y.foo","type":"record","fields":[]})",
       5916914534497305771},
      {R"({"fields":[], "type":"record", "name":"a.b.foo", "namespace":"x.y"})",
       R"({"name":"a.b.foo","type":"record","fields":[]})", -4616218487480524110},
      {R"({"fields":[], "type":"record", "name":"foo", "doc":"foo", "aliases":["foo","bar"]})",
       R"({"name":"foo","type":"record","fields":[]})", -4824392279771201922},
      {R"({"namespace":"x.y.z", "type":"enum", "name":"foo", "doc":"foo bar", "symbols":["A1", "A2"]})",
       R"({"name":"x.y.z.foo","type":"enum","symbols":["A1","A2"]})", -4448647247586288245},
      {R"({"namespace":"x.y.z", "type":"fixed", "name":"foo", "doc":"foo bar", "size":32})",
       R"({"name":"x.y.z.foo","type":"fixed","size":32})", -3064184465700546786},
      {R"({ "items":{"type":"null"}, "type":"array"})", R"({"type":"array","items":"null"})", -589620603366471059},
      {R"({ "values":"string", "type":"map"})", R"({"type":"map","values":"string"})", -8732877298790414990},
      {R"({"name":"PigValue","type":"record","fields":[{"name":"value", "type":["null", "int", "long", "PigValue"]}]})",
       R"({"name":"PigValue","type":"record","fields":[{"name":"value","type":["null","int","long","PigValue"]}]})",
       -1759257747318642341},
  };
  for (const Vector& vector : vectors) {
    auto schema = parse_ok(vector.input);
    ASSERT_NE(schema, nullptr);
    EXPECT_EQ(schema->parsing_canonical_form(), vector.canonical);
    EXPECT_EQ(schema->fingerprint64(), vector.fingerprint) << vector.input;
  }
}

TEST(AvroSchema, CanonicalTextIsCompactKeepsDefaultsDocsAndLogicalTypesAndIsStable) {
  auto schema = parse_ok(R"({
    "type": "record", "name": "User", "namespace": "com.acme", "doc": "a user",
    "fields": [
      {"name": "id", "type": "long"},
      {"name": "born", "type": {"type": "int", "logicalType": "date"}, "default": 0},
      {"name": "address", "type": {"type": "record", "name": "Address", "fields": [{"name": "city", "type": "string"}]}},
      {"name": "previous", "type": ["null", "Address"], "default": null}
    ]})");
  ASSERT_NE(schema, nullptr);
  const std::string canonical = schema->canonical();
  EXPECT_EQ(canonical,
            R"({"type":"record","name":"User","namespace":"com.acme","doc":"a user","fields":[{"name":"id","type":"long"},)"
            R"({"name":"born","type":{"type":"int","logicalType":"date"},"default":0},)"
            R"({"name":"address","type":{"type":"record","name":"Address","fields":[{"name":"city","type":"string"}]}},)"
            R"({"name":"previous","type":["null","Address"],"default":null}]})");
  auto again = parse_ok(canonical);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->canonical(), canonical);
  auto field_attributes = parse_ok(user(R"({"x":1,"aliases":["b"],"order":"descending","default":1,"doc":"d","type":"int","name":"a"})"));
  ASSERT_NE(field_attributes, nullptr);
  EXPECT_EQ(field_attributes->canonical(),
            R"({"type":"record","name":"User","namespace":"com.acme","fields":[)"
            R"({"name":"a","type":"int","doc":"d","default":1,"order":"descending","aliases":["b"],"x":1}]})");
  EXPECT_EQ(parse_ok(R"("string")")->canonical(), R"("string")");
  EXPECT_EQ(parse_ok(R"({"type":"string"})")->canonical(), R"("string")");
}

TEST(AvroSchema, NormalizedFormIgnoresNamespaceSpellingAndPropertyOrder) {
  auto a = parse_ok(R"({"type":"record","name":"User","namespace":"com.acme","fields":[{"name":"id","type":{"type":"long","b":1,"a":2}}]})");
  auto b = parse_ok(R"({"type":"record","name":"com.acme.User","fields":[{"name":"id","type":{"type":"long","a":2,"b":1}}]})");
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->canonical(), b->canonical());
  EXPECT_EQ(a->normalized(), b->normalized());
}

TEST(AvroSchema, InvalidSchemasAreRejectedWithTheParsersMessage) {
  EXPECT_NE(parse_error(R"({"type":"record","name":"X","fields":[)").find("not JSON"), std::string::npos);
  EXPECT_NE(parse_error(R"("strin")").find("undefined name: \"strin\""), std::string::npos);
  EXPECT_NE(parse_error(R"({"type":"record","name":"X"})").find("no \"fields\""), std::string::npos);
  EXPECT_NE(parse_error(user(R"({"name":"a","type":"int"},{"name":"a","type":"long"})")).find("duplicate field a"),
            std::string::npos);
  EXPECT_NE(parse_error(user(R"({"name":"a","type":"int","default":"x"})")).find("invalid default for field a"),
            std::string::npos);
  EXPECT_NE(parse_error(R"({"type":"enum","name":"E","symbols":["A","A"]})").find("duplicate enum symbol"), std::string::npos);
  EXPECT_NE(parse_error(R"({"type":"enum","name":"E","symbols":["A"],"default":"B"})").find("enum default"), std::string::npos);
  EXPECT_NE(parse_error(R"({"type":"fixed","name":"F","size":-1})").find("size"), std::string::npos);
  EXPECT_NE(parse_error(R"(["int","int"])").find("duplicate in union"), std::string::npos);
  EXPECT_NE(parse_error(R"(["int",["long"]])").find("union may not immediately contain a union"), std::string::npos);
  EXPECT_NE(parse_error(R"({"type":"record","name":"1X","fields":[]})").find("illegal name"), std::string::npos);
  EXPECT_NE(parse_error(user(R"({"name":"a","type":{"type":"record","name":"User","fields":[]}})")).find("can't redefine"),
            std::string::npos);
  EXPECT_NE(parse_error("42").find("a schema must be"), std::string::npos);
}

TEST(AvroSchema, DeeplyNestedSchemasAreRejectedNotOverflowingTheStack) {
  std::string nested = R"("int")";
  for (int i = 0; i < 2000; ++i) nested = R"({"type":"array","items":)" + nested + "}";
  EXPECT_NE(parse_error(nested).find("nested deeper than"), std::string::npos);
}

TEST(AvroSchema, ReferencedNamedTypesAreUsableByNameAndNotRepeatedInTheCanonicalText) {
  const ResolvedReference address{"com.acme.Address",
                                  R"({"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"city","type":"string"}]})"};
  auto schema = parse_ok(user(R"({"name":"home","type":"com.acme.Address"})"), {address});
  ASSERT_NE(schema, nullptr);
  EXPECT_EQ(schema->canonical(),
            R"({"type":"record","name":"User","namespace":"com.acme","fields":[{"name":"home","type":"Address"}]})");
  EXPECT_NE(schema->parsing_canonical_form().find(R"("name":"com.acme.Address","type":"record")"), std::string::npos);
  EXPECT_FALSE(AvroSchema::parse(user(R"({"name":"home","type":"com.acme.Address"})"), {}).is_ok());
}

TEST(AvroSchema, RecursiveTypesResolveWithoutLooping) {
  const std::string list = R"({"type":"record","name":"Node","fields":[{"name":"value","type":"int"},{"name":"next","type":["null","Node"],"default":null}]})";
  const std::string wider = R"({"type":"record","name":"Node","fields":[{"name":"value","type":"long"},{"name":"next","type":["null","Node"],"default":null}]})";
  auto old_schema = parse_ok(list);
  auto new_schema = parse_ok(wider);
  ASSERT_TRUE(old_schema && new_schema);
  EXPECT_TRUE(new_schema->read_differences(*old_schema, true).empty());
  EXPECT_FALSE(old_schema->read_differences(*new_schema, false).empty());
}

TEST(AvroCompatibility, EveryCaseGivesTheRightVerdictAtEveryLevel) {
  const std::string enum_abc = R"({"type":"enum","name":"Color","symbols":["RED","GREEN","BLUE"]})";
  const std::string enum_ab = R"({"type":"enum","name":"Color","symbols":["RED","GREEN"]})";
  const std::string enum_ab_default = R"({"type":"enum","name":"Color","symbols":["RED","GREEN"],"default":"RED"})";
  const CompatibilityCase cases[] = {
      {"add a field with a default", user(R"({"name":"id","type":"long"})"),
       user(R"({"name":"id","type":"long"},{"name":"email","type":"string","default":""})"), true, true},
      {"add a field without a default", user(R"({"name":"id","type":"long"})"),
       user(R"({"name":"id","type":"long"},{"name":"email","type":"string"})"), false, true},
      {"remove a field that had a default", user(R"({"name":"id","type":"long"},{"name":"email","type":"string","default":""})"),
       user(R"({"name":"id","type":"long"})"), true, true},
      {"remove a field without a default", user(R"({"name":"id","type":"long"},{"name":"email","type":"string"})"),
       user(R"({"name":"id","type":"long"})"), true, false},
      {"rename a field with an alias", user(R"({"name":"name","type":"string"})"),
       user(R"({"name":"full_name","type":"string","aliases":["name"]})"), true, false},
      {"rename a field without an alias", user(R"({"name":"name","type":"string"})"),
       user(R"({"name":"full_name","type":"string"})"), false, false},
      {"int to long", user(R"({"name":"n","type":"int"})"), user(R"({"name":"n","type":"long"})"), true, false},
      {"long to int", user(R"({"name":"n","type":"long"})"), user(R"({"name":"n","type":"int"})"), false, true},
      {"float to double", user(R"({"name":"n","type":"float"})"), user(R"({"name":"n","type":"double"})"), true, false},
      {"int to double", user(R"({"name":"n","type":"int"})"), user(R"({"name":"n","type":"double"})"), true, false},
      {"string to bytes", user(R"({"name":"s","type":"string"})"), user(R"({"name":"s","type":"bytes"})"), true, true},
      {"int to string", user(R"({"name":"n","type":"int"})"), user(R"({"name":"n","type":"string"})"), false, false},
      {"enum symbol added", enum_ab, enum_abc, true, false},
      {"enum symbol removed", enum_abc, enum_ab, false, true},
      {"enum symbol removed, reader has a default", enum_abc, enum_ab_default, true, true},
      {"union widened", user(R"({"name":"v","type":["null","string"]})"), user(R"({"name":"v","type":["null","string","int"]})"),
       true, false},
      {"union narrowed", user(R"({"name":"v","type":["null","string","int"]})"), user(R"({"name":"v","type":["null","string"]})"),
       false, true},
      {"field made nullable", user(R"({"name":"v","type":"string"})"),
       user(R"({"name":"v","type":["null","string"],"default":null})"), true, false},
      {"record renamed without an alias", R"({"type":"record","name":"A","fields":[]})", R"({"type":"record","name":"B","fields":[]})",
       false, false},
      {"record renamed with an alias", R"({"type":"record","name":"A","fields":[]})",
       R"({"type":"record","name":"B","aliases":["A"],"fields":[]})", true, false},
      {"namespace changed", R"({"type":"record","name":"A","namespace":"x","fields":[]})",
       R"({"type":"record","name":"A","namespace":"y","fields":[]})", true, true},
      {"fixed size changed", R"({"type":"fixed","name":"F","size":4})", R"({"type":"fixed","name":"F","size":8})", false, false},
      {"array items promoted", R"({"type":"array","items":"int"})", R"({"type":"array","items":"long"})", true, false},
      {"map values changed", R"({"type":"map","values":"int"})", R"({"type":"map","values":"boolean"})", false, false},
      {"doc changed only", user(R"({"name":"id","type":"long","doc":"a"})"), user(R"({"name":"id","type":"long","doc":"b"})"),
       true, true},
  };
  for (const CompatibilityCase& c : cases) testing::expect_case_at_every_level(SchemaType::kAvro, c);
}

TEST(AvroCompatibility, TransitiveLevelsCheckEveryEarlierVersion) {
  // v2 adds a field with a default, v3 drops the default: v3 reads v2 data
  // (which has the field) but not v1 data (which lacks it).
  testing::expect_transitive_levels_look_at_every_version(
      SchemaType::kAvro, user(R"({"name":"id","type":"long"})"),
      user(R"({"name":"id","type":"long"},{"name":"email","type":"string","default":""})"),
      user(R"({"name":"id","type":"long"},{"name":"email","type":"string"})"));
}

TEST(AvroCompatibility, MessagesNameTheErrorTypeAndThePath) {
  auto old_schema = parse_ok(user(R"({"name":"id","type":"long"})"));
  auto new_schema = parse_ok(user(R"({"name":"id","type":"long"},{"name":"email","type":"string"})"));
  ASSERT_TRUE(old_schema && new_schema);
  const auto differences = new_schema->read_differences(*old_schema, true);
  ASSERT_EQ(differences.size(), 1u);
  EXPECT_EQ(differences[0],
            "{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'email' at path '/fields/1' in the new "
            "schema has no default value and is missing in the old schema', additionalInfo:'email'}");
  auto string_field = parse_ok(user(R"({"name":"id","type":"string"})"));
  const auto mismatch = string_field->read_differences(*old_schema, true);
  ASSERT_EQ(mismatch.size(), 1u);
  EXPECT_NE(mismatch[0].find("TYPE_MISMATCH"), std::string::npos);
  EXPECT_NE(mismatch[0].find("/fields/0/type"), std::string::npos);
  EXPECT_NE(mismatch[0].find("reader type: STRING not compatible with writer type: LONG"), std::string::npos);
}

}  // namespace
}  // namespace loch::registry
