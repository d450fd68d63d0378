#include "process/source/record_format.h"

#include <gtest/gtest.h>

#include "process/source/text_values.h"

namespace loch::source {
namespace {

using decode::ColumnBatch;

SourceRecord record(std::optional<std::string> value, int64_t offset = 7) {
  SourceRecord r;
  r.source = {"orders", 2};
  r.offset = offset;
  r.timestamp_ms = 1'700'000'000'123;
  r.key = "k1";
  r.value = std::move(value);
  return r;
}

pipeline::FormatDefinition format(pipeline::RecordFormat type,
                                  std::vector<std::pair<std::string, std::string>> columns = {}) {
  pipeline::FormatDefinition f;
  f.type = type;
  f.columns = std::move(columns);
  return f;
}

TEST(RecordFormat, JsonLinesWithDeclaredColumnsAreTyped) {
  auto decoder = make_record_format(format(pipeline::RecordFormat::kJsonLines,
                                           {{"order_id", "VARCHAR"}, {"amount", "DOUBLE"}, {"qty", "INTEGER"},
                                            {"ordered_at", "TIMESTAMPTZ"}, {"paid", "BOOLEAN"}}));
  ASSERT_TRUE(decoder.is_ok()) << decoder.status().to_string();
  ColumnBatch batch;
  SourceRecord r = record(R"({"order_id":"o1","amount":12.5,"qty":3,"ordered_at":"2026-11-25T10:00:00.250Z","extra":1})");
  r.headers = {{"trace", "abc"}, {"bin", std::string("\xff\x00", 2)}, {"none", std::nullopt}};
  ASSERT_TRUE((*decoder)->decode(r, batch).is_ok());
  ASSERT_TRUE((*decoder)->decode(record(R"({"order_id":"o2","amount":1,"qty":null,"ordered_at":1795600800000})", 8), batch).is_ok());
  ASSERT_EQ(batch.rows(), 2u);
  ASSERT_EQ(batch.column_count(), kMetadataColumnCount + 5);
  EXPECT_EQ(batch.column(0).texts()[0], "orders");
  EXPECT_EQ(batch.column(1).ints()[0], 2);
  EXPECT_EQ(batch.column(2).ints()[1], 8);
  EXPECT_EQ(batch.column(3).ints()[0], 1'700'000'000'123'000);
  EXPECT_EQ(batch.column(4).texts()[0], "k1");
  EXPECT_EQ(batch.column(5).texts()[0], R"({"trace":"abc","bin":{"base64":"/wA="},"none":null})");
  EXPECT_TRUE(batch.column(5).is_null(1));
  EXPECT_EQ(batch.column(6).texts()[1], "o2");
  EXPECT_EQ(batch.column(7).reals()[0], 12.5);
  EXPECT_EQ(batch.column(8).ints()[0], 3);
  EXPECT_TRUE(batch.column(8).is_null(1));
  EXPECT_EQ(batch.column(9).ints()[0], 1'795'600'800'250'000);  // 2026-11-25T10:00:00.250Z
  EXPECT_EQ(batch.column(9).ints()[1], 1'795'600'800'000'000);  // the same second as epoch ms
  EXPECT_TRUE(batch.column(10).is_null(0));                      // absent field
}

TEST(RecordFormat, PoisonRecordLeavesTheBatchUnchangedAndSaysWhere) {
  auto decoder = make_record_format(format(pipeline::RecordFormat::kJsonLines, {{"qty", "INTEGER"}, {"name", "VARCHAR"}}));
  ASSERT_TRUE(decoder.is_ok());
  ColumnBatch batch;
  ASSERT_TRUE((*decoder)->decode(record(R"({"qty":1,"name":"a"})"), batch).is_ok());
  Status bad_type = (*decoder)->decode(record(R"({"qty":"many","name":"b"})", 9), batch);
  EXPECT_EQ(bad_type.code(), StatusCode::kCorruption);
  EXPECT_EQ(bad_type.message(), R"(orders/2 offset 9: column 'qty' (int32): expected a whole number, got "many")");
  Status not_json = (*decoder)->decode(record("{oops"), batch);
  EXPECT_NE(not_json.message().find("not valid JSON"), std::string::npos);
  Status tombstone = (*decoder)->decode(record(std::nullopt), batch);
  EXPECT_NE(tombstone.message().find("tombstone"), std::string::npos);
  EXPECT_EQ(batch.rows(), 1u);
  for (const auto& column : batch.columns()) EXPECT_EQ(column.size(), 1u) << column.spec().name;
}

TEST(RecordFormat, JsonLinesWithoutColumnsKeepTheDocument) {
  auto decoder = make_record_format(format(pipeline::RecordFormat::kJsonLines));
  ASSERT_TRUE(decoder.is_ok());
  ColumnBatch batch;
  ASSERT_TRUE((*decoder)->decode(record(R"({"a": [1, 2]})"), batch).is_ok());
  EXPECT_EQ(batch.column(kMetadataColumnCount).spec().name, "value");
  EXPECT_EQ(batch.column(kMetadataColumnCount).texts()[0], R"({"a":[1,2]})");
}

TEST(RecordFormat, CsvLinesAreSplitWithQuotesAndTyped) {
  pipeline::FormatDefinition f = format(pipeline::RecordFormat::kCsv, {{"id", "BIGINT"}, {"note", "VARCHAR"}, {"day", "DATE"}});
  auto decoder = make_record_format(f);
  ASSERT_TRUE(decoder.is_ok());
  ColumnBatch batch;
  ASSERT_TRUE((*decoder)->decode(record("id,note,day"), batch).is_ok());  // a header line: skipped
  ASSERT_TRUE((*decoder)->decode(record("1,\"say \"\"hi\"\", bye\",2026-11-25\r\n"), batch).is_ok());
  ASSERT_TRUE((*decoder)->decode(record("2,,"), batch).is_ok());
  ASSERT_TRUE((*decoder)->decode(record("3,\"\",2026-01-01"), batch).is_ok());
  ASSERT_EQ(batch.rows(), 3u);
  EXPECT_EQ(batch.column(7).texts()[0], "say \"hi\", bye");
  EXPECT_EQ(batch.column(8).ints()[0], 20'782);  // days since 1970-01-01
  EXPECT_TRUE(batch.column(7).is_null(1));       // empty unquoted: null
  EXPECT_FALSE(batch.column(7).is_null(2));      // "" quoted: empty text
  EXPECT_NE((*decoder)->decode(record("1,2"), batch).message().find("2 fields, expected 3"), std::string::npos);
  EXPECT_NE((*decoder)->decode(record("1,\"open,x"), batch).message().find("unclosed quote"), std::string::npos);
  EXPECT_EQ(batch.rows(), 3u);
  f.columns.clear();
  EXPECT_FALSE(make_record_format(f).is_ok());
}

TEST(RecordFormat, DebeziumEventsGiveOpSourceOrderAndTheRow) {
  auto decoder = make_record_format(format(pipeline::RecordFormat::kDebezium, {{"id", "BIGINT"}, {"email", "VARCHAR"}}));
  ASSERT_TRUE(decoder.is_ok());
  ColumnBatch batch;
  ASSERT_TRUE((*decoder)->decode(record(R"({"before":null,"after":{"id":1,"email":"a@x"},"op":"c","source":{"ts_ms":100,"lsn":5}})"), batch).is_ok());
  ASSERT_TRUE((*decoder)->decode(record(R"({"schema":{},"payload":{"before":{"id":1,"email":"a@x"},"after":{"id":1,"email":"b@x"},"op":"u","source":{"ts_ms":200,"lsn":9}}})"), batch).is_ok());
  ASSERT_TRUE((*decoder)->decode(record(R"({"before":{"id":1,"email":"b@x"},"after":null,"op":"d","source":{"ts_ms":300}})"), batch).is_ok());
  ASSERT_TRUE((*decoder)->decode(record(std::nullopt), batch).is_ok());
  ASSERT_EQ(batch.rows(), 4u);
  const size_t op = kMetadataColumnCount;
  EXPECT_EQ(batch.column(op).texts(), (std::vector<std::string>{"c", "u", "d", "t"}));
  EXPECT_EQ(batch.column(op + 1).ints()[1], 200);
  EXPECT_EQ(batch.column(op + 2).ints()[1], 9);
  EXPECT_TRUE(batch.column(op + 2).is_null(2));
  EXPECT_EQ(batch.column(op + 4).texts()[1], "b@x");
  EXPECT_EQ(batch.column(op + 4).texts()[2], "b@x");  // a delete carries the row it deleted
  EXPECT_TRUE(batch.column(op + 3).is_null(3));
  EXPECT_NE((*decoder)->decode(record(R"({"op":"x"})"), batch).message().find("'x' is not c, u, d or r"),
            std::string::npos);
  EXPECT_NE((*decoder)->decode(record(R"({"op":"u","after":null})"), batch).message().find("without \"after\""),
            std::string::npos);
}

TEST(RecordFormat, RawKeepsTheBytesAndTombstones) {
  auto decoder = make_record_format(format(pipeline::RecordFormat::kRaw));
  ASSERT_TRUE(decoder.is_ok());
  ColumnBatch batch;
  ASSERT_TRUE((*decoder)->decode(record(std::string("\xff{not json", 10)), batch).is_ok());
  ASSERT_TRUE((*decoder)->decode(record(std::nullopt), batch).is_ok());
  ASSERT_EQ(batch.rows(), 2u);
  EXPECT_EQ(batch.column(kMetadataColumnCount).spec().type, decode::ColumnType::kBinary);
  EXPECT_EQ(batch.column(kMetadataColumnCount).texts()[0], std::string("\xff{not json", 10));
  EXPECT_TRUE(batch.column(kMetadataColumnCount).is_null(1));
}

TEST(RecordFormat, RegistryFormatsNeedALookup) {
  auto decoder = make_record_format(format(pipeline::RecordFormat::kAvro));
  EXPECT_EQ(decoder.status().code(), StatusCode::kNotSupported);
}

TEST(TextValues, IsoTimestamps) {
  int64_t micros = 0;
  ASSERT_TRUE(parse_iso_timestamp("1970-01-01T00:00:01Z", micros));
  EXPECT_EQ(micros, 1'000'000);
  ASSERT_TRUE(parse_iso_timestamp("1970-01-01 01:00:00.5+01:00", micros));
  EXPECT_EQ(micros, 500'000);
  ASSERT_TRUE(parse_iso_timestamp("1969-12-31T23:59:59.999999", micros));
  EXPECT_EQ(micros, -1);
  EXPECT_FALSE(parse_iso_timestamp("1970-01-01T25:00:00", micros));
  EXPECT_FALSE(parse_iso_timestamp("1970-01-01T00:00:00.", micros));
  EXPECT_FALSE(parse_iso_timestamp("1970-01-01T00:00:00+0100", micros));
  EXPECT_FALSE(parse_iso_timestamp("2026-02-30T00:00:00", micros));
}

TEST(TextValues, UnsupportedDeclaredTypeIsNamed) {
  auto spec = column_spec("price", "DECIMAL(10,2)");
  EXPECT_EQ(spec.status().code(), StatusCode::kNotSupported);
  EXPECT_NE(spec.status().message().find("'price'"), std::string::npos);
}

}  // namespace
}  // namespace loch::source
