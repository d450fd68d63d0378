// Decoders on hand-built payloads: every Avro logical type, JSON Schema
// validation, Protobuf dynamic messages, and the wire-format cache.
#include "collect/decode/record_decoder.h"

#include <gtest/gtest.h>

#include <cstring>

#include "collect/decode/decoder_cache.h"
#include "collect/registry/wire_format.h"
#include "common/varint.h"

namespace loch::decode {
namespace {

using registry::SchemaType;

std::shared_ptr<const registry::ParsedSchema> parse(SchemaType type, std::string_view text) {
  auto parsed = registry::parse_schema(type, text, {});
  EXPECT_TRUE(parsed.is_ok()) << parsed.status().message();
  return parsed.is_ok() ? std::shared_ptr<const registry::ParsedSchema>(std::move(parsed).value()) : nullptr;
}

std::shared_ptr<const RecordDecoder> decoder(SchemaType type, std::string_view text, std::vector<int32_t> indexes = {}) {
  auto made = make_record_decoder(parse(type, text), indexes);
  EXPECT_TRUE(made.is_ok()) << made.status().message();
  return made.is_ok() ? *made : nullptr;
}

// Avro binary writers (Avro specification, "Binary Encoding").
void avro_long(int64_t v, std::string& out) { append_varint(v, out); }
void avro_string(std::string_view s, std::string& out) {
  avro_long(static_cast<int64_t>(s.size()), out);
  out += s;
}
void avro_double(double v, std::string& out) {
  uint64_t bits = 0;
  std::memcpy(&bits, &v, 8);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((bits >> (8 * i)) & 0xFF));
}

constexpr std::string_view kLogicalSchema = R"({"type":"record","name":"Payment","fields":[
  {"name":"id","type":"long"},
  {"name":"amount","type":{"type":"bytes","logicalType":"decimal","precision":10,"scale":2}},
  {"name":"day","type":{"type":"int","logicalType":"date"}},
  {"name":"at_ms","type":{"type":"long","logicalType":"timestamp-millis"}},
  {"name":"at_us","type":{"type":"long","logicalType":"timestamp-micros"}},
  {"name":"local_ms","type":{"type":"long","logicalType":"local-timestamp-millis"}},
  {"name":"time_ms","type":{"type":"int","logicalType":"time-millis"}},
  {"name":"time_us","type":{"type":"long","logicalType":"time-micros"}},
  {"name":"ref","type":{"type":"string","logicalType":"uuid"}},
  {"name":"note","type":["null","string"],"default":null},
  {"name":"kind","type":{"type":"enum","name":"Kind","symbols":["CARD","CASH"]}},
  {"name":"tags","type":{"type":"array","items":"string"}},
  {"name":"ratio","type":"double"},
  {"name":"ok","type":"boolean"}
]})";

std::string payment_payload(std::optional<std::string> note) {
  std::string p;
  avro_long(42, p);
  // -12.34 with scale 2: unscaled -1234 = 0xFB2E, two's complement big-endian.
  avro_long(2, p);
  p += std::string("\xFB\x2E", 2);
  avro_long(19723, p);                // 2024-01-01
  avro_long(1700000000123, p);        // ms
  avro_long(1700000000123456, p);     // µs
  avro_long(1700000000123, p);        // local ms
  avro_long(3723004, p);              // 01:02:03.004
  avro_long(3723004005, p);           // µs
  avro_string("0E5B7C1A-1234-4ABC-9DEF-0123456789AB", p);
  if (note) {
    avro_long(1, p);
    avro_string(*note, p);
  } else {
    avro_long(0, p);
  }
  avro_long(1, p);  // CASH
  avro_long(2, p);
  avro_string("a", p);
  avro_string("b\"c", p);
  avro_long(0, p);
  avro_double(0.5, p);
  p.push_back(1);
  return p;
}

