#include "process/pipeline/watermark_tracker.h"

#include <gtest/gtest.h>

namespace loch::pipeline {
namespace {

const SourcePartition kP0{"clicks", 0};
const SourcePartition kP1{"clicks", 1};

TEST(WatermarkTracker, IsMaxEventTimeMinusAllowedLateness) {
  WatermarkTracker tracker({.allowed_lateness_ms = 100, .idle_timeout_ms = 0});
  EXPECT_EQ(tracker.watermark(), kNoTimestamp);
  EXPECT_TRUE(tracker.on_event(kP0, 1000, 0));
  EXPECT_EQ(tracker.watermark(), 900);
  EXPECT_FALSE(tracker.on_event(kP0, 950, 0));  // out of order: no move
  EXPECT_EQ(tracker.watermark(), 900);
  EXPECT_TRUE(tracker.on_event(kP0, 2000, 0));
  EXPECT_EQ(tracker.watermark(), 1900);
}

TEST(WatermarkTracker, SlowestPartitionHoldsTheWatermarkBack) {
  WatermarkTracker tracker({.allowed_lateness_ms = 0, .idle_timeout_ms = 0});
  tracker.add_partition(kP0, 0);
  tracker.add_partition(kP1, 0);
  tracker.on_event(kP0, 5000, 0);
  EXPECT_EQ(tracker.watermark(), kNoTimestamp);  // P1 has no event yet
  tracker.on_event(kP1, 1000, 0);
  EXPECT_EQ(tracker.watermark(), 1000);
  ASSERT_NE(tracker.slowest_partition(), nullptr);
  EXPECT_EQ(*tracker.slowest_partition(), kP1);
  tracker.on_event(kP1, 7000, 0);
  EXPECT_EQ(tracker.watermark(), 5000);
}

TEST(WatermarkTracker, IdlePartitionStopsHoldingBackAfterTheTimeout) {
  WatermarkTracker tracker({.allowed_lateness_ms = 0, .idle_timeout_ms = 1000});
  tracker.on_event(kP0, 100, 0);
  tracker.on_event(kP1, 5000, 0);
  EXPECT_EQ(tracker.watermark(), 100);
  EXPECT_FALSE(tracker.on_processing_time(1000));  // exactly the timeout: not idle yet
  tracker.on_event(kP1, 6000, 1500);               // P1 active, P0 silent for 1500 ms
  EXPECT_EQ(tracker.watermark(), 6000);
  // P0 comes back with an old event: the watermark does not go back.
  tracker.on_event(kP0, 200, 1600);
  EXPECT_EQ(tracker.watermark(), 6000);
}

TEST(WatermarkTracker, AllPartitionsIdleFollowsTheMostAdvancedOne) {
  WatermarkTracker tracker({.allowed_lateness_ms = 10, .idle_timeout_ms = 50});
  tracker.on_event(kP0, 100, 0);
  tracker.on_event(kP1, 300, 0);
  EXPECT_EQ(tracker.watermark(), 90);
  EXPECT_TRUE(tracker.on_processing_time(100));
  EXPECT_EQ(tracker.watermark(), 290);
}

TEST(WatermarkTracker, ZeroIdleTimeoutNeverReleases) {
  WatermarkTracker tracker({.allowed_lateness_ms = 0, .idle_timeout_ms = 0});
  tracker.on_event(kP0, 100, 0);
  tracker.on_event(kP1, 300, 0);
  EXPECT_FALSE(tracker.on_processing_time(1'000'000'000));
  EXPECT_EQ(tracker.watermark(), 100);
}

TEST(WatermarkTracker, SavedStateLoadsIntoAnEqualTracker) {
  WatermarkTracker tracker({.allowed_lateness_ms = 5, .idle_timeout_ms = 100});
  tracker.on_event(kP0, 100, 10);
  tracker.on_event({"orders", 3}, 400, 20);
  std::vector<std::pair<std::string, std::string>> entries;
  tracker.save(entries);
  WatermarkTracker loaded(tracker.options());
  for (const auto& [k, v] : entries) ASSERT_TRUE(loaded.load_entry(k, v).is_ok());
  EXPECT_EQ(loaded.watermark(), tracker.watermark());
  // Both release P0 at the same processing time.
  EXPECT_EQ(loaded.on_processing_time(115), tracker.on_processing_time(115));
  EXPECT_EQ(loaded.watermark(), 395);
  EXPECT_EQ(tracker.watermark(), 395);
}

TEST(WatermarkTracker, TruncatedStateIsCorruption) {
  WatermarkTracker tracker({});
  tracker.on_event(kP0, 100, 0);
  std::vector<std::pair<std::string, std::string>> entries;
  tracker.save(entries);
  WatermarkTracker loaded({});
  Status status = loaded.load_entry(entries[1].first, entries[1].second.substr(0, 5));
  EXPECT_EQ(status.code(), StatusCode::kCorruption) << status.to_string();
}

}  // namespace
}  // namespace loch::pipeline
