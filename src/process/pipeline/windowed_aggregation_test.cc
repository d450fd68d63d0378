#include "process/pipeline/windowed_aggregation.h"

#include <gtest/gtest.h>

namespace loch::pipeline {
namespace {

Event event(std::string key, TimestampMs t, double amount) {
  Event e;
  e.source = {"orders", 0};
  e.event_time_ms = t;
  e.key = std::move(key);
  e.inputs = {AggregateInput{amount, stable_hash(std::to_string(amount)), false}};
  return e;
}

WindowedAggregationSpec spec(WindowSpec window, AggregateKind kind, EmitMode emit = EmitMode::kFinal) {
  return {window, {kind}, emit};
}

TEST(WindowSpec, HopLongerThanTheWindowIsRefused) {
  EXPECT_FALSE(WindowSpec::hopping(1000, 2000).validate().is_ok());
  EXPECT_FALSE(WindowSpec::tumbling(0).validate().is_ok());
  EXPECT_FALSE(WindowSpec::session(-1).validate().is_ok());
  EXPECT_TRUE(WindowSpec::hopping(1000, 250).validate().is_ok());
}

TEST(WindowAssignment, HoppingWindowsHoldEachEventSizeOverSlideTimes) {
  std::vector<WindowBounds> seen;
  for_each_fixed_window(WindowSpec::hopping(1000, 250), 1100, [&](WindowBounds b) { seen.push_back(b); });
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0], (WindowBounds{1000, 2000}));
  EXPECT_EQ(seen[3], (WindowBounds{250, 1250}));
}

TEST(WindowAssignment, NegativeEventTimesFloorToTheirWindow) {
  std::vector<WindowBounds> seen;
  for_each_fixed_window(WindowSpec::tumbling(1000), -1, [&](WindowBounds b) { seen.push_back(b); });
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], (WindowBounds{-1000, 0}));
}

TEST(WindowedAggregation, TumblingWindowEmitsItsSumOnceTheWatermarkPassesItsEnd) {
  WindowedAggregation agg(spec(WindowSpec::tumbling(1000), AggregateKind::kSum));
  agg.add(event("books", 100, 5));
  agg.add(event("books", 999, 7));
  agg.add(event("books", 1000, 100));
  agg.on_watermark(999);
  EXPECT_TRUE(agg.take_results().empty());
  agg.on_watermark(1000);
  auto results = agg.take_results();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].kind, WindowResult::Kind::kFinal);
  EXPECT_EQ(results[0].bounds, (WindowBounds{0, 1000}));
  EXPECT_EQ(results[0].values[0].number, 12);
  EXPECT_EQ(agg.open_windows(), 1u);
}

TEST(WindowedAggregation, EveryAggregationOverOneWindow) {
  WindowedAggregationSpec s{WindowSpec::tumbling(1000),
                            {AggregateKind::kCountAll, AggregateKind::kCount, AggregateKind::kSum,
                             AggregateKind::kMin, AggregateKind::kMax, AggregateKind::kAvg,
                             AggregateKind::kCountDistinct},
                            EmitMode::kFinal};
  WindowedAggregation agg(s);
  for (double v : {4.0, 2.0, 4.0, 10.0}) {
    Event e = event("k", 10, v);
    e.inputs.assign(7, e.inputs[0]);
    agg.add(e);
  }
  Event null_event = event("k", 20, 0);
  null_event.inputs.assign(7, AggregateInput{0, 0, true});
  agg.add(null_event);
  agg.on_watermark(5000);
  auto results = agg.take_results();
  ASSERT_EQ(results.size(), 1u);
  const auto& v = results[0].values;
  EXPECT_EQ(v[0].number, 5);   // count(*) counts the null
  EXPECT_EQ(v[1].number, 4);   // count does not
  EXPECT_EQ(v[2].number, 20);
  EXPECT_EQ(v[3].number, 2);
  EXPECT_EQ(v[4].number, 10);
  EXPECT_EQ(v[5].number, 5);
  EXPECT_EQ(v[6].number, 3);   // 4, 2, 10
}

TEST(WindowedAggregation, AllNullInputsGiveNullMinMaxAvgSum) {
  WindowedAggregation agg(spec(WindowSpec::tumbling(1000), AggregateKind::kMin));
  Event e = event("k", 10, 0);
  e.inputs[0].is_null = true;
  agg.add(e);
  agg.on_watermark(1000);
  auto results = agg.take_results();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_TRUE(results[0].values[0].is_null);
}

TEST(WindowedAggregation, HoppingWindowsCountEachEventInEveryWindowHoldingIt) {
  WindowedAggregation agg(spec(WindowSpec::hopping(1000, 500), AggregateKind::kCountAll));
  agg.add(event("k", 700, 1));
  agg.on_watermark(10'000);
  auto results = agg.take_results();
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].bounds, (WindowBounds{0, 1000}));
  EXPECT_EQ(results[1].bounds, (WindowBounds{500, 1500}));
}