TEST(AvroDecoder, LogicalTypesBecomeTypedColumns) {
  auto d = decoder(SchemaType::kAvro, kLogicalSchema);
  ASSERT_NE(d, nullptr);
  const auto& c = d->columns();
  ASSERT_EQ(c.size(), 14u);
  EXPECT_EQ(c[0].type, ColumnType::kInt64);
  EXPECT_EQ(c[1].type, ColumnType::kDecimal);
  EXPECT_EQ(duckdb_type_name(c[1]), "DECIMAL(10,2)");
  EXPECT_EQ(delta_type_name(c[1]), "decimal(10,2)");
  EXPECT_EQ(c[2].type, ColumnType::kDate);
  EXPECT_EQ(c[3].type, ColumnType::kTimestampMicros);
  EXPECT_EQ(c[4].type, ColumnType::kTimestampMicros);
  EXPECT_EQ(c[5].type, ColumnType::kTimestampNtzMicros);
  EXPECT_EQ(delta_type_name(c[5]), "timestamp_ntz");
  EXPECT_EQ(c[6].type, ColumnType::kTimeMicros);
  EXPECT_EQ(c[7].type, ColumnType::kTimeMicros);
  EXPECT_EQ(c[8].type, ColumnType::kUuid);
  EXPECT_EQ(c[9].type, ColumnType::kString);
  EXPECT_TRUE(c[9].nullable);
  EXPECT_FALSE(c[0].nullable);
  EXPECT_EQ(c[10].type, ColumnType::kString);
  EXPECT_EQ(c[11].type, ColumnType::kJson);

  ColumnBatch batch = d->new_batch();
  ASSERT_TRUE(d->decode(payment_payload("hi"), batch).is_ok());
  Status second = d->decode(payment_payload(std::nullopt), batch);
  ASSERT_TRUE(second.is_ok()) << second.message();
  ASSERT_EQ(batch.rows(), 2u);
  EXPECT_EQ(batch.column(0).ints()[0], 42);
  EXPECT_EQ(decimal_to_string(batch.column(1).decimals()[0], 2), "-12.34");
  EXPECT_EQ(batch.column(2).ints()[0], 19723);
  EXPECT_EQ(batch.column(3).ints()[0], 1700000000123000);
  EXPECT_EQ(batch.column(4).ints()[0], 1700000000123456);
  EXPECT_EQ(batch.column(5).ints()[0], 1700000000123000);
  EXPECT_EQ(batch.column(6).ints()[0], 3723004000);
  EXPECT_EQ(batch.column(7).ints()[0], 3723004005);
  EXPECT_EQ(batch.column(8).texts()[0], "0e5b7c1a-1234-4abc-9def-0123456789ab");
  EXPECT_EQ(batch.column(9).texts()[0], "hi");
  EXPECT_FALSE(batch.column(9).is_null(0));
  EXPECT_TRUE(batch.column(9).is_null(1));
  EXPECT_EQ(batch.column(10).texts()[0], "CASH");
  EXPECT_EQ(batch.column(11).texts()[0], R"(["a","b\"c"])");
  EXPECT_EQ(batch.column(12).reals()[0], 0.5);
  EXPECT_EQ(batch.column(13).ints()[0], 1);
}

TEST(AvroDecoder, TruncatedOrTrailingBytesFailAndLeaveTheBatchUnchanged) {
  auto d = decoder(SchemaType::kAvro, kLogicalSchema);
  ColumnBatch batch = d->new_batch();
  std::string good = payment_payload("x");
  ASSERT_TRUE(d->decode(good, batch).is_ok());
  for (size_t cut = 0; cut < good.size(); ++cut) {
    Status s = d->decode(std::string_view(good).substr(0, cut), batch);
    EXPECT_EQ(s.code(), StatusCode::kCorruption) << "cut at " << cut;
  }
  Status trailing = d->decode(good + "z", batch);
  EXPECT_EQ(trailing.code(), StatusCode::kCorruption);
  EXPECT_NE(trailing.message().find("ends at byte"), std::string::npos) << trailing.message();
  EXPECT_EQ(batch.rows(), 1u);
  for (const auto& column : batch.columns()) EXPECT_EQ(column.size(), 1u);
}

