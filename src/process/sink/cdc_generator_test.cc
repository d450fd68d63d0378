// The CDC sinks fed the shop generator's customer changes (snapshot, c/u/d
// with tombstones) in micro-batches shuffled within each batch, checked
// against plain DuckDB SQL over the same events.
#include <gtest/gtest.h>

#include "process/generate/shop_generator.h"
#include "process/sink/cdc_sink.h"
#include "process/sink/sink_test_util.h"
#include "store/delta/file_paths.h"
#include "store/sql/lake_session_test_util.h"
#include "store/sql/sql_session.h"

namespace loch::sink {
namespace {

namespace fs = std::filesystem;

// Parameter: true when the tables switch to deletion vectors after their first batch.
class CdcGeneratorTest : public sql::testing::LakeSessionTest, public ::testing::WithParamInterface<bool> {
 protected:
  CdcGeneratorTest() : LakeSessionTest("loch_cdc_generator_test") {}

  void exec(const std::string& sql) {
    Status status = session_->connection().execute(sql);
    ASSERT_TRUE(status.is_ok()) << sql.substr(0, 200) << ": " << status.to_string();
  }

  std::string text(const std::string& query) { return testing::first_text(*session_, query); }

  // The generator's customers topic, in produce order, as table `events`
  // (_offset, key, value) and decoded as Debezium rows in `all_changes`.
  int64_t generate_customer_events(int64_t count) {
    generate::ShopOptions options;
    options.seed = 7;
    options.customers = 40;
    options.late_fraction = 0;
    options.out_of_order_fraction = 0;
    options.duplicate_fraction = 0;
    options.customer_change_fraction = 0.9;
    generate::ShopGenerator generator(options);
    std::vector<generate::ShopEvent> events = generator.snapshot();
    while (static_cast<int64_t>(events.size()) < count) {
      generate::ShopEvent event = generator.next();
      if (event.kind == generate::ShopEvent::Kind::kCustomer) events.push_back(std::move(event));
    }
    std::string values;
    for (size_t i = 0; i < events.size(); ++i) {
      values += (i ? ", (" : "(") + std::to_string(i) + ", " + delta::sql_string_literal(*events[i].key) + ", " +
                (events[i].value ? delta::sql_string_literal(*events[i].value) : "NULL") + ")";
    }
    exec("CREATE TEMP TABLE events AS SELECT * FROM (VALUES " + values + ") AS e(_offset, key, value)");
    exec("CREATE TEMP TABLE all_changes AS SELECT "
         "CAST(json_extract_string(row, '$.id') AS BIGINT) AS id, json_extract_string(row, '$.email') AS email,"
         " json_extract_string(row, '$.tier') AS tier, json_extract_string(row, '$.city') AS city, _op, _lsn,"
         " _source_ts_ms, _offset, _key FROM (SELECT _offset::BIGINT AS _offset, CAST(key AS BLOB) AS _key,"
         " coalesce(json_extract_string(value, '$.op'), 't') AS _op,"
         " CAST(json_extract(value, '$.source.lsn') AS BIGINT) AS _lsn,"
         " CAST(json_extract(value, '$.source.ts_ms') AS BIGINT) AS _source_ts_ms,"
         " CASE WHEN json_extract_string(value, '$.op') = 'd' THEN json_extract(value, '$.before')"
         " ELSE json_extract(value, '$.after') END AS row FROM events)");
    return static_cast<int64_t>(events.size());
  }

