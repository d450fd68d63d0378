// Decoded Avro records appended to an in-memory DuckDB table: every logical
// type lands as the DuckDB type doc/registry-decoding.md promises.
#include "process/ingest/column_batch_appender.h"

#include <gtest/gtest.h>

#include "collect/decode/record_decoder.h"
#include "common/varint.h"

namespace loch::ingest {
namespace {

void avro_string(std::string_view s, std::string& out) {
  append_varint(static_cast<int64_t>(s.size()), out);
  out += s;
}

TEST(ColumnBatchAppender, LogicalTypesArriveAsTheirDuckDbTypes) {
  auto schema = registry::parse_schema(registry::SchemaType::kAvro, R"({"type":"record","name":"P","fields":[
    {"name":"id","type":"long"},
    {"name":"amount","type":{"type":"bytes","logicalType":"decimal","precision":10,"scale":2}},
    {"name":"day","type":{"type":"int","logicalType":"date"}},
    {"name":"at","type":{"type":"long","logicalType":"timestamp-millis"}},
    {"name":"local","type":{"type":"long","logicalType":"local-timestamp-micros"}},
    {"name":"t","type":{"type":"int","logicalType":"time-millis"}},
    {"name":"ref","type":{"type":"string","logicalType":"uuid"}},
    {"name":"note","type":["null","string"]},
    {"name":"raw","type":"bytes"},
    {"name":"tags","type":{"type":"array","items":"int"}}]})",
                                       {});
  ASSERT_TRUE(schema.is_ok()) << schema.status().message();
  auto decoder = decode::make_record_decoder(std::shared_ptr<const registry::ParsedSchema>(std::move(schema).value()));
  ASSERT_TRUE(decoder.is_ok());
  std::string p;
  append_varint(7, p);
  append_varint(2, p);
  p += std::string("\xFB\x2E", 2);  // -12.34
  append_varint(19723, p);          // 2024-01-01
  append_varint(1700000000123, p);
  append_varint(1700000000123456, p);
  append_varint(3723004, p);
  avro_string("0e5b7c1a-1234-4abc-9def-0123456789ab", p);
  append_varint(0, p);  // note: null
  avro_string(std::string("\x00\x01", 2), p);
  append_varint(2, p);
  append_varint(1, p);
  append_varint(2, p);
  append_varint(0, p);
  decode::ColumnBatch batch = (*decoder)->new_batch();
  ASSERT_TRUE((*decoder)->decode(p, batch).is_ok());

  auto db = sql::Database::open(":memory:");
  ASSERT_TRUE(db.is_ok());
  auto conn = (*db)->connect();
  ASSERT_TRUE(conn.is_ok());
  ASSERT_TRUE(conn->execute("SET TimeZone = 'UTC'").is_ok());
  std::string ddl = create_table_sql("payments", (*decoder)->columns());
  EXPECT_NE(ddl.find("\"amount\" DECIMAL(10,2) NOT NULL"), std::string::npos) << ddl;
  ASSERT_TRUE(conn->execute(ddl).is_ok()) << ddl;
  Status appended = append_column_batch(*conn, "payments", batch);
  ASSERT_TRUE(appended.is_ok()) << appended.message();

  auto result = conn->query(
      "SELECT concat_ws('|', id, amount, day, \"at\", \"local\", t, ref, coalesce(note, 'NULL'), octet_length(raw), tags, "
      "typeof(amount), typeof(\"at\"), typeof(ref)) FROM payments");
  ASSERT_TRUE(result.is_ok()) << result.status().message();
  auto chunk = result->next_chunk();
  ASSERT_TRUE(chunk.is_ok() && chunk->has_value());
  EXPECT_EQ((*chunk)->column(0).string_at(0),
            "7|-12.34|2024-01-01|2023-11-14 22:13:20.123+00|2023-11-14 22:13:20.123456|01:02:03.004|"
            "0e5b7c1a-1234-4abc-9def-0123456789ab|NULL|2|[1,2]|DECIMAL(10,2)|TIMESTAMP WITH TIME ZONE|UUID");
}

}  // namespace
}  // namespace loch::ingest