TEST(AvroDecoder, ErrorsNameTheField) {
  auto d = decoder(SchemaType::kAvro, R"({"type":"record","name":"R","fields":[{"name":"id","type":"long"},{"name":"name","type":"string"}]})");
  std::string p;
  avro_long(1, p);
  avro_long(100, p);  // a 100-byte string with nothing after it
  Status s = d->check(p);
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_NE(s.message().find("'name'"), std::string::npos) << s.message();
  std::string bad_utf8;
  avro_long(1, bad_utf8);
  avro_string("\xC3\x28", bad_utf8);
  EXPECT_NE(d->check(bad_utf8).message().find("UTF-8"), std::string::npos);
}

TEST(AvroDecoder, DecimalsOutsideTheirPrecisionAreRefused) {
  auto d = decoder(SchemaType::kAvro,
                   R"({"type":"record","name":"R","fields":[{"name":"d","type":{"type":"fixed","name":"F","size":4,"logicalType":"decimal","precision":3,"scale":1}}]})");
  ColumnBatch batch = d->new_batch();
  ASSERT_TRUE(d->decode(std::string("\x00\x00\x03\xE7", 4), batch).is_ok());  // 99.9
  EXPECT_EQ(decimal_to_string(batch.column(0).decimals()[0], 1), "99.9");
  EXPECT_EQ(d->decode(std::string("\x00\x00\x03\xE8", 4), batch).code(), StatusCode::kCorruption);  // 100.0
  EXPECT_EQ(make_record_decoder(parse(SchemaType::kAvro,
                                      R"({"type":"bytes","logicalType":"decimal","precision":40,"scale":0})"))
                .status()
                .code(),
            StatusCode::kNotSupported);
}

TEST(AvroDecoder, NonRecordSchemasAreOneValueColumn) {
  auto d = decoder(SchemaType::kAvro, R"("string")");
  ASSERT_EQ(d->columns().size(), 1u);
  EXPECT_EQ(d->columns()[0].name, "value");
  ColumnBatch batch = d->new_batch();
  std::string p;
  avro_string("hello", p);
  ASSERT_TRUE(d->decode(p, batch).is_ok());
  EXPECT_EQ(batch.column(0).texts()[0], "hello");
}

TEST(AvroDecoder, HostileBlockCountsFailWithoutAllocating) {
  auto d = decoder(SchemaType::kAvro, R"({"type":"array","items":"long"})");
  std::string p;
  avro_long(int64_t{1} << 60, p);
  EXPECT_EQ(d->check(p).code(), StatusCode::kCorruption);
}

constexpr std::string_view kJsonSchema = R"({"type":"object","properties":{
  "id":{"type":"integer"},"name":{"type":"string","maxLength":5},"score":{"type":["number","null"]},
  "day":{"type":"string","format":"date"},"ref":{"type":"string","format":"uuid"},
  "active":{"type":"boolean"},"extra":{"type":"object"}},"required":["id","name"]})";

TEST(JsonDecoder, ValidDocumentsBecomeColumnsFromTheSchemaProperties) {
  auto d = decoder(SchemaType::kJson, kJsonSchema);
  ASSERT_EQ(d->columns().size(), 7u);
  EXPECT_EQ(d->columns()[0].type, ColumnType::kInt64);
  EXPECT_EQ(d->columns()[2].type, ColumnType::kDouble);
  EXPECT_EQ(d->columns()[3].type, ColumnType::kDate);
  EXPECT_EQ(d->columns()[4].type, ColumnType::kUuid);
  EXPECT_EQ(d->columns()[6].type, ColumnType::kJson);
  ColumnBatch batch = d->new_batch();
  Status s = d->decode(
      R"({"id":7,"name":"ann","score":1.5,"day":"2024-02-29","ref":"0E5B7C1A-1234-4ABC-9DEF-0123456789AB","active":true,"extra":{"a":[1]}})",
      batch);
  ASSERT_TRUE(s.is_ok()) << s.message();
  ASSERT_TRUE(d->decode(R"({"id":8,"name":"bob","score":null})", batch).is_ok());
  EXPECT_EQ(batch.column(0).ints()[1], 8);
  EXPECT_EQ(batch.column(1).texts()[0], "ann");
  EXPECT_EQ(batch.column(2).reals()[0], 1.5);
  EXPECT_TRUE(batch.column(2).is_null(1));
  EXPECT_EQ(batch.column(3).ints()[0], 19782);
  EXPECT_EQ(batch.column(4).texts()[0], "0e5b7c1a-1234-4abc-9def-0123456789ab");
  EXPECT_EQ(batch.column(5).ints()[0], 1);
  EXPECT_EQ(batch.column(6).texts()[0], R"({"a":[1]})");
  EXPECT_TRUE(batch.column(6).is_null(1));
}

