#include "process/pipeline/pipeline_definition.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <map>

namespace loch::pipeline {
namespace {
namespace fs = std::filesystem;

const char* kGoldRevenue = R"(# revenue per category per minute
source:
  topics: [orders]
  bootstrap.servers: broker-1:9092,broker-2:9092
  security.protocol: SASL_SSL
  sasl.mechanism: SCRAM-SHA-256
  max_batch_records: 5000
  max_batch_time: 500ms
format: jsonl
sink:
  table: gold.revenue_per_minute
  partition_by: window_start
  target_file_size: 64MB
trigger: 10s
options:
  event_time: ordered_at
  watermark_lateness: 30s
  idle_timeout: 2m
  window: {type: hopping, size: 1m, slide: 10s}
  group_by: [category]
  aggregates:
    revenue: sum(amount)
    orders: count(*)
    buyers: count_distinct(customer_id)
  emit: updates
  dedup: {key: order_id, ttl: 1h}
transform:
  sql: select category, amount, customer_id, order_id, ordered_at from batch
)";

Result<PipelineDefinition> parse(const std::string& text) {
  return parse_pipeline(text, "/project/pipelines/gold_revenue.yaml");
}

// The message of a definition that must be refused.
std::string error_of(const std::string& text) {
  auto result = parse(text);
  EXPECT_FALSE(result.is_ok()) << text;
  return result.is_ok() ? "" : result.status().message();
}

TEST(PipelineDefinition, FullDefinitionParses) {
  auto definition = parse(kGoldRevenue);
  ASSERT_TRUE(definition.is_ok()) << definition.status().to_string();
  EXPECT_EQ(definition->name, "gold_revenue");
  EXPECT_EQ(definition->source.topics, std::vector<std::string>{"orders"});
  EXPECT_EQ(definition->source.bootstrap_servers, "broker-1:9092,broker-2:9092");
  EXPECT_EQ(definition->source.properties.at("sasl.mechanism"), "SCRAM-SHA-256");
  EXPECT_EQ(definition->source.properties.size(), 2u);
  EXPECT_EQ(definition->source.max_batch_records, 5000);
  EXPECT_EQ(definition->source.max_batch_ms, 500);
  EXPECT_EQ(definition->format.type, RecordFormat::kJsonLines);
  EXPECT_EQ(definition->sink.zone, "gold");
  EXPECT_EQ(definition->sink.table, "revenue_per_minute");
  EXPECT_EQ(definition->sink.late_table, "gold.revenue_per_minute_late");
  EXPECT_EQ(definition->sink.target_file_size_bytes, 64LL << 20);
  EXPECT_EQ(definition->trigger.kind, TriggerDefinition::Kind::kInterval);
  EXPECT_EQ(definition->trigger.interval_ms, 10'000);
  EXPECT_EQ(definition->options.allowed_lateness_ms, 30'000);
  EXPECT_EQ(definition->options.idle_timeout_ms, 120'000);
  ASSERT_TRUE(definition->options.window.has_value());
  EXPECT_EQ(definition->options.window->slide_ms, 10'000);
  ASSERT_EQ(definition->options.aggregates.size(), 3u);
  EXPECT_EQ(definition->options.aggregates[2].kind, AggregateKind::kCountDistinct);
  EXPECT_EQ(definition->options.aggregates[2].input_column, "customer_id");
  EXPECT_EQ(definition->options.aggregates[1].kind, AggregateKind::kCountAll);
  EXPECT_EQ(definition->options.dedup_ttl_ms, 3'600'000);
  EXPECT_NE(definition->sql.find("from batch"), std::string::npos);

  auto spec = definition->event_time_spec();
  ASSERT_TRUE(spec.has_value());
  EXPECT_TRUE(spec->validate().is_ok());
  EXPECT_EQ(spec->describe(), "lateness=30000 dedup_ttl=3600000 hopping(60000,10000) sum count(*) count_distinct emit=updates");
}

TEST(PipelineDefinition, MinimalBronzeDefinitionTakesTheDefaults) {
  auto definition = parse("source: {topic: clicks}\nsink: {table: bronze.clicks}\n");
  ASSERT_TRUE(definition.is_ok()) << definition.status().to_string();
  EXPECT_TRUE(definition->source.bootstrap_servers.empty());  // the embedded broker
  EXPECT_EQ(definition->trigger.kind, TriggerDefinition::Kind::kInterval);
  EXPECT_EQ(definition->sink.mode, SinkDefinition::Mode::kAppend);
  EXPECT_FALSE(definition->event_time_spec().has_value());
}

TEST(PipelineDefinition, UnknownKeyIsNamedWithItsLine) {
  std::string text = kGoldRevenue;
  text.replace(text.find("  emit: updates"), 15, "  emitt: updates");
  std::string message = error_of(text);
  EXPECT_EQ(message.rfind("/project/pipelines/gold_revenue.yaml:25: options.emitt: unknown key (expected one of: ", 0), 0u)
      << message;
}

TEST(PipelineDefinition, BadValuesNameFileLineAndKey) {
  std::string text = kGoldRevenue;
  text.replace(text.find("watermark_lateness: 30s"), 23, "watermark_lateness: 30x");
  EXPECT_EQ(error_of(text),
            "/project/pipelines/gold_revenue.yaml:17: options.watermark_lateness: '30x': unknown unit 'x' "
            "(ms, s, m, h or d)");
  text = kGoldRevenue;
  text.replace(text.find("slide: 10s"), 10, "slide: 2m");
  EXPECT_NE(error_of(text).find(":19: options.window: hopping window: slide 120000 ms is longer"), std::string::npos);
  text = kGoldRevenue;
  text.replace(text.find("sum(amount)"), 11, "median(amount)");
  EXPECT_NE(error_of(text).find(":22: options.aggregates.revenue: unknown aggregation 'median'"), std::string::npos);
  text = kGoldRevenue;
  text.replace(text.find("gold.revenue_per_minute"), 23, "platinum.revenue");
  EXPECT_NE(error_of(text).find(":11: sink.table: zone 'platinum'"), std::string::npos);
}

TEST(PipelineDefinition, CompactMinFilesIsValidatedAndZeroTurnsCompactionOff) {
  auto defaults = parse("source: {topic: clicks}\nsink: {table: bronze.clicks}\n");
  ASSERT_TRUE(defaults.is_ok()) << defaults.status().to_string();
  EXPECT_EQ(defaults->sink.compact_min_files, 50);
  auto off = parse("source: {topic: clicks}\nsink: {table: bronze.clicks, compact_min_files: 0}\n");
  ASSERT_TRUE(off.is_ok()) << off.status().to_string();
  EXPECT_EQ(off->sink.compact_min_files, 0);
  auto eight = parse("source: {topic: clicks}\nsink: {table: bronze.clicks, compact_min_files: 8}\n");
  ASSERT_TRUE(eight.is_ok()) << eight.status().to_string();
  EXPECT_EQ(eight->sink.compact_min_files, 8);
  EXPECT_NE(error_of("source: {topic: a}\nsink:\n  table: bronze.a\n  compact_min_files: 1\n")
                .find(":4: sink.compact_min_files: at least 2"),
            std::string::npos);
  EXPECT_NE(error_of("source: {topic: a}\nsink:\n  table: bronze.a\n  compact_min_files: lots\n")
                .find(":4: sink.compact_min_files: expected a positive whole number, got 'lots'"),
            std::string::npos);
  EXPECT_NE(error_of("source: {topic: a}\nsink:\n  table: silver.a\n  mode: merge\n  merge_keys: [id]\n"
                     "  compact_min_files: 5\n")
                .find(":6: sink.compact_min_files: only for mode append"),
            std::string::npos);
}

TEST(PipelineDefinition, MaxFileAgeIsForAppendSinksWithoutEventTime) {
  auto defaults = parse("source: {topic: clicks}\nsink: {table: bronze.clicks}\n");
  ASSERT_TRUE(defaults.is_ok()) << defaults.status().to_string();
  EXPECT_EQ(defaults->sink.max_file_age_ms, 0) << "by default every micro-batch commits its files";
  auto minute = parse("source: {topic: clicks}\nsink: {table: bronze.clicks, max_file_age: 1m}\n");
  ASSERT_TRUE(minute.is_ok()) << minute.status().to_string();
  EXPECT_EQ(minute->sink.max_file_age_ms, 60'000);
  EXPECT_NE(error_of("source: {topic: a}\nsink:\n  table: bronze.a\n  max_file_age: soon\n")
                .find(":4: sink.max_file_age:"),
            std::string::npos);
  EXPECT_NE(error_of("source: {topic: a}\nsink:\n  table: silver.a\n  mode: merge\n  merge_keys: [id]\n"
                     "  max_file_age: 1m\n")
                .find(":6: sink.max_file_age: only for mode append"),
            std::string::npos);
  std::string message = error_of("source: {topic: a}\nsink:\n  table: silver.a\n  max_file_age: 1m\n"
                                 "options:\n  event_time: ts\n");
  EXPECT_NE(message.find(":4: sink.max_file_age: only for pipelines without event time"), std::string::npos) << message;
}

TEST(PipelineDefinition, ConsumerGroupSettingsAreRefused) {
  std::string message = error_of("source:\n  topic: a\n  group.id: mine\nsink: {table: bronze.a}\n");
  EXPECT_NE(message.find(":3: source.group.id: not allowed"), std::string::npos) << message;
}

TEST(PipelineDefinition, WindowsNeedEventTimeAndAggregates) {
  EXPECT_NE(error_of("source: {topic: a}\nsink: {table: gold.a}\noptions:\n  window: {type: tumbling, size: 1m}\n"
                     "  aggregates: {n: count(*)}\n")
                .find("options.event_time: windows and dedup need the event time column"),
            std::string::npos);
  EXPECT_NE(error_of("source: {topic: a}\nsink: {table: gold.a}\noptions:\n  event_time: t\n"
                     "  window: {type: session, gap: 30s, size: 1m}\n  aggregates: {n: count(*)}\n")
                .find("options.window.size: not used by a session window"),
            std::string::npos);
  EXPECT_NE(error_of("source: {topic: a}\nsink: {table: gold.a}\noptions:\n  event_time: t\n"
                     "  window: {type: tumbling, size: 1m}\n")
                .find("a window needs at least one aggregate"),
            std::string::npos);
}

TEST(PipelineDefinition, TriggersAndFormats) {
  auto now = parse("source: {topic: a}\nsink: {table: bronze.a}\ntrigger: available-now\n");
  ASSERT_TRUE(now.is_ok());
  EXPECT_EQ(now->trigger.kind, TriggerDefinition::Kind::kAvailableNow);
  auto continuous = parse("source: {topic: a}\nsink: {table: bronze.a}\ntrigger: continuous\nformat: debezium\n");
  ASSERT_TRUE(continuous.is_ok());
  EXPECT_EQ(continuous->trigger.kind, TriggerDefinition::Kind::kContinuous);
  EXPECT_EQ(continuous->format.type, RecordFormat::kDebezium);
  EXPECT_NE(error_of("source: {topic: a}\nsink: {table: bronze.a}\ntrigger: sometimes\n").find(":3: trigger:"),
            std::string::npos);
  EXPECT_NE(error_of("source: {topic: a}\nsink: {table: bronze.a}\nformat: {type: csv, header: false}\n")
                .find("csv needs its columns declared"),
            std::string::npos);
  EXPECT_NE(error_of("source: {topic: a}\nsink: {table: bronze.a}\nformat: {type: jsonl, registry: http://r}\n")
                .find("format.registry: only for avro, json and protobuf"),
            std::string::npos);
}

TEST(PipelineDefinition, YamlSyntaxErrorNamesTheLine) {
  std::string message = error_of("source:\n  topic: a\nsink: [unclosed\n");
  EXPECT_EQ(message.rfind("/project/pipelines/gold_revenue.yaml:", 0), 0u) << message;
}

TEST(PipelineDefinition, WrongKindOfNodeIsAnErrorNotACrash) {
  EXPECT_NE(error_of("source: [a, b]\nsink: {table: bronze.a}\n").find(":1: source: expected a mapping"),
            std::string::npos);
  EXPECT_NE(error_of("source: {topics: {a: b}}\nsink: {table: bronze.a}\n").find("source.topics"), std::string::npos);
  EXPECT_FALSE(parse("- just\n- a list\n").is_ok());
  EXPECT_FALSE(parse("").is_ok());
}

TEST(PipelineDefinition, ProjectLoadsEveryPipelineAndItsSqlFile) {
  char pattern[] = "/tmp/loch-pipelines-XXXXXX";
  fs::path project = mkdtemp(pattern);
  fs::create_directories(project / "pipelines");
  fs::create_directories(project / "sql");
  std::ofstream(project / "sql" / "clean.sql") << "select * from batch where amount > 0";
  std::ofstream(project / "pipelines" / "b.yaml")
      << "source: {topic: orders}\nsink: {table: silver.orders}\ntransform: {file: sql/clean.sql}\n";
  std::ofstream(project / "pipelines" / "a.yml") << "source: {topic: orders}\nsink: {table: bronze.orders}\n";
  std::ofstream(project / "pipelines" / "notes.txt") << "not a pipeline";
  auto pipelines = load_project_pipelines(project);
  ASSERT_TRUE(pipelines.is_ok()) << pipelines.status().to_string();
  ASSERT_EQ(pipelines->size(), 2u);
  EXPECT_EQ((*pipelines)[0].name, "a");
  EXPECT_EQ((*pipelines)[1].sql, "select * from batch where amount > 0");

  std::ofstream(project / "pipelines" / "c.yaml") << "name: a\nsource: {topic: x}\nsink: {table: bronze.x}\n";
  auto duplicate = load_project_pipelines(project);
  ASSERT_FALSE(duplicate.is_ok());
  EXPECT_NE(duplicate.status().message().find("pipeline name 'a' is also used by"), std::string::npos);

  std::ofstream(project / "pipelines" / "c.yaml") << "source: {topic: x}\nsink: {table: bronze.x}\ntransform: {file: sql/missing.sql}\n";
  auto missing = load_project_pipelines(project);
  ASSERT_FALSE(missing.is_ok());
  EXPECT_NE(missing.status().message().find("c.yaml:3: transform.file: cannot read"), std::string::npos)
      << missing.status().message();
  fs::remove_all(project);
}

TEST(Units, DurationsAndSizes) {
  EXPECT_EQ(*parse_duration_ms("250"), 250);
  EXPECT_EQ(*parse_duration_ms("250ms"), 250);
  EXPECT_EQ(*parse_duration_ms("1d"), 86'400'000);
  EXPECT_FALSE(parse_duration_ms("-5s").is_ok());
  EXPECT_FALSE(parse_duration_ms("s").is_ok());
  EXPECT_FALSE(parse_duration_ms("99999999999999999s").is_ok());
  EXPECT_EQ(*parse_size_bytes("1GiB"), 1LL << 30);
  EXPECT_FALSE(parse_size_bytes("0MB").is_ok());
  EXPECT_FALSE(parse_size_bytes("12 MB").is_ok());
}

}  // namespace
}  // namespace loch::pipeline

namespace loch::pipeline {
namespace {

// The example project's pipelines are valid (ctest runs in the source tree).
TEST(PipelineDefinition, StreamingFirstExampleLoads) {
  auto pipelines = load_project_pipelines("examples/streaming-first");
  ASSERT_TRUE(pipelines.is_ok()) << pipelines.status().to_string();
  ASSERT_EQ(pipelines->size(), 8u);
  std::map<std::string, const PipelineDefinition*> by_name;
  for (const auto& p : *pipelines) by_name[p.name] = &p;
  const PipelineDefinition& gold = *by_name.at("gold_revenue_per_minute");
  ASSERT_TRUE(gold.event_time_spec().has_value());
  EXPECT_TRUE(gold.event_time_spec()->validate().is_ok());
  EXPECT_EQ(gold.sink.late_table, "gold.revenue_per_minute_late");
  EXPECT_EQ(by_name.at("bronze_orders")->format.type, RecordFormat::kRaw);
  EXPECT_EQ(by_name.at("silver_customers_history")->sink.mode, SinkDefinition::Mode::kScd2);
  EXPECT_NE(by_name.at("silver_orders")->sql.find("order_date"), std::string::npos);
}

}  // namespace
}  // namespace loch::pipeline