TEST(WindowedAggregation, SessionWindowsMergeWhenAnEventBridgesTheGap) {
  WindowedAggregation agg(spec(WindowSpec::session(100), AggregateKind::kCountAll));
  agg.add(event("u1", 0, 1));
  agg.add(event("u1", 150, 1));  // separate: 150 >= 0 + 100
  EXPECT_EQ(agg.open_windows(), 2u);
  agg.add(event("u1", 80, 1));   // bridges [0,100) and [150,250)
  EXPECT_EQ(agg.open_windows(), 1u);
  agg.add(event("u2", 90, 1));   // other key: own session
  agg.on_watermark(1000);
  auto results = agg.take_results();
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].key, "u2");
  EXPECT_EQ(results[0].bounds, (WindowBounds{90, 190}));
  EXPECT_EQ(results[1].key, "u1");
  EXPECT_EQ(results[1].bounds, (WindowBounds{0, 250}));
  EXPECT_EQ(results[1].values[0].number, 3);
}

TEST(WindowedAggregation, SessionExtendedBackwardsRetractsTheEmittedUpdate) {
  WindowedAggregation agg(spec(WindowSpec::session(100), AggregateKind::kCountAll, EmitMode::kUpdates));
  agg.add(event("u1", 500, 1));
  agg.emit_updates();
  auto first = agg.take_results();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].kind, WindowResult::Kind::kUpdate);
  agg.add(event("u1", 450, 1));  // the session now starts at 450
  agg.emit_updates();
  auto second = agg.take_results();
  ASSERT_EQ(second.size(), 2u);
  EXPECT_EQ(second[0].kind, WindowResult::Kind::kRetract);
  EXPECT_EQ(second[0].bounds, (WindowBounds{500, 600}));
  EXPECT_EQ(second[1].kind, WindowResult::Kind::kUpdate);
  EXPECT_EQ(second[1].bounds, (WindowBounds{450, 600}));
  EXPECT_EQ(second[1].values[0].number, 2);
}

TEST(WindowedAggregation, UpdatesModeEmitsChangedWindowsThenTheFinalValue) {
  WindowedAggregation agg(spec(WindowSpec::tumbling(1000), AggregateKind::kCountAll, EmitMode::kUpdates));
  agg.add(event("a", 1, 1));
  agg.add(event("b", 1, 1));
  agg.emit_updates();
  EXPECT_EQ(agg.take_results().size(), 2u);
  agg.emit_updates();  // nothing changed
  EXPECT_TRUE(agg.take_results().empty());
  agg.add(event("a", 2, 1));
  agg.emit_updates();
  auto updates = agg.take_results();
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].values[0].number, 2);
  agg.on_watermark(1000);
  auto finals = agg.take_results();
  ASSERT_EQ(finals.size(), 2u);
  EXPECT_EQ(finals[0].kind, WindowResult::Kind::kFinal);
}

TEST(WindowedAggregation, SavedStateRestoresTheSameResults) {
  WindowedAggregationSpec s{WindowSpec::session(100), {AggregateKind::kSum, AggregateKind::kCountDistinct},
                            EmitMode::kFinal};
  WindowedAggregation agg(s);
  for (int i = 0; i < 50; ++i) {
    Event e = event("k" + std::to_string(i % 3), i * 37, i);
    e.inputs.push_back(AggregateInput{0, static_cast<uint64_t>(i % 4), false});
    agg.add(e);
  }
  std::vector<std::pair<std::string, std::string>> entries;
  agg.save(entries);
  WindowedAggregation loaded(s);
  for (const auto& [k, v] : entries) ASSERT_TRUE(loaded.load_entry(k, v).is_ok());
  agg.on_watermark(100'000);
  loaded.on_watermark(100'000);
  auto a = agg.take_results();
  auto b = loaded.take_results();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].key, b[i].key);
    EXPECT_EQ(a[i].bounds, b[i].bounds);
    EXPECT_EQ(a[i].values[0].number, b[i].values[0].number);
    EXPECT_EQ(a[i].values[1].number, b[i].values[1].number);
  }
}

TEST(WindowedAggregation, StateWithTrailingBytesIsCorruption) {
  WindowedAggregation agg(spec(WindowSpec::tumbling(1000), AggregateKind::kSum));
  agg.add(event("k", 1, 1));
  std::vector<std::pair<std::string, std::string>> entries;
  agg.save(entries);
  WindowedAggregation loaded(agg.spec());
  Status status = loaded.load_entry(entries[0].first, entries[0].second + "x");
  EXPECT_EQ(status.code(), StatusCode::kCorruption) << status.to_string();
  status = loaded.load_entry(entries[0].first, entries[0].second.substr(0, 20));
  EXPECT_EQ(status.code(), StatusCode::kCorruption) << status.to_string();
}

}  // namespace
}  // namespace loch::pipeline