TEST(JsonDecoder, DocumentsThatBreakTheSchemaFailWithThePlaceAndTheRule) {
  auto d = decoder(SchemaType::kJson, kJsonSchema);
  Status too_long = d->check(R"({"id":1,"name":"abcdefgh"})");
  EXPECT_EQ(too_long.code(), StatusCode::kCorruption);
  EXPECT_NE(too_long.message().find("#/name"), std::string::npos) << too_long.message();
  EXPECT_NE(d->check(R"({"name":"a"})").message().find("id"), std::string::npos);
  EXPECT_NE(d->check("{not json").message().find("not valid JSON"), std::string::npos);
  EXPECT_EQ(d->check(R"({"id":1,"name":"a","day":"2023-02-29"})").code(), StatusCode::kCorruption);
}

constexpr std::string_view kProto = R"(syntax = "proto3";
package loch.test;
import "google/protobuf/timestamp.proto";
import "google/protobuf/wrappers.proto";
message Event {
  int64 at = 1;
  string name = 2;
  google.protobuf.Timestamp when = 3;
  google.protobuf.Int32Value maybe = 4;
  repeated int32 counts = 5;
  Kind kind = 6;
  optional double score = 7;
  Inner inner = 8;
  uint64 big = 9;
  bytes blob = 10;
  message Inner { string x = 1; }
}
enum Kind { UNKNOWN = 0; CLICK = 1; }
message Other { int32 x = 1; }
)";

void proto_tag(int field, int wire_type, std::string& out) { append_uvarint(static_cast<uint64_t>(field << 3 | wire_type), out); }
void proto_bytes(int field, std::string_view bytes, std::string& out) {
  proto_tag(field, 2, out);
  append_uvarint(bytes.size(), out);
  out += bytes;
}

TEST(ProtobufDecoder, FieldsOfTheIndexedMessageBecomeColumns) {
  auto d = decoder(SchemaType::kProtobuf, kProto);
  ASSERT_NE(d, nullptr);
  const auto& c = d->columns();
  ASSERT_EQ(c.size(), 10u);
  EXPECT_EQ(c[0].type, ColumnType::kInt64);
  EXPECT_FALSE(c[0].nullable);
  EXPECT_EQ(c[2].type, ColumnType::kTimestampMicros);
  EXPECT_EQ(c[3].type, ColumnType::kInt32);
  EXPECT_TRUE(c[3].nullable);
  EXPECT_EQ(c[4].type, ColumnType::kJson);
  EXPECT_EQ(c[5].type, ColumnType::kString);
  EXPECT_TRUE(c[6].nullable);
  EXPECT_EQ(c[8].type, ColumnType::kUint64);
  EXPECT_EQ(c[9].type, ColumnType::kBinary);

  std::string p;
  proto_tag(1, 0, p);
  append_uvarint(1700000000000, p);
  proto_bytes(2, "click", p);
  std::string ts;
  proto_tag(1, 0, ts);
  append_uvarint(1700000000, ts);
  proto_tag(2, 0, ts);
  append_uvarint(5000, ts);
  proto_bytes(3, ts, p);
  proto_bytes(5, std::string("\x01\x02", 2), p);  // packed
  proto_tag(6, 0, p);
  append_uvarint(1, p);
  std::string inner;
  proto_bytes(1, "in", inner);
  proto_bytes(8, inner, p);
  proto_tag(9, 0, p);
  append_uvarint(UINT64_MAX, p);
  ColumnBatch batch = d->new_batch();
  Status s = d->decode(p, batch);
  ASSERT_TRUE(s.is_ok()) << s.message();
  EXPECT_EQ(batch.column(0).ints()[0], 1700000000000);
  EXPECT_EQ(batch.column(1).texts()[0], "click");
  EXPECT_EQ(batch.column(2).ints()[0], 1700000000000005);
  EXPECT_TRUE(batch.column(3).is_null(0));
  EXPECT_EQ(batch.column(4).texts()[0], "[1,2]");
  EXPECT_EQ(batch.column(5).texts()[0], "CLICK");
  EXPECT_TRUE(batch.column(6).is_null(0));
  EXPECT_EQ(batch.column(7).texts()[0], R"({"x":"in"})");
  EXPECT_EQ(static_cast<uint64_t>(batch.column(8).ints()[0]), UINT64_MAX);
  EXPECT_EQ(batch.column(9).texts()[0], "");
}

