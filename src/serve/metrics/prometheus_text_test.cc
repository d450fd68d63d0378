#include "serve/metrics/prometheus_text.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "serve/metrics/pipeline_metrics.h"

namespace loch::metrics {
namespace {

TEST(PrometheusTextTest, FamiliesSamplesAndEscaping) {
  PrometheusText page;
  page.family("loch_x_total", "counter", "Things\\counted\nhere.");
  page.sample("loch_x_total", {{"pipeline", "a\"b\\c\nd"}, {"partition", "0"}}, 42);
  page.sample("loch_x_total", {}, 0.25);
  EXPECT_EQ(page.text(),
            "# HELP loch_x_total Things\\\\counted\\nhere.\n"
            "# TYPE loch_x_total counter\n"
            "loch_x_total{pipeline=\"a\\\"b\\\\c\\nd\",partition=\"0\"} 42\n"
            "loch_x_total 0.25\n");
}

TEST(PrometheusTextTest, Values) {
  EXPECT_EQ(format_sample_value(1'700'000'000'123.0), "1700000000123");
  EXPECT_EQ(format_sample_value(-3), "-3");
  EXPECT_EQ(format_sample_value(1.5), "1.5");
  EXPECT_EQ(format_sample_value(std::nan("")), "NaN");
  EXPECT_EQ(format_sample_value(std::numeric_limits<double>::infinity()), "+Inf");
}

TEST(PipelineMetricsTest, OneSeriesPerPipelineAndLagPerPartition) {
  host::PipelineStatus running;
  running.name = "silver_orders";
  running.state = host::PipelineState::kRunning;
  running.batches = 3;
  running.records = 1500;
  running.late = 7;
  running.poison = 2;
  running.version = 4;
  running.input_rate = 250.5;
  running.last_batch_duration_ms = 120;
  running.watermark_ms = 1'767'225'604'500;
  running.partitions = {{{"shop.orders", 0}, 90, 100}, {{"shop.orders", 1}, 50, 50}};
  host::PipelineStatus fresh;
  fresh.name = "gold";
  std::string text = pipeline_metrics_text({running, fresh});
  auto has = [&](const std::string& line) { return text.find(line + "\n") != std::string::npos; };
  EXPECT_TRUE(has("loch_pipeline_state{pipeline=\"silver_orders\",state=\"running\"} 1"));
  EXPECT_TRUE(has("loch_pipeline_state{pipeline=\"gold\",state=\"stopped\"} 1"));
  EXPECT_TRUE(has("loch_pipeline_state{pipeline=\"gold\",state=\"running\"} 0"));
  EXPECT_TRUE(has("loch_pipeline_batches_total{pipeline=\"silver_orders\"} 3"));
  EXPECT_TRUE(has("loch_pipeline_records_total{pipeline=\"silver_orders\"} 1500"));
  EXPECT_TRUE(has("loch_pipeline_late_records_total{pipeline=\"silver_orders\"} 7"));
  EXPECT_TRUE(has("loch_pipeline_dlq_records_total{pipeline=\"silver_orders\"} 2"));
  EXPECT_TRUE(has("loch_pipeline_input_records_per_second{pipeline=\"silver_orders\"} 250.5"));
  EXPECT_TRUE(has("loch_pipeline_last_batch_duration_seconds{pipeline=\"silver_orders\"} 0.12"));
  EXPECT_TRUE(has("loch_pipeline_watermark_seconds{pipeline=\"silver_orders\"} 1767225604.5"));
  EXPECT_TRUE(has("loch_pipeline_committed_version{pipeline=\"silver_orders\"} 4"));
  EXPECT_TRUE(has("loch_pipeline_lag_records{pipeline=\"silver_orders\",topic=\"shop.orders\",partition=\"0\"} 10"));
  EXPECT_TRUE(has("loch_pipeline_lag_records{pipeline=\"silver_orders\",topic=\"shop.orders\",partition=\"1\"} 0"));
  // A pipeline with no batch yet has no version, watermark or duration sample.
  EXPECT_EQ(text.find("loch_pipeline_committed_version{pipeline=\"gold\"}"), std::string::npos);
  EXPECT_EQ(text.find("loch_pipeline_watermark_seconds{pipeline=\"gold\"}"), std::string::npos);
  EXPECT_EQ(text.find("loch_pipeline_last_batch_duration_seconds{pipeline=\"gold\"}"), std::string::npos);
  // Every family is declared once, before its samples.
  EXPECT_EQ(text.find("# TYPE loch_pipeline_records_total counter\n"),
            text.find("# TYPE loch_pipeline_records_total"));
  EXPECT_LT(text.find("# TYPE loch_pipeline_lag_records gauge"), text.find("loch_pipeline_lag_records{"));
}

}  // namespace
}  // namespace loch::metrics
