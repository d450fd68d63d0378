// The CDC sinks against real Delta tables in a temporary lake, read back
// through loch's reader (the session's silver.* tables).
#include "process/sink/cdc_sink.h"

#include <gtest/gtest.h>

#include "process/sink/sink_test_util.h"
#include "store/delta/snapshot.h"
#include "store/sql/lake_session_test_util.h"
#include "store/sql/sql_session.h"

namespace loch::sink {
namespace {

namespace fs = std::filesystem;

class CdcSinkTest : public sql::testing::LakeSessionTest {
 protected:
  CdcSinkTest() : LakeSessionTest("loch_cdc_sink_test") {}
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(LakeSessionTest::SetUp());
    root_ = session_->lake_dir() / "silver" / "customers";
  }

  sql::Connection& connection() { return session_->connection(); }

  // Replaces the batch with `rows`: (id, email, _op, _lsn, _source_ts_ms, _offset, _key) tuples in SQL.
  void batch(const std::string& rows) {
    Status made = connection().execute(
        "CREATE OR REPLACE TEMP TABLE batch AS SELECT * FROM (VALUES " + rows +
        ") AS b(id, email, _op, _lsn, _source_ts_ms, _offset, _key)");
    ASSERT_TRUE(made.is_ok()) << made.to_string();
    Status typed = connection().execute(
        "CREATE OR REPLACE TEMP TABLE batch AS SELECT id::BIGINT AS id, email::VARCHAR AS email, _op::VARCHAR AS _op,"
        " _lsn::BIGINT AS _lsn, _source_ts_ms::BIGINT AS _source_ts_ms, _offset::BIGINT AS _offset,"
        " _key::BLOB AS _key, 'shop.customers' AS _topic FROM batch");
    ASSERT_TRUE(typed.is_ok()) << typed.to_string();
  }

  // One text value: the first column of the first row of `query` through the session.
  std::string text(const std::string& query) { return testing::first_text(*session_, query); }

  // silver.customers as "id:email:_lsn" rows ordered by id.
  std::string current_rows() {
    return text("SELECT coalesce(string_agg(id || ':' || email || ':' || _lsn, ' ' ORDER BY id), '') "
                "FROM silver.customers");
  }

  // The history as "id:email:from-to:current" rows (times in ms since the epoch, '-' for NULL).
  std::string history_rows() {
    return text("SELECT coalesce(string_agg(id || ':' || email || ':' || epoch_ms(valid_from) || '-' || "
                "coalesce(epoch_ms(valid_to)::VARCHAR, 'open') || ':' || is_current, ' ' ORDER BY id, valid_from), '') "
                "FROM silver.customers");
  }

  int64_t txn_version(const std::string& app_id) {
    auto snapshot = delta::Snapshot::load(root_, connection());
    EXPECT_TRUE(snapshot.is_ok());
    if (!snapshot.is_ok()) return -1;
    auto it = snapshot->transactions().find(app_id);
    return it == snapshot->transactions().end() ? -1 : it->second.version;
  }

  CdcOutcome scd1(const std::vector<CdcTxnMark>& txns = {}) {
    auto outcome = apply_scd1(connection(), root_, {"id"}, "batch", txns);
    EXPECT_TRUE(outcome.is_ok()) << outcome.status().to_string();
    return outcome.is_ok() ? *outcome : CdcOutcome{};
  }
  CdcOutcome scd2(const std::vector<CdcTxnMark>& txns = {}) {
    auto outcome = apply_scd2(connection(), root_, {"id"}, "batch", txns);
    EXPECT_TRUE(outcome.is_ok()) << outcome.status().to_string();
    return outcome.is_ok() ? *outcome : CdcOutcome{};
  }

