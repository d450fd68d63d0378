#include "collect/kafka/log/log_manager.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "collect/kafka/log/log_test_util.h"

namespace loch::kafka {
namespace {

using testing::batch_of;
using testing::TemporaryDirectory;
namespace fs = std::filesystem;

std::unique_ptr<LogManager> open_manager(const std::string& data_dir, LogConfig defaults = {}) {
  LogManagerOptions options;
  options.data_dir = data_dir;
  options.defaults = defaults;
  auto manager = LogManager::open(options);
  EXPECT_TRUE(manager.is_ok()) << manager.status().to_string();
  return manager.is_ok() ? std::move(manager).value() : nullptr;
}

TEST(LogManager, CreatedTopicsAndTheirDataAreThereAfterReopen) {
  TemporaryDirectory dir;
  {
    auto manager = open_manager(dir.path());
    ASSERT_TRUE(manager->create_topic("orders", 3, {{"retention.ms", "60000"}, {"cleanup.policy", "compact"}}).is_ok());
    ASSERT_TRUE(manager->create_topic("clicks", 1).is_ok());
    auto p2 = manager->partition("orders", PartitionId(2));
    ASSERT_NE(p2, nullptr);
    ASSERT_TRUE(p2->append(batch_of(4, 1)).is_ok());
    EXPECT_EQ(manager->partition("orders", PartitionId(3)), nullptr);
    EXPECT_EQ(manager->partition("nope", PartitionId(0)), nullptr);
  }
  EXPECT_TRUE(fs::is_directory(dir.path() + "/kafka/orders-0"));
  EXPECT_TRUE(fs::exists(dir.path() + "/kafka/orders.topic.json"));
  auto manager = open_manager(dir.path());
  auto topics = manager->list_topics();
  ASSERT_EQ(topics.size(), 2u);
  EXPECT_EQ(topics[0].name, "clicks");
  EXPECT_EQ(topics[1].name, "orders");
  EXPECT_EQ(topics[1].partitions, 3);
  EXPECT_EQ(topics[1].overrides.at("retention.ms"), "60000");
  EXPECT_EQ(topics[1].config.retention_ms, 60000);
  EXPECT_TRUE(topics[1].config.cleanup_compact);
  EXPECT_FALSE(topics[1].config.cleanup_delete);
  EXPECT_EQ(manager->partition("orders", PartitionId(2))->log_end_offset().value(), 4);
  EXPECT_EQ(manager->partition("orders", PartitionId(2))->config().retention_ms, 60000);
}

TEST(LogManager, BadNamesCountsAndConfigsAreRefused) {
  TemporaryDirectory dir;
  auto manager = open_manager(dir.path());
  EXPECT_EQ(manager->create_topic("", 1).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(manager->create_topic("..", 1).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(manager->create_topic("a/b", 1).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(manager->create_topic(std::string(250, 'x'), 1).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(manager->create_topic("t", 0).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(manager->create_topic("t", 1, {{"retention.ms", "soon"}}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(manager->create_topic("t", 1, {{"no.such.config", "1"}}).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(manager->create_topic("t", 1).is_ok());
  EXPECT_EQ(manager->create_topic("t", 1).code(), StatusCode::kAlreadyExists);
  EXPECT_TRUE(manager->list_topics().size() == 1);
}

TEST(LogManager, DeletedTopicsLeaveNoFilesAndCanBeCreatedAgain) {
  TemporaryDirectory dir;
  auto manager = open_manager(dir.path());
  ASSERT_TRUE(manager->create_topic("t", 2).is_ok());
  auto held = manager->partition("t", PartitionId(0));
  ASSERT_TRUE(held->append(batch_of(2, 1)).is_ok());
  ASSERT_TRUE(manager->delete_topic("t").is_ok());
  EXPECT_EQ(held->append(batch_of(1, 1)).status().code(), StatusCode::kAborted);
  EXPECT_EQ(manager->delete_topic("t").code(), StatusCode::kNotFound);
  EXPECT_TRUE(fs::is_empty(dir.path() + "/kafka"));
  ASSERT_TRUE(manager->create_topic("t", 1).is_ok());
  EXPECT_EQ(manager->partition("t", PartitionId(0))->log_end_offset().value(), 0);
}

TEST(LogManager, AnInterruptedDeletionIsFinishedOnOpen) {
  TemporaryDirectory dir;
  {
    auto manager = open_manager(dir.path());
    ASSERT_TRUE(manager->create_topic("t", 2).is_ok());
    ASSERT_TRUE(manager->create_topic("kept", 1).is_ok());
  }
  // The state right after delete_topic's first step.
  fs::rename(dir.path() + "/kafka/t.topic.json", dir.path() + "/kafka/t.topic.deleting");
  auto manager = open_manager(dir.path());
  EXPECT_FALSE(manager->describe_topic("t").has_value());
  EXPECT_TRUE(manager->describe_topic("kept").has_value());
  EXPECT_FALSE(fs::exists(dir.path() + "/kafka/t-0"));
  EXPECT_FALSE(fs::exists(dir.path() + "/kafka/t.topic.deleting"));
}

TEST(LogManager, PartitionDirectoriesWithoutATopicFileAreAdopted) {
  TemporaryDirectory dir;
  {
    auto manager = open_manager(dir.path());
    ASSERT_TRUE(manager->create_topic("my-topic", 2).is_ok());
    ASSERT_TRUE(manager->partition("my-topic", PartitionId(1))->append(batch_of(3, 1)).is_ok());
  }
  fs::remove(dir.path() + "/kafka/my-topic.topic.json");
  auto manager = open_manager(dir.path());
  auto topic = manager->describe_topic("my-topic");
  ASSERT_TRUE(topic.has_value());
  EXPECT_EQ(topic->partitions, 2);
  EXPECT_EQ(manager->partition("my-topic", PartitionId(1))->log_end_offset().value(), 3);
}

TEST(LogManager, PartitionsGrowAndConfigsChangeForEveryPartition) {
  TemporaryDirectory dir;
  auto manager = open_manager(dir.path());
  ASSERT_TRUE(manager->create_topic("t", 1, {{"retention.ms", "1000"}}).is_ok());
  EXPECT_EQ(manager->create_partitions("t", 1).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(manager->create_partitions("t", 3).is_ok());
  EXPECT_NE(manager->partition("t", PartitionId(2)), nullptr);
  ASSERT_TRUE(manager->update_topic_config("t", {{"max.message.bytes", "100"}}, {"retention.ms"}).is_ok());
  auto topic = manager->describe_topic("t");
  EXPECT_EQ(topic->overrides.size(), 1u);
  EXPECT_EQ(topic->config.retention_ms, LogConfig{}.retention_ms);
  EXPECT_EQ(manager->partition("t", PartitionId(1))->config().max_message_bytes, 100);
  EXPECT_EQ(manager->partition("t", PartitionId(1))->append(batch_of(10, 1)).status().code(),
            StatusCode::kInvalidArgument);
  ASSERT_TRUE(manager->replace_topic_config("t", {}).is_ok());
  EXPECT_TRUE(manager->describe_topic("t")->overrides.empty());
  EXPECT_EQ(manager->update_topic_config("t", {{"segment.bytes", "1"}}, {}).code(), StatusCode::kInvalidArgument);
}

TEST(LogManager, MaintenanceAppliesRetentionToEveryTopic) {
  TemporaryDirectory dir;
  auto manager = open_manager(dir.path());
  std::string batch = batch_of(10, 0);  // timestamp 0: long expired
  ASSERT_TRUE(manager->create_topic("old", 1, {{"segment.bytes", std::to_string(batch.size() * 2)},
                                               {"retention.ms", "1000"}}).is_ok());
  ASSERT_TRUE(manager->create_topic("forever", 1, {{"retention.ms", "-1"}}).is_ok());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(manager->partition("old", PartitionId(0))->append(batch).is_ok());
    ASSERT_TRUE(manager->partition("forever", PartitionId(0))->append(batch).is_ok());
  }
  MaintenanceReport report = manager->run_maintenance();
  EXPECT_TRUE(report.errors.empty());
  EXPECT_EQ(report.segments_deleted, 3);
  EXPECT_EQ(manager->partition("old", PartitionId(0))->log_start_offset().value(), 50);
  EXPECT_EQ(manager->partition("forever", PartitionId(0))->log_start_offset().value(), 0);
}

}  // namespace
}  // namespace loch::kafka
