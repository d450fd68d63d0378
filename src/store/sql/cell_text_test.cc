#include "store/sql/cell_text.h"

#include <gtest/gtest.h>

#include "store/sql/database.h"

namespace loch::sql {
namespace {

// Renders every column of the first row of `sql` in `style`.
std::vector<std::string> render(const std::string& sql, CellStyle style) {
  static std::unique_ptr<Database> db = std::move(Database::open(":memory:")).value();
  auto conn = db->connect();
  auto result = conn->query(sql);
  EXPECT_TRUE(result.is_ok()) << result.status().to_string();
  auto chunk = result->next_chunk();
  std::vector<std::string> cells;
  for (size_t c = 0; c < result->column_count(); ++c) {
    std::string text;
    append_cell_text((*chunk)->column(c), result->column_type(c), 0, style, text);
    cells.push_back(text);
  }
  return cells;
}

std::string display(const std::string& expr) { return render("select " + expr, CellStyle::kDisplay)[0]; }
std::string json(const std::string& expr) { return render("select " + expr, CellStyle::kJson)[0]; }

}  // namespace

TEST(CellText, NumbersPrintAsDuckDbPrintsThem) {
  EXPECT_EQ(display("42::tinyint"), "42");
  EXPECT_EQ(display("(-32768)::smallint"), "-32768");
  EXPECT_EQ(display("9223372036854775807::bigint"), "9223372036854775807");
  EXPECT_EQ(display("18446744073709551615::ubigint"), "18446744073709551615");
  EXPECT_EQ(display("(-170141183460469231731687303715884105727)::hugeint"), "-170141183460469231731687303715884105727");
  EXPECT_EQ(display("0.1::double"), "0.1");
  EXPECT_EQ(display("1.5::float"), "1.5");
  EXPECT_EQ(display("'nan'::double"), "nan");
}

TEST(CellText, DecimalsKeepTheirScaleForEveryStorageWidth) {
  EXPECT_EQ(display("1.50::decimal(4,2)"), "1.50");
  EXPECT_EQ(display("-0.05::decimal(9,2)"), "-0.05");
  EXPECT_EQ(display("123456789012.345::decimal(18,3)"), "123456789012.345");
  EXPECT_EQ(display("-12345678901234567890.12345::decimal(38,5)"), "-12345678901234567890.12345");
  EXPECT_EQ(display("7::decimal(5,0)"), "7");
}

TEST(CellText, DatesTimesAndIntervals) {
  EXPECT_EQ(display("date '2024-02-29'"), "2024-02-29");
  EXPECT_EQ(display("time '13:04:05.25'"), "13:04:05.25");
  EXPECT_EQ(display("timestamp '2024-01-02 03:04:05'"), "2024-01-02 03:04:05");
  EXPECT_EQ(display("timestamp '2024-01-02 03:04:05.123456'"), "2024-01-02 03:04:05.123456");
  EXPECT_EQ(display("'2024-01-02 03:04:05.123456789'::timestamp_ns"), "2024-01-02 03:04:05.123456789");
  EXPECT_EQ(display("'2024-01-02 03:04:05'::timestamp_s"), "2024-01-02 03:04:05");
  EXPECT_EQ(display("'infinity'::date"), "infinity");
  EXPECT_EQ(display("interval '1 year 2 months 3 days 04:05:06'"), "1 year 2 months 3 days 04:05:06");
  EXPECT_EQ(display("interval '0 seconds'"), "00:00:00");
}

TEST(CellText, StringsBlobsUuidsAndEnums) {
  EXPECT_EQ(display("'héllo'"), "héllo");
  EXPECT_EQ(display("'\\x00AB'::blob"), "\\x00AB");
  EXPECT_EQ(display("'00112233-4455-6677-8899-aabbccddeeff'::uuid"), "00112233-4455-6677-8899-aabbccddeeff");
  EXPECT_EQ(display("'b'::enum('a', 'b')"), "b");
}

TEST(CellText, NestedValuesQuoteTheirStrings) {
  EXPECT_EQ(display("[1, 2, NULL]"), "[1, 2, NULL]");
  EXPECT_EQ(display("['a', 'b']"), "['a', 'b']");
  EXPECT_EQ(display("{'k': 'v', 'n': 1}"), "{'k': 'v', 'n': 1}");
  EXPECT_EQ(display("map {'a': 1, 'b': 2}"), "{a=1, b=2}");
  EXPECT_EQ(display("[1, 2, 3]::integer[3]"), "[1, 2, 3]");
  EXPECT_EQ(display("[[1], [], [2, 3]]"), "[[1], [], [2, 3]]");
}

TEST(CellText, JsonStyleGivesValidJsonValues) {
  EXPECT_EQ(json("NULL::integer"), "null");
  EXPECT_EQ(json("true"), "true");
  EXPECT_EQ(json("'say \"hi\"\n'"), "\"say \\\"hi\\\"\\n\"");
  EXPECT_EQ(json("[1, 2]"), "[1, 2]");
  EXPECT_EQ(json("{'k': 'v', 'n': [true]}"), "{\"k\":\"v\", \"n\":[true]}");
  EXPECT_EQ(json("map {'a': 1}"), "{\"a\":1}");
  EXPECT_EQ(json("date '2024-01-01'"), "\"2024-01-01\"");
  EXPECT_EQ(json("'inf'::double"), "null");
  EXPECT_EQ(json("1.25::decimal(5,2)"), "1.25");
}

TEST(CellText, NullDisplaysAsNull) { EXPECT_EQ(display("NULL::varchar"), "NULL"); }

TEST(JsonString, EscapesControlCharacters) {
  std::string out;
  append_json_string(std::string("a\x01z", 3), out);
  EXPECT_EQ(out, "\"a\\u0001z\"");
}

}  // namespace loch::sql
