#include "process/runner/window_upserts.h"

#include <gtest/gtest.h>

#include "process/runner/staging_tables.h"
#include "store/sql/database.h"

namespace loch::runner {
namespace {

using pipeline::WindowResult;

pipeline::PipelineDefinition sessions_by_category(pipeline::EmitMode emit) {
  pipeline::PipelineDefinition definition;
  definition.file = "pipelines/gold_sessions.yaml";
  definition.options.event_time_column = "ordered_at";
  definition.options.window = pipeline::WindowSpec::session(30'000);
  definition.options.group_by = {"category"};
  definition.options.aggregates = {{"orders", pipeline::AggregateKind::kCountAll, ""},
                                   {"revenue", pipeline::AggregateKind::kSum, "amount"}};
  definition.options.emit = emit;
  return definition;
}

class WindowUpsertsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_ = std::move(sql::Database::open(":memory:")).value();
    connection_ = std::make_unique<sql::Connection>(std::move(database_->connect()).value());
  }

  std::string text(const std::string& query) {
    auto result = connection_->query(query);
    EXPECT_TRUE(result.is_ok()) << query << ": " << result.status().to_string();
    if (!result.is_ok()) return "<error>";
    auto chunk = result->next_chunk();
    if (!chunk.is_ok() || !*chunk || (*chunk)->size() == 0) return "<none>";
    return (*chunk)->column(0).is_valid(0) ? std::string((*chunk)->column(0).string_at(0)) : "<null>";
  }

  std::unique_ptr<sql::Database> database_;
  std::unique_ptr<sql::Connection> connection_;
};

TEST_F(WindowUpsertsTest, UpdatesAreStagedWithTheirOpAndRetractionsWithoutValues) {
  const auto definition = sessions_by_category(pipeline::EmitMode::kUpdates);
  std::vector<WindowResult> results = {
      {WindowResult::Kind::kRetract, "books", {60'000, 95'000}, {}},
      {WindowResult::Kind::kFinal, "games", {0, 40'000}, {{3, false}, {30.5, false}}},
      {WindowResult::Kind::kUpdate, "books", {50'000, 95'000}, {{2, false}, {0, true}}},
  };
  ASSERT_TRUE(stage_window_results(*connection_, definition, results).is_ok());
  ASSERT_TRUE(create_batch_views(*connection_, false, true).is_ok());  // the windows only
  EXPECT_EQ(text("SELECT string_agg(concat_ws('|', category, _op, coalesce(orders::VARCHAR, '-'), coalesce(revenue::VARCHAR, "
                 "'-'), epoch_ms(window_start), epoch_ms(window_end)), ' ' ORDER BY category, window_start) FROM batch"),
            "books|u|2|-|50000|95000 books|d|-|-|60000|95000 games|u|3|30.5|0|40000");

  // The merge sink's input: the transform's rows with _lsn, keyed by group and window start.
  EXPECT_EQ(window_upsert_keys(definition), (std::vector<std::string>{"category", "window_start"}));
  EXPECT_EQ(text("SELECT string_agg(DISTINCT _lsn::VARCHAR, ',') FROM (" +
                 window_upsert_input("SELECT * FROM batch WHERE category = 'books'", 7) + ")"),
            "7");
  auto merge_keys = definition;
  merge_keys.sink.merge_keys = {"category", "window_end"};
  EXPECT_EQ(window_upsert_keys(merge_keys), merge_keys.sink.merge_keys);
}

TEST_F(WindowUpsertsTest, EmitFinalStagesNoOpColumnAndRefusesUpdates) {
  const auto definition = sessions_by_category(pipeline::EmitMode::kFinal);
  std::vector<WindowResult> finals = {{WindowResult::Kind::kFinal, "games", {0, 40'000}, {{3, false}, {30.5, false}}}};
  ASSERT_TRUE(stage_window_results(*connection_, definition, finals).is_ok());
  EXPECT_EQ(text("SELECT count(*)::VARCHAR FROM information_schema.columns WHERE table_name = 'window_results' AND "
                 "column_name = '_op'"),
            "0");
  std::vector<WindowResult> update = {{WindowResult::Kind::kUpdate, "games", {0, 40'000}, {{3, false}, {30.5, false}}}};
  EXPECT_EQ(stage_window_results(*connection_, definition, update).code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace loch::runner
