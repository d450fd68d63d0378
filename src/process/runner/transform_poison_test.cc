#include "process/runner/transform_poison.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "store/sql/database.h"

namespace loch::runner {
namespace {

class TransformPoisonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_ = std::move(sql::Database::open(":memory:")).value();
    connection_ = std::make_unique<sql::Connection>(std::move(database_->connect()).value());
    // 100 records of topic t, partition 0; qty is 'many' at offsets 7, 50 and 93.
    ASSERT_TRUE(connection_
                    ->execute("CREATE TABLE batch_all AS SELECT 't' AS _topic, 0 AS _partition, CAST(i AS BIGINT) AS "
                              "_offset, CASE WHEN i IN (7, 50, 93) THEN 'many' ELSE CAST(i AS VARCHAR) END AS qty "
                              "FROM range(100) r(i); CREATE VIEW batch AS SELECT * FROM batch_all")
                    .is_ok());
  }

  int64_t count(const std::string& table) {
    auto result = connection_->query("SELECT count(*) FROM " + table);
    if (!result.is_ok()) return -1;
    auto chunk = std::move(result->next_chunk()).value();
    return chunk->column(0).values<int64_t>()[0];
  }

  std::unique_ptr<sql::Database> database_;
  std::unique_ptr<sql::Connection> connection_;
};

TEST_F(TransformPoisonTest, TheRecordsTheTransformFailsOnAloneAreFoundAndTheRestTransformed) {
  auto failures = run_transform_isolating_failures(
      *connection_, "SELECT _offset, CAST(qty AS INTEGER) AS qty FROM batch", "out");
  ASSERT_TRUE(failures.is_ok()) << failures.status().to_string();
  ASSERT_EQ(failures->size(), 3u);
  EXPECT_EQ((*failures)[0].offset, 7);
  EXPECT_EQ((*failures)[1].offset, 50);
  EXPECT_EQ((*failures)[2].offset, 93);
  EXPECT_EQ((*failures)[0].topic, "t");
  EXPECT_EQ((*failures)[0].partition, 0);
  EXPECT_NE((*failures)[0].error.find("many"), std::string::npos) << (*failures)[0].error;
  EXPECT_EQ(count("out"), 97);
  EXPECT_EQ(count("batch"), 97);  // the batch the commit sees is without them
}

TEST_F(TransformPoisonTest, ATransformThatSucceedsLeavesTheBatchWhole) {
  auto failures = run_transform_isolating_failures(*connection_, "SELECT * FROM batch WHERE qty <> 'many'", "out");
  ASSERT_TRUE(failures.is_ok());
  EXPECT_TRUE(failures->empty());
  EXPECT_EQ(count("out"), 97);
}

TEST_F(TransformPoisonTest, AnErrorOnZeroRowsIsThePipelinesNotTheRecords) {
  auto failures = run_transform_isolating_failures(*connection_, "SELECT no_such_column FROM batch", "out");
  ASSERT_FALSE(failures.is_ok());
  EXPECT_NE(failures.status().message().find("no_such_column"), std::string::npos);
}

TEST_F(TransformPoisonTest, AFailureOfRowsOnlyTogetherIsThePipelines) {
  // The sum overflows only over many rows: no record fails alone.
  auto failures = run_transform_isolating_failures(
      *connection_, "SELECT CAST(sum(_offset) AS TINYINT) AS s FROM batch", "out");
  ASSERT_FALSE(failures.is_ok());
  EXPECT_NE(failures.status().message().find("none of them alone"), std::string::npos)
      << failures.status().to_string();
}

}  // namespace
}  // namespace loch::runner
