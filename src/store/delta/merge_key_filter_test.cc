#include "store/delta/merge_key_filter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <random>

#include "store/delta/integer_key_set.h"
#include "store/delta/snapshot.h"
#include "store/sql/lake_session_test_util.h"
#include "store/sql/sql_session.h"

namespace loch::delta {
namespace {

TEST(IntegerKeySet, DenseKeysUseAnExactBitmap) {
  std::vector<int64_t> keys;
  for (int64_t k = -500; k < 10'000'000; k += 100) keys.push_back(k);
  IntegerKeySet set(keys);
  EXPECT_TRUE(set.exact());
  for (int64_t k = -600; k < 10'000'100; ++k) {
    ASSERT_EQ(set.may_contain(k), k >= -500 && k < 10'000'000 && (k + 500) % 100 == 0) << k;
  }
  EXPECT_FALSE(set.may_contain(std::numeric_limits<int64_t>::min()));
  EXPECT_FALSE(set.may_contain(std::numeric_limits<int64_t>::max()));
  // Ranges: keys are -500, -400, ..., 9'999'900.
  EXPECT_TRUE(set.any_in_range(-500, -500));
  EXPECT_FALSE(set.any_in_range(-499, -401));
  EXPECT_TRUE(set.any_in_range(-499, -400));
  EXPECT_FALSE(set.any_in_range(std::numeric_limits<int64_t>::min(), -501));
  EXPECT_FALSE(set.any_in_range(9'999'901, std::numeric_limits<int64_t>::max()));
  EXPECT_TRUE(set.any_in_range(9'999'900, std::numeric_limits<int64_t>::max()));
  EXPECT_TRUE(set.any_in_range(std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()));
  EXPECT_FALSE(set.any_in_range(1'000'001, 1'000'099));
  EXPECT_TRUE(set.any_in_range(1'000'001, 1'000'100));
  EXPECT_FALSE(set.any_in_range(7, 3));
  for (int64_t low = 0; low < 300; ++low) {
    for (int64_t width = 0; width < 130; ++width) {
      const bool holds = (low + 500 + 99) / 100 * 100 - 500 <= low + width;  // the first key >= low
      ASSERT_EQ(set.any_in_range(low, low + width), holds) << low << " " << width;
    }
  }
}

TEST(IntegerKeySet, SparseKeysUseABloomFilterThatNeverMissesAKey) {
  std::mt19937_64 random(42);
  std::vector<int64_t> keys = {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(), 0, -1};
  for (int i = 0; i < 20'000; ++i) keys.push_back(static_cast<int64_t>(random()));
  IntegerKeySet set(keys);
  EXPECT_FALSE(set.exact());
  for (int64_t key : keys) ASSERT_TRUE(set.may_contain(key)) << key;
  // About 1.4% false positives with 16 bits a key and two probes.
  int false_positives = 0;
  for (int i = 0; i < 100'000; ++i) false_positives += set.may_contain(static_cast<int64_t>(random())) ? 1 : 0;
  EXPECT_LT(false_positives, 3'000);
  EXPECT_LE(set.memory_bytes(), keys.size() * (8 + 4));  // sorted keys + the filter (under 32 bits a key)
}

TEST(IntegerKeySet, RangesOfManySparseKeysAreNotCheckedExactly) {
  std::mt19937_64 random(7);
  std::vector<int64_t> keys(IntegerKeySet::kMaxSortedKeys + 1);
  for (auto& key : keys) key = static_cast<int64_t>(random() | 1);  // odd keys only
  IntegerKeySet set(keys);
  EXPECT_FALSE(set.exact());
  EXPECT_TRUE(set.may_contain(keys.back()));
  EXPECT_TRUE(set.any_in_range(2, 2));  // not sorted: any range may hold a key
  EXPECT_FALSE(set.any_in_range(3, 2));
}

TEST(IntegerKeySet, EmptySetHoldsNothing) {
  IntegerKeySet set({});
  EXPECT_FALSE(set.may_contain(0));
  EXPECT_FALSE(set.may_contain(-1));
  EXPECT_FALSE(set.any_in_range(std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()));
}

TEST(IntegerKeySet, RangesHoldAKeyExactly) {
  IntegerKeySet set({40, 10, 10, 5'000'000'000'000});
  EXPECT_TRUE(set.any_in_range(10, 10));
  EXPECT_TRUE(set.any_in_range(0, 100));
  EXPECT_FALSE(set.any_in_range(11, 39));
  EXPECT_FALSE(set.any_in_range(41, 4'999'999'999'999));
  EXPECT_TRUE(set.any_in_range(41, 5'000'000'000'000));
  EXPECT_FALSE(set.any_in_range(5'000'000'000'001, std::numeric_limits<int64_t>::max()));
}

class MergeKeyFilterTest : public sql::testing::LakeSessionTest {
 protected:
  MergeKeyFilterTest() : LakeSessionTest("loch_merge_key_filter_test") {}
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(LakeSessionTest::SetUp());
    run("CREATE TABLE bronze.t (id BIGINT, small INT, name STRING) "
        "TBLPROPERTIES ('delta.enableDeletionVectors' = 'true', 'delta.autoOptimize.autoCompact' = 'false')");
    run("INSERT INTO bronze.t SELECT i, (i % 50)::INT, 'n' || i FROM range(1000) r(i)");
    run("INSERT INTO bronze.t VALUES (NULL, NULL, 'null id'), (5000000000000, 7, 'big')");
    run("CREATE TABLE expected AS SELECT id, small, name FROM bronze.t");
  }
  void run(const std::string& sql) {
    auto result = session_->run(sql);
    ASSERT_TRUE(result.is_ok()) << sql << ": " << result.status().to_string();
    while (true) {
      auto chunk = result->next_chunk();
      ASSERT_TRUE(chunk.is_ok());
      if (!*chunk) break;
    }
  }
  int64_t scalar(const std::string& sql) {
    auto result = session_->run(sql);
    EXPECT_TRUE(result.is_ok()) << sql << ": " << (result.is_ok() ? "" : result.status().to_string());
    if (!result.is_ok()) return -1;
    auto chunk = result->next_chunk();
    if (!chunk.is_ok() || !*chunk || (*chunk)->size() == 0 || !(*chunk)->column(0).is_valid(0)) return -2;
    return (*chunk)->column(0).values<int64_t>()[0];
  }
  // Runs the same MERGE on bronze.t (loch) and on `expected` (DuckDB).
  void merge_both(const std::string& source, const std::string& on_and_clauses) {
    run("MERGE INTO bronze.t AS t USING " + source + " AS s ON " + on_and_clauses);
    run("MERGE INTO expected AS t USING " + source + " AS s ON " + on_and_clauses);
  }
  void expect_same_rows() {
    for (const char* query : {"SELECT count(*) FROM (SELECT * FROM bronze.t EXCEPT ALL SELECT * FROM expected)",
                              "SELECT count(*) FROM (SELECT * FROM expected EXCEPT ALL SELECT * FROM bronze.t)"}) {
      EXPECT_EQ(scalar(query), 0) << query;
    }
    EXPECT_EQ(scalar("SELECT count(*) FROM bronze.t"), scalar("SELECT count(*) FROM expected"));
  }
  std::unique_ptr<MergeKeyFilter> filter_for(const std::string& source_select, const std::string& on,
                                             MergeClause::Match match = MergeClause::Match::kMatched,
                                             const std::string& table = "t") {
    run("CREATE OR REPLACE TEMP TABLE filter_source AS " + source_select);
    auto snapshot = Snapshot::load(session_->lake_dir() / "bronze" / table, session_->connection());
    EXPECT_TRUE(snapshot.is_ok());
    MergeStatement statement;
    statement.target.alias = "t";
    statement.source = "filter_source";
    statement.source_alias = "s";
    statement.on = on;
    statement.clauses.push_back({match, MergeClause::Action::kDelete, std::nullopt, {}});
    auto filter = MergeKeyFilter::build(snapshot->schema(), session_->connection(), statement, "filter_source");
    EXPECT_TRUE(filter.is_ok()) << filter.status().to_string();
    return filter.is_ok() ? std::move(filter).value() : nullptr;
  }
};

TEST_F(MergeKeyFilterTest, BuiltOnlyForIntegerKeysWithoutNotMatchedBySource) {
  auto filter = filter_for("SELECT 3::INTEGER AS k", "s.k = t.id AND t.name <> 'x'");
  ASSERT_NE(filter, nullptr);
  const std::string predicate = filter->predicate("loch_t");
  EXPECT_NE(predicate.find("loch_merge_key_in_set("), std::string::npos) << predicate;
  EXPECT_NE(predicate.find("loch_t."), std::string::npos) << predicate;
  // It keeps exactly the rows of key 3 (a dense set is exact).
  EXPECT_EQ(scalar("SELECT count(*) FROM (SELECT * FROM bronze.t) AS loch_t WHERE " + predicate), 1);
  EXPECT_EQ(filter_for("SELECT 3 AS id", "t.id = s.id", MergeClause::Match::kNotMatchedBySource), nullptr);
  EXPECT_EQ(filter_for("SELECT 'n3' AS name", "t.name = s.name"), nullptr);
  EXPECT_EQ(filter_for("SELECT '3' AS id", "t.id = s.id"), nullptr);
  EXPECT_EQ(filter_for("SELECT 3.0::DOUBLE AS id", "t.id = s.id"), nullptr);
  EXPECT_EQ(filter_for("SELECT 3 AS id", "t.id = s.id OR t.small = s.id"), nullptr);
  EXPECT_EQ(filter_for("SELECT 3 AS id WHERE false", "t.id = s.id"), nullptr);
  // A key set lives as long as its filter.
  filter.reset();
  EXPECT_FALSE(session_->run("SELECT count(*) FROM (SELECT * FROM bronze.t) AS loch_t WHERE " + predicate).is_ok());
}

TEST_F(MergeKeyFilterTest, SkipsFilesHoldingNoSourceKey) {
  run("CREATE TABLE bronze.f (id BIGINT, p INT) PARTITIONED BY (p) "
      "TBLPROPERTIES ('delta.autoOptimize.autoCompact' = 'false')");
  // Four files: ids 0-99 in partition 0, 100-199 in partition 1, ...
  for (int f = 0; f < 4; ++f) {
    run("INSERT INTO bronze.f SELECT i, " + std::to_string(f) + " FROM range(" + std::to_string(f * 100) + ", " +
        std::to_string(f * 100 + 100) + ") r(i)");
  }
  auto snapshot = Snapshot::load(session_->lake_dir() / "bronze" / "f", session_->connection());
  ASSERT_TRUE(snapshot.is_ok());
  std::vector<const LiveFile*> files;
  for (const auto& file : snapshot->files()) files.push_back(&file);
  ASSERT_EQ(files.size(), 4u);
  auto first_ids = [&](const std::vector<const LiveFile*>& kept) {
    std::vector<std::string> partitions;
    for (const LiveFile* file : kept) partitions.push_back(file->add.partition_values.at("p").value_or("null"));
    std::sort(partitions.begin(), partitions.end());
    return partitions;
  };
  using Parts = std::vector<std::string>;
  // The key range 5..395 spans every file; only the first and last hold a key.
  auto by_id = filter_for("SELECT * FROM (VALUES (5), (395)) v(id)", "t.id = s.id", MergeClause::Match::kMatched, "f");
  ASSERT_NE(by_id, nullptr);
  EXPECT_EQ(first_ids(by_id->files_that_may_match(*snapshot, files)), (Parts{"0", "3"}));
  auto between = filter_for("SELECT 250 AS id", "t.id = s.id", MergeClause::Match::kMatched, "f");
  EXPECT_EQ(first_ids(between->files_that_may_match(*snapshot, files)), (Parts{"2"}));
  auto none = filter_for("SELECT 1000 AS id", "t.id = s.id", MergeClause::Match::kMatched, "f");
  EXPECT_TRUE(none->files_that_may_match(*snapshot, files).empty());
  // A partition column key: the partition values decide.
  auto by_partition = filter_for("SELECT * FROM (VALUES (1), (2), (7)) v(p)", "t.p = s.p", MergeClause::Match::kMatched, "f");
  ASSERT_NE(by_partition, nullptr);
  EXPECT_EQ(first_ids(by_partition->files_that_may_match(*snapshot, files)), (Parts{"1", "2"}));
}

TEST_F(MergeKeyFilterTest, MergeMatchesTheSameRowsAsDuckDb) {
  // Dense keys (exact bitmap), NULL and out-of-range source keys, keys of
  // another integer type, a condition on target columns.
  merge_both("(SELECT i AS id, 'u' || i AS name FROM range(0, 1000, 7) r(i) UNION ALL SELECT NULL, 'null')",
             "t.id = s.id WHEN MATCHED AND t.small < 25 THEN UPDATE SET name = s.name");
  expect_same_rows();
  merge_both("(SELECT i::UBIGINT AS id FROM range(3, 1000, 11) r(i) UNION ALL SELECT 18446744073709551615)",
             "t.id = s.id WHEN MATCHED THEN DELETE");
  expect_same_rows();
  merge_both("(SELECT i::SMALLINT AS k FROM range(1, 999, 13) r(i))",
             "t.id = s.k WHEN MATCHED THEN UPDATE SET small = -1");
  expect_same_rows();
  // Sparse keys (Bloom filter): the far key, new keys inserted, rows the
  // deletion vectors above removed stay removed.
  merge_both("(SELECT * FROM (VALUES (5000000000000, 'far'), (-9000000000000000000, 'new'), (14, 'again'), "
             "(3, 'gone')) v(id, name))",
             "t.id = s.id WHEN MATCHED THEN UPDATE SET name = s.name "
             "WHEN NOT MATCHED THEN INSERT (id, small, name) VALUES (s.id, 0, s.name)");
  expect_same_rows();
  EXPECT_EQ(scalar("SELECT count(*) FROM bronze.t WHERE name IN ('far', 'new', 'again')"), 3);
  // NOT MATCHED BY SOURCE sees every target row (no filter).
  merge_both("(SELECT 1 AS id)", "t.id = s.id WHEN NOT MATCHED BY SOURCE AND t.id > 990 THEN DELETE");
  expect_same_rows();
}

TEST_F(MergeKeyFilterTest, TargetRowMatchedTwiceIsStillAnError) {
  auto result = session_->run("MERGE INTO bronze.t AS t USING (SELECT * FROM (VALUES (8), (8)) v(id)) s "
                              "ON t.id = s.id WHEN MATCHED THEN UPDATE SET name = 'twice'");
  ASSERT_FALSE(result.is_ok());
  EXPECT_NE(result.status().message().find("more than one source row"), std::string::npos) << result.status().message();
}

}  // namespace
}  // namespace loch::delta
