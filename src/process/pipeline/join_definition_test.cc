// options.join and emit: updates in pipeline definitions.
#include <gtest/gtest.h>

#include "process/pipeline/pipeline_definition.h"

namespace loch::pipeline {
namespace {

std::string orders_with(const std::string& options, const std::string& sink_extra = "") {
  return R"(source:
  topic: shop.orders
format:
  type: jsonl
  columns: {order_id: VARCHAR, customer_id: BIGINT, ordered_at: TIMESTAMPTZ}
sink:
  table: silver.orders_clicks
)" + sink_extra + "options:\n  event_time: ordered_at\n" + options;
}

Status parse_error(const std::string& yaml) {
  auto parsed = parse_pipeline(yaml, "pipelines/orders_clicks.yaml");
  return parsed.is_ok() ? Status::ok() : parsed.status();
}

TEST(JoinDefinitionTest, ParsesTheJoinWithItsDefaults) {
  auto parsed = parse_pipeline(orders_with(R"(  join:
    topic: shop.clicks
    left_key: customer_id
    right_key: customer_id
    within: [-10m, 0]
)"),
                               "pipelines/orders_clicks.yaml");
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().message();
  ASSERT_TRUE(parsed->options.join.has_value());
  const JoinDefinition& join = *parsed->options.join;
  EXPECT_EQ(join.topic, "shop.clicks");
  EXPECT_EQ(join.lower_ms, -600'000);
  EXPECT_EQ(join.upper_ms, 0);
  EXPECT_EQ(join.event_time_column, "ordered_at");  // the pipeline's
  EXPECT_EQ(join.prefix, "right_");
  EXPECT_EQ(join.format.columns, parsed->format.columns);  // the pipeline's format
}

TEST(JoinDefinitionTest, ParsesAnExplicitFormatEventTimeAndPrefix) {
  auto parsed = parse_pipeline(orders_with(R"(  join:
    topic: shop.clicks
    format: {type: jsonl, columns: {page: VARCHAR, customer_id: BIGINT, event_time: TIMESTAMPTZ}}
    event_time: event_time
    left_key: customer_id
    right_key: customer_id
    within: [-30s, 1m]
    prefix: click_
)"),
                               "pipelines/orders_clicks.yaml");
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().message();
  const JoinDefinition& join = *parsed->options.join;
  EXPECT_EQ(join.format.columns.size(), 3u);
  EXPECT_EQ(join.event_time_column, "event_time");
  EXPECT_EQ(join.lower_ms, -30'000);
  EXPECT_EQ(join.upper_ms, 60'000);
  EXPECT_EQ(join.prefix, "click_");
}

TEST(JoinDefinitionTest, RefusesBadJoins) {
  const std::string base = "  join:\n    topic: shop.clicks\n    left_key: customer_id\n    right_key: customer_id\n";
  struct Case {
    std::string options;
    std::string expected;
  };
  const Case cases[] = {
      {base + "    within: [0, -1m]\n", "options.join.within: lower bound 0 ms is after the upper bound -60000 ms"},
      {base + "    within: -1m\n", "options.join.within: expected [lower, upper]"},
      {base + "    within: [-1x, 0]\n", "options.join.within: '-1x' is not a duration"},
      {base + "    within: [-1m, 0]\n    side: left\n", "options.join.side: unknown key"},
      {"  join:\n    topic: shop.clicks\n    within: [-1m, 0]\n", "options.join.left_key: missing"},
      {base + "    within: [-1m, 0]\n    prefix: 'a b'\n", "options.join.prefix"},
      {"  join:\n    topic: shop.orders\n    left_key: a\n    right_key: b\n    within: [0, 0]\n",
       "options.join.topic: 'shop.orders' is also a source topic"},
      {base + "    within: [-1m, 0]\n  window: {type: tumbling, size: 1m}\n  aggregates: {n: count(*)}\n",
       "options.join: a join with a window is not built"},
  };
  for (const Case& c : cases) {
    Status status = parse_error(orders_with(c.options));
    EXPECT_NE(status.message().find(c.expected), std::string::npos) << c.options << "\n-> " << status.message();
  }
  // Without an event time there is no watermark to expire the join's state.
  std::string no_event_time = orders_with(base + "    within: [-1m, 0]\n");
  no_event_time.replace(no_event_time.find("  event_time: ordered_at\n"), 25, "");
  EXPECT_NE(parse_error(no_event_time).message().find("options.event_time: a join needs the event time column"),
            std::string::npos)
      << parse_error(no_event_time).message();
}

TEST(JoinDefinitionTest, EmitUpdatesIsRefusedIntoAnScd2Sink) {
  const std::string window = "  window: {type: tumbling, size: 1m}\n  aggregates: {n: count(*)}\n  emit: updates\n";
  auto parsed = parse_pipeline(orders_with(window), "pipelines/orders_clicks.yaml");
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().message();
  EXPECT_EQ(parsed->sink.compact_min_files, 0) << "the merge sink rewrites files itself";
  EXPECT_TRUE(parse_error(orders_with(window, "  mode: merge\n  merge_keys: [window_start]\n")).is_ok());
  Status refused = parse_error(orders_with(window, "  mode: scd2\n  merge_keys: [window_start]\n"));
  EXPECT_NE(refused.message().find("options.emit: updates are upserts of windows"), std::string::npos)
      << refused.message();
}

}  // namespace
}  // namespace loch::pipeline
