#include "collect/kafka/log/log_config.h"

#include <gtest/gtest.h>

namespace loch::kafka {
namespace {

TEST(LogConfig, KafkaNamesSetTheirSettings) {
  LogConfig config;
  ASSERT_TRUE(config.set("segment.bytes", "1048576").is_ok());
  ASSERT_TRUE(config.set("retention.ms", "-1").is_ok());
  ASSERT_TRUE(config.set("retention.bytes", "5000").is_ok());
  ASSERT_TRUE(config.set("cleanup.policy", "compact, delete").is_ok());
  ASSERT_TRUE(config.set("loch.flush.policy", "interval").is_ok());
  EXPECT_EQ(config.segment_bytes, 1048576);
  EXPECT_EQ(config.retention_ms, LogConfig::kForever);
  EXPECT_EQ(config.retention_bytes, 5000);
  EXPECT_TRUE(config.cleanup_compact && config.cleanup_delete);
  EXPECT_EQ(config.flush_policy, FlushPolicy::kInterval);
  EXPECT_EQ(config.to_map().at("cleanup.policy"), "compact,delete");
}

TEST(LogConfig, BadValuesUnknownNamesAndUnsupportedSettingsAreTold) {
  LogConfig config;
  EXPECT_EQ(config.set("segment.bytes", "10").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(config.set("retention.ms", "12x").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(config.set("cleanup.policy", "forever").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(config.set("retention.mss", "1").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(config.set("min.compaction.lag.ms", "1").code(), StatusCode::kNotSupported);
  EXPECT_EQ(config.segment_bytes, LogConfig{}.segment_bytes);
}

TEST(LogConfig, EverySettingShownCanBeSetBack) {
  LogConfig config;
  for (const auto& [name, value] : config.to_map()) EXPECT_TRUE(config.set(name, value).is_ok()) << name;
}

TEST(LogConfig, BatchesLargerThanMaxMessageBytesAreTooLarge) {
  EXPECT_TRUE(check_batch_size(100, 100).is_ok());
  EXPECT_EQ(check_batch_size(101, 100).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace loch::kafka
