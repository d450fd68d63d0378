#include "process/host/pipeline_host.h"

#include <gtest/gtest.h>

#include "process/host/input_rate.h"

namespace loch::host {
namespace {

TEST(InputRateTest, CountsTheBatchesOfTheWindow) {
  InputRate rate(10'000);
  rate.reset(0);
  rate.add(2'000, 500);
  rate.add(4'000, 1'500);
  // 2000 records in the 5 s since the start.
  EXPECT_DOUBLE_EQ(rate.per_second(5'000), 400.0);
  // 20 s later only the window's batches count, over the whole window.
  rate.add(20'000, 1'000);
  EXPECT_DOUBLE_EQ(rate.per_second(20'000), 100.0);
  EXPECT_DOUBLE_EQ(rate.per_second(40'000), 0.0);
}

TEST(InputRateTest, AFirstBatchIsNotDividedByMilliseconds) {
  InputRate rate;
  rate.reset(0);
  rate.add(10, 300);
  EXPECT_DOUBLE_EQ(rate.per_second(10), 300.0);
}

TEST(PipelineStatusTest, BatchReportsAddUpAndGiveTheLag) {
  PipelineStatus status;
  runner::BatchReport report;
  report.records = 100;
  report.rows = 90;
  report.late = 3;
  report.duplicates = 2;
  report.poison = 5;
  report.version = 7;
  report.duration_ms = 40;
  report.watermark_ms = 1'700'000'000'000;
  report.next_offsets = {{{"orders", 0}, 60}, {{"orders", 1}, 40}};
  report.high_watermarks = {{{"orders", 0}, 100}, {{"orders", 1}, 40}};
  apply_batch_report(status, report, 123);
  report.version = 8;
  report.watermark_ms = pipeline::kNoTimestamp;  // no event time in this batch: keep the last
  apply_batch_report(status, report, 456);
  EXPECT_EQ(status.batches, 2);
  EXPECT_EQ(status.records, 200);
  EXPECT_EQ(status.rows, 180);
  EXPECT_EQ(status.late, 6);
  EXPECT_EQ(status.duplicates, 4);
  EXPECT_EQ(status.poison, 10);
  EXPECT_EQ(status.version, 8);
  EXPECT_EQ(status.last_batch_duration_ms, 40);
  EXPECT_EQ(status.last_batch_at_ms, 456);
  EXPECT_EQ(status.watermark_ms, 1'700'000'000'000);
  ASSERT_EQ(status.partitions.size(), 2u);
  EXPECT_EQ(status.partitions[0].lag(), 40);
  EXPECT_EQ(status.partitions[1].lag(), 0);
  EXPECT_EQ(status.total_lag(), 40);
}

pipeline::PipelineDefinition definition(const std::string& name, bool autostart) {
  pipeline::PipelineDefinition d;
  d.name = name;
  d.source.topics = {"orders"};
  d.sink.zone = "bronze";
  d.sink.table = name;
  d.autostart = autostart;
  return d;
}

TEST(PipelineHostTest, UnknownNamesAreNotFoundAndNewPipelinesAreStopped) {
  PipelineHost host({definition("a", true), definition("b", false)}, {});
  auto all = host.status();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "a");
  EXPECT_EQ(all[0].state, PipelineState::kStopped);
  EXPECT_EQ(all[0].topics, "orders");
  EXPECT_EQ(all[1].sink, "bronze.b");
  EXPECT_EQ(host.start("nope").code(), StatusCode::kNotFound);
  EXPECT_EQ(host.stop("nope").code(), StatusCode::kNotFound);
  EXPECT_EQ(host.status("nope").status().code(), StatusCode::kNotFound);
  // Stopping a stopped pipeline changes nothing.
  EXPECT_TRUE(host.stop("a").is_ok());
  EXPECT_EQ(host.status("a")->state, PipelineState::kStopped);
}

}  // namespace
}  // namespace loch::host

#include "process/host/backfill_progress.h"

namespace loch::host {
namespace {

TEST(BackfillProgressTest, CountsByOffsetsWithinTheRange) {
  BackfillProgress progress("silver_orders", {{{"o", 0}, 100}, {{"o", 1}, 0}}, {{{"o", 0}, 400}, {{"o", 1}, 100}});
  EXPECT_EQ(progress.total(), 400);
  // Partition 1 read past the range's end counts only up to it.
  runner::Offsets next{{{"o", 0}, 200}, {{"o", 1}, 150}};
  EXPECT_EQ(progress.done(next), 200);
  EXPECT_FALSE(progress.finished(next));
  EXPECT_EQ(progress.line(next, 2000), "backfill silver_orders: 200/400 records (50.0%), 100 records/s, ETA 2.0 s");
  runner::Offsets end{{{"o", 0}, 400}, {{"o", 1}, 100}};
  EXPECT_TRUE(progress.finished(end));
  EXPECT_EQ(progress.line(end, 4000), "backfill silver_orders: 400/400 records (100.0%), 100 records/s, done");
}

TEST(BackfillProgressTest, AnEmptyRangeIsDone) {
  BackfillProgress progress("p", {{{"o", 0}, 5}}, {{{"o", 0}, 5}});
  EXPECT_EQ(progress.total(), 0);
  EXPECT_TRUE(progress.finished({{{"o", 0}, 5}}));
  EXPECT_EQ(progress.line({{{"o", 0}, 5}}, 0), "backfill p: 0/0 records (100.0%), 0 records/s, done");
}

}  // namespace
}  // namespace loch::host

namespace loch::host {
namespace {

TEST(AutostartTest, DefinitionsStartUnlessTheySayNot) {
  const std::string base = "source: {topic: orders}\nsink: {table: bronze.orders}\n";
  auto started = pipeline::parse_pipeline(base, "p/pipelines/a.yaml");
  ASSERT_TRUE(started.is_ok()) << started.status().message();
  EXPECT_TRUE(started->autostart);
  auto held = pipeline::parse_pipeline(base + "autostart: false\n", "p/pipelines/a.yaml");
  ASSERT_TRUE(held.is_ok()) << held.status().message();
  EXPECT_FALSE(held->autostart);
  auto bad = pipeline::parse_pipeline(base + "autostart: later\n", "p/pipelines/a.yaml");
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("autostart: expected true or false, got 'later'"), std::string::npos)
      << bad.status().message();
}

}  // namespace
}  // namespace loch::host