  // Batch `first`..`last` of the changes, in a scrambled order.
  void batch(int64_t first, int64_t last) {
    exec("CREATE OR REPLACE TEMP TABLE batch AS SELECT * FROM all_changes WHERE _offset BETWEEN " +
         std::to_string(first) + " AND " + std::to_string(last) + " ORDER BY hash(_offset * 7919)");
  }

};

// Plain SQL: each customer's last event by LSN, kept unless it deletes.
constexpr const char* kReferenceScd1 =
    "SELECT coalesce(string_agg(concat_ws('|', id, email, tier, city), ' ' ORDER BY id), '') FROM ("
    " SELECT CAST(json_extract_string(key, '$.id') AS BIGINT) AS id, json_extract_string(value, '$.op') AS op,"
    "  json_extract_string(value, '$.after.email') AS email, json_extract_string(value, '$.after.tier') AS tier,"
    "  json_extract_string(value, '$.after.city') AS city FROM events WHERE value IS NOT NULL"
    "  QUALIFY CAST(json_extract(value, '$.source.lsn') AS BIGINT) = max(CAST(json_extract(value, '$.source.lsn') AS BIGINT))"
    "   OVER (PARTITION BY json_extract_string(key, '$.id'))) WHERE op <> 'd'";

// Plain SQL: every c/u/r event is a version, valid until the customer's next
// event (two changes in one millisecond are told apart by LSN).
constexpr const char* kReferenceScd2 =
    "SELECT coalesce(string_agg(concat_ws('|', id, email, tier, city, valid_from, coalesce(valid_to::VARCHAR, 'open'),"
    " is_current), ' ' ORDER BY id, valid_from, lsn), '') FROM ("
    " SELECT id, op, email, tier, city, lsn, ts AS valid_from, lead(ts) OVER w AS valid_to, lead(ts) OVER w IS NULL AS is_current"
    " FROM (SELECT CAST(json_extract_string(key, '$.id') AS BIGINT) AS id, json_extract_string(value, '$.op') AS op,"
    "  json_extract_string(value, '$.after.email') AS email, json_extract_string(value, '$.after.tier') AS tier,"
    "  json_extract_string(value, '$.after.city') AS city, CAST(json_extract(value, '$.source.ts_ms') AS BIGINT) AS ts,"
    "  CAST(json_extract(value, '$.source.lsn') AS BIGINT) AS lsn FROM events WHERE value IS NOT NULL)"
    " WINDOW w AS (PARTITION BY id ORDER BY lsn)) WHERE op <> 'd'";

constexpr const char* kTableScd1 =
    "SELECT coalesce(string_agg(concat_ws('|', id, email, tier, city), ' ' ORDER BY id), '') FROM silver.customers";
constexpr const char* kTableScd2 =
    "SELECT coalesce(string_agg(concat_ws('|', id, email, tier, city, epoch_ms(valid_from),"
    " coalesce(epoch_ms(valid_to)::VARCHAR, 'open'), is_current), ' ' ORDER BY id, valid_from, \"_lsn\"), '')"
    " FROM silver.customers_history";

TEST_P(CdcGeneratorTest, MicroBatchesOfGeneratedChangesMatchPlainSqlAndReplaysChangeNothing) {
  const int64_t count = generate_customer_events(400);
  ASSERT_GT(std::stoll(text("SELECT count(*)::VARCHAR FROM events WHERE value IS NULL")), 5);  // tombstones
  ASSERT_GT(std::stoll(text("SELECT count(*)::VARCHAR FROM events WHERE json_extract_string(value, '$.op') = 'u'")), 50);
  const fs::path scd1_root = session_->lake_dir() / "silver" / "customers";
  const fs::path scd2_root = session_->lake_dir() / "silver" / "customers_history";
  // Uneven batches, one of them a single event.
  const std::vector<int64_t> ends = {29, 30, 97, 180, 260, 333, count - 1};
  int64_t first = 0;
  for (int64_t end : ends) {
    batch(first, end);
    const std::vector<CdcTxnMark> marks = {{"p/shop.customers/0", end + 1}};
    auto merged = apply_scd1(session_->connection(), scd1_root, {"id"}, "batch", marks);
    ASSERT_TRUE(merged.is_ok()) << merged.status().to_string();
    auto history = apply_scd2(session_->connection(), scd2_root, {"id"}, "batch", marks);
    ASSERT_TRUE(history.is_ok()) << history.status().to_string();
    EXPECT_FALSE(merged->skipped);
    if (first == 0 && GetParam()) {
      // Later batches mark changed rows in deletion vectors instead of rewriting files.
      for (const char* table : {"silver.customers", "silver.customers_history"}) {
        ASSERT_EQ(text(std::string("ALTER TABLE ") + table +
                       " SET TBLPROPERTIES ('delta.enableDeletionVectors' = 'true')"), "<none>");
      }
    }
    first = end + 1;
  }
  if (GetParam()) {
    EXPECT_GT(std::stoll(text("SELECT count(*)::VARCHAR FROM read_json_objects(" +
                              delta::sql_string_literal((scd2_root / "_delta_log" / "*.json").string()) +
                              ") WHERE json_extract(json, '$.add.deletionVector') IS NOT NULL")),
              0);
  }
  const std::string scd1 = text(kTableScd1);
  const std::string scd2 = text(kTableScd2);
  EXPECT_EQ(scd1, text(kReferenceScd1));
  EXPECT_EQ(scd2, text(kReferenceScd2));
  // The history's current rows are the SCD1 table.
  EXPECT_EQ(text("SELECT coalesce(string_agg(concat_ws('|', id, email, tier, city), ' ' ORDER BY id), '') "
                 "FROM silver.customers_history WHERE is_current"),
            scd1);

  // Replay of the last batch under its mark: skipped. Replay of everything
  // as one batch without marks: no row changes.
  batch(ends[ends.size() - 2] + 1, count - 1);
  auto skipped = apply_scd1(session_->connection(), scd1_root, {"id"}, "batch", {{"p/shop.customers/0", count}});
  ASSERT_TRUE(skipped.is_ok());
  EXPECT_TRUE(skipped->skipped);
  batch(0, count - 1);
  auto merged = apply_scd1(session_->connection(), scd1_root, {"id"}, "batch", {});
  ASSERT_TRUE(merged.is_ok()) << merged.status().to_string();
  EXPECT_EQ(merged->upserted + merged->deleted, 0);
  auto history = apply_scd2(session_->connection(), scd2_root, {"id"}, "batch", {});
  ASSERT_TRUE(history.is_ok()) << history.status().to_string();
  EXPECT_EQ(history->versions_inserted + history->versions_closed, 0);
  EXPECT_EQ(text(kTableScd1), scd1);
  EXPECT_EQ(text(kTableScd2), scd2);
}

INSTANTIATE_TEST_SUITE_P(CopyOnWriteAndDeletionVectors, CdcGeneratorTest, ::testing::Bool());

}  // namespace
}  // namespace loch::sink
