#include "process/runner/staging_tables.h"

#include <gtest/gtest.h>

#include <string>

#include "process/runner/runner_test_util.h"
#include "store/sql/database.h"

namespace loch::runner {
namespace {

using decode::ColumnSpec;
using decode::ColumnType;

using StagingTablesTest = testing::InMemoryDuckDbTest;

TEST_F(StagingTablesTest, EveryTypeAndNullLandsAcrossSeveralVectors) {
  std::vector<ColumnSpec> specs = {
      {"b", ColumnType::kBoolean}, {"i", ColumnType::kInt32},          {"l", ColumnType::kInt64},
      {"f", ColumnType::kFloat},   {"d", ColumnType::kDouble},         {"s", ColumnType::kString},
      {"x", ColumnType::kBinary},  {"day", ColumnType::kDate},         {"t", ColumnType::kTimeMicros},
      {"ts", ColumnType::kTimestampMicros}, {"ntz", ColumnType::kTimestampNtzMicros}, {"j", ColumnType::kJson}};
  decode::ColumnBatch batch(specs);
  constexpr int kRows = 5000;  // more than two DuckDB vectors of 2,048
  for (int row = 0; row < kRows; ++row) {
    for (size_t c = 0; c < specs.size(); ++c) {
      decode::Column& column = batch.column(c);
      if (row % 13 == static_cast<int>(c)) {  // nulls in every column; none in rows 12, 25, ...
        column.append_null();
        continue;
      }
      switch (specs[c].type) {
        case ColumnType::kBoolean: column.append_int(row % 2); break;
        case ColumnType::kFloat:
        case ColumnType::kDouble: column.append_real(row + 0.5); break;
        case ColumnType::kString: column.append_text("row " + std::to_string(row)); break;
        case ColumnType::kBinary: column.append_text(std::string("\0\xff", 2) + std::to_string(row)); break;
        case ColumnType::kJson: column.append_text("{\"n\":" + std::to_string(row) + "}"); break;
        case ColumnType::kDate: column.append_int(20454 + row % 3); break;          // 2026-01-01 ...
        case ColumnType::kTimestampMicros:
        case ColumnType::kTimestampNtzMicros: column.append_int(1767225600000000LL + row); break;
        default: column.append_int(row); break;
      }
    }
    batch.finish_row();
  }
  Status staged = stage_records(*connection_, specs, batch);
  ASSERT_TRUE(staged.is_ok()) << staged.to_string();
  EXPECT_EQ(text_of("SELECT count(*) FROM batch_all"), "5000");
  // Each column has its nulls where they were appended, and its values in row order.
  for (size_t c = 0; c < specs.size(); ++c) {
    EXPECT_EQ(text_of("SELECT count(*) - count(\"" + specs[c].name + "\") FROM batch_all"),
              std::to_string((kRows + 12 - static_cast<int>(c)) / 13))
        << specs[c].name;
  }
  EXPECT_EQ(text_of("SELECT l FROM batch_all LIMIT 1 OFFSET 4107"), "4107");
  EXPECT_EQ(text_of("SELECT s FROM batch_all LIMIT 1 OFFSET 4107"), "row 4107");
  EXPECT_EQ(text_of("SELECT d FROM batch_all LIMIT 1 OFFSET 4107"), "4107.5");
  EXPECT_EQ(text_of("SELECT x = '\\x00\\xFF4107'::BLOB FROM batch_all LIMIT 1 OFFSET 4107"), "true");
  EXPECT_EQ(text_of("SELECT j->>'n' FROM batch_all LIMIT 1 OFFSET 4107"), "4107");
  EXPECT_EQ(text_of("SELECT day FROM batch_all LIMIT 1 OFFSET 4107"), "2026-01-01");
  EXPECT_EQ(text_of("SELECT ts FROM batch_all LIMIT 1 OFFSET 4107"), "2026-01-01 00:00:00.004107+00");
  EXPECT_EQ(text_of("SELECT ntz FROM batch_all LIMIT 1 OFFSET 4107"), "2026-01-01 00:00:00.004107");
  EXPECT_EQ(text_of("SELECT b FROM batch_all LIMIT 1 OFFSET 4107"), "true");
}

TEST_F(StagingTablesTest, InvalidUtf8InAStringColumnIsRefusedNamingRowAndColumn) {
  std::vector<ColumnSpec> specs = {{"s", ColumnType::kString}};
  decode::ColumnBatch batch(specs);
  batch.column(0).append_text("fine");
  batch.finish_row();
  batch.column(0).append_text(std::string("bad \xff", 5));
  batch.finish_row();
  Status staged = stage_records(*connection_, specs, batch);
  ASSERT_FALSE(staged.is_ok());
  EXPECT_NE(staged.message().find("row 1 column 's': invalid UTF-8"), std::string::npos) << staged.to_string();
}

TEST_F(StagingTablesTest, TypesWithoutAVectorWriterStillStageThroughTheRowAppender) {
  std::vector<ColumnSpec> specs = {{"id", ColumnType::kInt64}, {"amount", ColumnType::kDecimal, 10, 2}};
  decode::ColumnBatch batch(specs);
  batch.column(0).append_int(7);
  batch.column(1).append_decimal(12345);
  batch.finish_row();
  Status staged = stage_records(*connection_, specs, batch);
  ASSERT_TRUE(staged.is_ok()) << staged.to_string();
  EXPECT_EQ(text_of("SELECT amount FROM batch_all WHERE id = 7"), "123.45");
}

}  // namespace
}  // namespace loch::runner