  fs::path root_;
};

const char* kSnapshot = "(1, 'a@x', 'r', 1, 1000, 0, '{\"id\":1}'), (2, 'b@x', 'r', 2, 1000, 1, '{\"id\":2}'), "
                        "(3, 'c@x', 'r', 3, 1000, 2, '{\"id\":3}')";

TEST_F(CdcSinkTest, Scd1CreatesTheTableThenUpsertsAndDeletesIncludingTombstones) {
  batch(kSnapshot);
  CdcOutcome first = scd1({{"silver_customers/shop.customers/0", 3}});
  EXPECT_EQ(first.version, 0);
  EXPECT_EQ(first.upserted, 3);
  EXPECT_EQ(current_rows(), "1:a@x:1 2:b@x:2 3:c@x:3");
  // An update, a delete followed by its tombstone, a tombstone alone (its
  // key only in _key, Debezium's schema+payload form) and a create.
  batch("(1, 'a2@x', 'u', 4, 2000, 3, '{\"id\":1}'), (2, 'b@x', 'd', 5, 2100, 4, '{\"id\":2}'), "
        "(NULL, NULL, 't', NULL, NULL, 5, '{\"id\":2}'), "
        "(NULL, NULL, 't', NULL, NULL, 6, '{\"schema\":{},\"payload\":{\"id\":3}}'), "
        "(4, 'd@x', 'c', 7, 2200, 7, '{\"id\":4}')");
  CdcOutcome second = scd1({{"silver_customers/shop.customers/0", 8}});
  EXPECT_EQ(second.version, 1);
  EXPECT_EQ(second.upserted, 2);
  EXPECT_EQ(second.deleted, 2);
  EXPECT_EQ(current_rows(), "1:a2@x:4 4:d@x:7");
  EXPECT_EQ(txn_version("silver_customers/shop.customers/0"), 8);
}

TEST_F(CdcSinkTest, Scd1KeepsTheLastChangePerKeyByLsnWhateverTheBatchOrder) {
  batch(kSnapshot);
  scd1();
  // Key 1: three updates given out of LSN order; key 2: its delete given
  // before an earlier update; key 5: created then updated.
  batch("(1, 'third@x', 'u', 12, 3000, 10, NULL), (1, 'first@x', 'u', 10, 3000, 11, NULL), "
        "(1, 'second@x', 'u', 11, 3000, 12, NULL), (2, 'b@x', 'd', 21, 3000, 13, NULL), "
        "(2, 'b2@x', 'u', 20, 3000, 14, NULL), (5, 'e@x', 'c', 30, 3000, 15, NULL), (5, 'e2@x', 'u', 31, 3000, 16, NULL)");
  CdcOutcome outcome = scd1();
  EXPECT_EQ(outcome.changes, 7);
  EXPECT_EQ(current_rows(), "1:third@x:12 3:c@x:3 5:e2@x:31");
}

TEST_F(CdcSinkTest, Scd1ReplayOfABatchChangesNothing) {
  batch(kSnapshot);
  scd1({{"p/shop.customers/0", 3}});
  batch("(1, 'a2@x', 'u', 4, 2000, 3, NULL), (2, 'b@x', 'd', 5, 2000, 4, NULL), (4, 'd@x', 'c', 6, 2000, 5, NULL)");
  CdcOutcome applied = scd1({{"p/shop.customers/0", 6}});
  ASSERT_EQ(applied.version, 1);
  const std::string after = current_rows();
  // The same batch with the same mark: skipped, no commit.
  CdcOutcome replay = scd1({{"p/shop.customers/0", 6}});
  EXPECT_TRUE(replay.skipped);
  EXPECT_FALSE(replay.version.has_value());
  // Replayed under another mark (e.g. after loch pipeline replay): the LSNs
  // are not newer than the table's rows, so only the mark is committed.
  CdcOutcome again = scd1({{"other/shop.customers/0", 6}});
  EXPECT_FALSE(again.skipped);
  EXPECT_EQ(again.version, 2);
  EXPECT_EQ(again.upserted, 0);
  EXPECT_EQ(again.deleted, 0);
  EXPECT_EQ(again.ignored, 2);  // key 1's update and key 4's create are as old as their rows
  EXPECT_EQ(current_rows(), after);
  EXPECT_EQ(after, "1:a2@x:4 3:c@x:3 4:d@x:6");
}

TEST_F(CdcSinkTest, Scd2KeepsEveryVersionWithValidityAndClosesOnDelete) {
  batch(kSnapshot);
  CdcOutcome first = scd2({{"h/shop.customers/0", 3}});
  EXPECT_EQ(first.versions_inserted, 3);
  EXPECT_EQ(history_rows(), "1:a@x:1000-open:true 2:b@x:1000-open:true 3:c@x:1000-open:true");
  // Key 1 updated twice (given out of order), key 2 deleted then its
  // tombstone, key 3 deleted by a tombstone alone, key 4 created.
  batch("(1, 'a3@x', 'u', 5, 3000, 3, NULL), (1, 'a2@x', 'u', 4, 2000, 4, NULL), "
        "(2, 'b@x', 'd', 6, 2500, 5, '{\"id\":2}'), (NULL, NULL, 't', NULL, NULL, 6, '{\"id\":2}'), "
        "(NULL, NULL, 't', NULL, NULL, 7, '{\"id\":3}'), (4, 'd@x', 'c', 7, 2600, 8, NULL)");
  CdcOutcome second = scd2({{"h/shop.customers/0", 9}});
  EXPECT_EQ(second.versions_inserted, 3);  // a2, a3, d
  EXPECT_EQ(second.versions_closed, 4);    // a, a2, b, c
  const std::string history = history_rows();
  EXPECT_EQ(history.substr(0, history.find(" 3:")),
            "1:a@x:1000-2000:false 1:a2@x:2000-3000:false 1:a3@x:3000-open:true 2:b@x:1000-2500:false");
  // Key 3's tombstone has no time of its own: it closes the row at the Kafka
  // record's time or now, but it closes it.
  EXPECT_EQ(text("SELECT count(*)::VARCHAR FROM silver.customers WHERE id = 3 AND NOT is_current AND valid_to IS NOT NULL"), "1");
  EXPECT_EQ(text("SELECT string_agg(id::VARCHAR, ',' ORDER BY id) FROM silver.customers WHERE is_current"), "1,4");
  EXPECT_EQ(text("SELECT count(*)::VARCHAR FROM silver.customers"), "6");
}

TEST_F(CdcSinkTest, Scd2ReplayAddsNoDuplicateVersions) {
  batch(kSnapshot);
  scd2({{"h/shop.customers/0", 3}});
  batch("(1, 'a2@x', 'u', 4, 2000, 3, NULL), (2, 'b@x', 'd', 5, 2500, 4, NULL)");
  scd2({{"h/shop.customers/0", 5}});
  const std::string after = history_rows();
  EXPECT_TRUE(scd2({{"h/shop.customers/0", 5}}).skipped);
  CdcOutcome again = scd2({{"replay/shop.customers/0", 5}});
  EXPECT_FALSE(again.skipped);
  EXPECT_EQ(again.versions_inserted, 0);
  EXPECT_EQ(again.versions_closed, 0);
  // The whole history replayed from the snapshot on: nothing new either.
  batch(kSnapshot);
  EXPECT_EQ(scd2().versions_inserted, 0);
  EXPECT_EQ(history_rows(), after);
  EXPECT_EQ(after, "1:a@x:1000-2000:false 1:a2@x:2000-open:true 2:b@x:1000-2500:false 3:c@x:1000-open:true");
  EXPECT_EQ(txn_version("replay/shop.customers/0"), 5);
}

TEST_F(CdcSinkTest, CompositeKeysIncludingATombstonesKeyFromItsRecordKey) {
  Status made = connection().execute(
      "CREATE OR REPLACE TEMP TABLE batch AS SELECT * FROM (VALUES "
      "('eu', 1, 'a', 'r', 1, 0, '{\"region\":\"eu\",\"id\":1}'), ('us', 1, 'b', 'r', 2, 1, '{\"region\":\"us\",\"id\":1}'), "
      "('eu', 1, 'a', 'd', 3, 2, '{\"region\":\"eu\",\"id\":1}'), "
      "(NULL, NULL, NULL, 't', NULL, 3, '{\"region\":\"us\",\"id\":1}'), ('eu', 2, 'c', 'c', 4, 4, NULL)) "
      "AS b(region, id, name, _op, _lsn, _offset, _key)");
  ASSERT_TRUE(made.is_ok()) << made.to_string();
  auto outcome = apply_scd1(connection(), root_, {"region", "id"}, "batch", {});
  ASSERT_TRUE(outcome.is_ok()) << outcome.status().to_string();
  EXPECT_EQ(text("SELECT string_agg(region || id || name, ',' ORDER BY region, id) FROM silver.customers"), "eu2c");
}

TEST_F(CdcSinkTest, NullKeysAreOneKeyWhenTheyAreValues) {
  // A window's group value may be NULL, as in GROUP BY: NULL keys then
  // match each other (window upserts), instead of being refused.
  auto merge = [&](const std::string& rows) {
    batch(rows);
    auto outcome = apply_scd1(connection(), root_, {"id"}, "batch", {}, NullKeys::kOneValue);
    EXPECT_TRUE(outcome.is_ok()) << outcome.status().to_string();
  };
  merge("(NULL, 'first', 'u', 1, 1000, 0, NULL), (1, 'one', 'u', 1, 1000, 1, NULL)");
  EXPECT_EQ(text("SELECT string_agg(coalesce(id::VARCHAR, 'null') || ':' || email, ' ' ORDER BY id NULLS FIRST) "
                 "FROM silver.customers"),
            "null:first 1:one");
  merge("(NULL, 'second', 'u', 2, 1000, 2, NULL)");
  EXPECT_EQ(text("SELECT count(*) || ' ' || max(email) FROM silver.customers WHERE id IS NULL"), "1 second")
      << "the NULL key's row was updated, not added again";
  merge("(NULL, NULL, 'd', 3, 1000, 3, NULL)");
  EXPECT_EQ(text("SELECT count(*)::VARCHAR FROM silver.customers WHERE id IS NULL"), "0") << "and deleted by a NULL-key delete";
  EXPECT_EQ(current_rows(), "1:one:1");
  // Captured changes keep refusing an upsert without its key.
  batch("(NULL, 'x', 'u', 4, 1000, 4, NULL)");
  auto refused = apply_scd1(connection(), root_, {"id"}, "batch", {});
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.status().to_string().find("NULL key"), std::string::npos) << refused.status().to_string();
}

TEST_F(CdcSinkTest, BadBatchesAreRefusedNamingWhatIsWrong) {
  batch("(1, 'a@x', 'x', 1, 1000, 0, NULL)");
  auto unknown = apply_scd1(connection(), root_, {"id"}, "batch", {});
  ASSERT_FALSE(unknown.is_ok());
  EXPECT_NE(unknown.status().to_string().find("_op other than"), std::string::npos) << unknown.status().to_string();
  batch("(NULL, 'a@x', 'c', 1, 1000, 0, NULL)");
  auto null_key = apply_scd2(connection(), root_, {"id"}, "batch", {});
  ASSERT_FALSE(null_key.is_ok());
  EXPECT_NE(null_key.status().to_string().find("NULL key"), std::string::npos) << null_key.status().to_string();
  batch(kSnapshot);
  auto no_key = apply_scd1(connection(), root_, {"customer_id"}, "batch", {});
  ASSERT_FALSE(no_key.is_ok());
  EXPECT_NE(no_key.status().to_string().find("customer_id"), std::string::npos);
  EXPECT_FALSE(fs::exists(root_ / "_delta_log" / "00000000000000000000.json"));
}

}  // namespace
}  // namespace loch::sink