TEST(ProtobufDecoder, MessageIndexesPickTheMessageAndGarbageFails) {
  auto other = decoder(SchemaType::kProtobuf, kProto, {1});
  ASSERT_NE(other, nullptr);
  ASSERT_EQ(other->columns().size(), 1u);
  EXPECT_EQ(other->columns()[0].name, "x");
  EXPECT_EQ(make_record_decoder(parse(SchemaType::kProtobuf, kProto), {7}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(other->check("\xFF\xFF\xFF").code(), StatusCode::kCorruption);
}

TEST(DecoderCache, ResolvesIdsOnceAndDecodesWireRecords) {
  auto avro = parse(SchemaType::kAvro, R"({"type":"record","name":"R","fields":[{"name":"id","type":"long"}]})");
  auto proto = parse(SchemaType::kProtobuf, kProto);
  int lookups = 0;
  DecoderCache cache([&](int32_t id) -> std::shared_ptr<const registry::ParsedSchema> {
    ++lookups;
    return id == 1 ? avro : id == 2 ? proto : nullptr;
  });
  ColumnBatch batch;
  for (int i = 0; i < 3; ++i) {
    std::string record;
    registry::append_wire_header(1, record);
    avro_long(i, record);
    ASSERT_TRUE(cache.decode(record, batch).is_ok());
  }
  EXPECT_EQ(batch.rows(), 3u);
  EXPECT_EQ(batch.column(0).ints()[2], 2);
  EXPECT_EQ(lookups, 1);

  std::string other;
  registry::append_wire_header(2, other);
  registry::append_message_indexes({1}, other);
  proto_tag(1, 0, other);
  append_uvarint(9, other);
  auto wire = cache.resolve(other);
  ASSERT_TRUE(wire.is_ok()) << wire.status().message();
  EXPECT_EQ(wire->message_indexes, std::vector<int32_t>{1});
  ColumnBatch others = wire->decoder->new_batch();
  ASSERT_TRUE(wire->decoder->decode(wire->payload, others).is_ok());
  EXPECT_EQ(others.column(0).ints()[0], 9);
  // A batch of another shape is refused, not corrupted.
  EXPECT_EQ(cache.decode(other, batch).code(), StatusCode::kInvalidArgument);

  std::string unknown;
  registry::append_wire_header(99, unknown);
  Status missing = cache.resolve(unknown).status();
  EXPECT_EQ(missing.code(), StatusCode::kNotFound);
  EXPECT_NE(missing.message().find("99"), std::string::npos);
  EXPECT_EQ(cache.resolve("\x01garbage").status().code(), StatusCode::kCorruption);
}

TEST(ColumnBatch, DecimalTextKeepsSignAndLeadingZeros) {
  EXPECT_EQ(decimal_to_string(5, 3), "0.005");
  EXPECT_EQ(decimal_to_string(-5, 3), "-0.005");
  EXPECT_EQ(decimal_to_string(12345, 0), "12345");
}

}  // namespace
}  // namespace loch::decode
