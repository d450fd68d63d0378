#include "collect/kafka/broker/consumer_offsets_store.h"

#include <gtest/gtest.h>

#include "collect/kafka/groups/consumer_offsets_records.h"
#include "collect/kafka/groups/group_coordinator.h"
#include "collect/kafka/log/log_test_util.h"

namespace loch::kafka {
namespace {

using groups::OffsetsRecord;

std::unique_ptr<LogManager> open_logs(const std::string& dir) {
  LogManagerOptions options;
  options.data_dir = dir;
  auto logs = LogManager::open(options);
  EXPECT_TRUE(logs.is_ok()) << logs.status().to_string();
  return std::move(logs).value();
}

OffsetsRecord commit_record(const std::string& group, const std::string& topic, int32_t partition, int64_t offset) {
  groups::OffsetAndMetadata value;
  value.offset = Offset(offset);
  value.commit_timestamp_ms = 1'700'000'000'000;
  return {group, groups::encode_offset_commit_key({group, topic, PartitionId(partition)}),
          groups::encode_offset_commit_value(value)};
}

std::vector<OffsetsRecord> replay_all(ConsumerOffsetsStore& store) {
  std::vector<OffsetsRecord> seen;
  Status replayed = store.replay([&](const OffsetsRecord& record) {
    seen.push_back(record);
    return Status::ok();
  });
  EXPECT_TRUE(replayed.is_ok()) << replayed.to_string();
  return seen;
}

TEST(ConsumerOffsetsStore, TheTopicIsCreatedCompactedWithTheAskedPartitionCount) {
  testing::TemporaryDirectory dir;
  auto logs = open_logs(dir.path());
  auto store = ConsumerOffsetsStore::open(*logs, 7);
  ASSERT_TRUE(store.is_ok()) << store.status().to_string();
  auto topic = logs->describe_topic(kConsumerOffsetsTopic);
  ASSERT_TRUE(topic.has_value());
  EXPECT_EQ(topic->partitions, 7);
  EXPECT_TRUE(topic->config.cleanup_compact);
  EXPECT_FALSE(topic->config.cleanup_delete);
}

TEST(ConsumerOffsetsStore, AnExistingTopicKeepsItsPartitionCount) {
  testing::TemporaryDirectory dir;
  auto logs = open_logs(dir.path());
  ASSERT_TRUE(ConsumerOffsetsStore::open(*logs, 3).is_ok());
  auto reopened = ConsumerOffsetsStore::open(*logs, 50);
  ASSERT_TRUE(reopened.is_ok());
  EXPECT_EQ((*reopened)->partition_count(), 3);
}

TEST(ConsumerOffsetsStore, RecordsGoToTheGroupsPartitionAndReplayInOrderAfterReopen) {
  testing::TemporaryDirectory dir;
  std::vector<OffsetsRecord> written = {commit_record("g1", "orders", 0, 5), commit_record("g1", "orders", 1, 7)};
  std::vector<OffsetsRecord> second = {commit_record("g2", "orders", 0, 1), commit_record("g1", "orders", 0, 9),
                                       {"g1", groups::encode_offset_commit_key({"g1", "orders", PartitionId(1)}),
                                        std::nullopt}};
  {
    auto logs = open_logs(dir.path());
    auto store = ConsumerOffsetsStore::open(*logs, 5);
    ASSERT_TRUE(store.is_ok());
    ASSERT_TRUE((*store)->append(written).is_ok());
    ASSERT_TRUE((*store)->append(second).is_ok());
    const int32_t g1 = groups::consumer_offsets_partition("g1", 5);
    EXPECT_EQ(logs->partition(kConsumerOffsetsTopic, PartitionId(g1))->log_end_offset().value(), 4);
  }
  auto logs = open_logs(dir.path());
  auto store = ConsumerOffsetsStore::open(*logs, 5);
  ASSERT_TRUE(store.is_ok());
  std::vector<OffsetsRecord> replayed = replay_all(**store);
  // Per group, the order of writing; the tombstone stays a tombstone.
  std::vector<OffsetsRecord> g1_records, g2_records;
  for (const auto& record : replayed) (record.group_id == "g1" ? g1_records : g2_records).push_back(record);
  EXPECT_EQ(g1_records, (std::vector<OffsetsRecord>{written[0], written[1], second[1], second[2]}));
  EXPECT_EQ(g2_records, (std::vector<OffsetsRecord>{second[0]}));
}

TEST(ConsumerOffsetsStore, ACoordinatorOnTheStoreGetsItsCommittedOffsetsBackAfterARestart) {
  testing::TemporaryDirectory dir;
  groups::OffsetCommitRequest commit;
  commit.group_id = "billing";
  groups::OffsetCommitPartition partition;
  partition.partition_index = PartitionId(2);
  partition.committed_offset = Offset(42);
  commit.topics.push_back({"invoices", {partition}});
  {
    auto logs = open_logs(dir.path());
    auto store = ConsumerOffsetsStore::open(*logs, 50);
    ASSERT_TRUE(store.is_ok());
    groups::GroupCoordinator coordinator({}, **store);
    ASSERT_TRUE(coordinator.load().is_ok());
    auto result = coordinator.offset_commit(commit);
    ASSERT_EQ(result.topics.at(0).partitions.at(0).error, groups::ErrorCode::kNone);
  }
  auto logs = open_logs(dir.path());
  auto store = ConsumerOffsetsStore::open(*logs, 50);
  ASSERT_TRUE(store.is_ok());
  groups::GroupCoordinator coordinator({}, **store);
  ASSERT_TRUE(coordinator.load().is_ok());
  groups::OffsetFetchRequest fetch;
  fetch.group_id = "billing";
  auto fetched = coordinator.offset_fetch(fetch);
  ASSERT_EQ(fetched.topics.size(), 1u);
  EXPECT_EQ(fetched.topics[0].name, "invoices");
  EXPECT_EQ(fetched.topics[0].partitions.at(0).partition_index, PartitionId(2));
  EXPECT_EQ(fetched.topics[0].partitions.at(0).committed_offset, Offset(42));
}

TEST(ConsumerOffsetsStore, MaintenanceCompactsOldCommitsAndTheReplayStillEndsAtTheLatest) {
  testing::TemporaryDirectory dir;
  auto logs = open_logs(dir.path());
  auto store = ConsumerOffsetsStore::open(*logs, 1);
  ASSERT_TRUE(store.is_ok());
  // Tiny segments, so that most commits are in segments compaction may rewrite.
  ASSERT_TRUE(logs->update_topic_config(kConsumerOffsetsTopic, {{"segment.bytes", "200"}}, {}).is_ok());
  for (int64_t offset = 0; offset < 50; ++offset) {
    ASSERT_TRUE((*store)->append({commit_record("g", "t", 0, offset)}).is_ok());
  }
  MaintenanceReport report = logs->run_maintenance();
  EXPECT_TRUE(report.errors.empty());
  EXPECT_GT(report.segments_compacted, 0);
  std::vector<OffsetsRecord> replayed = replay_all(**store);
  ASSERT_FALSE(replayed.empty());
  EXPECT_LT(replayed.size(), 50u);
  EXPECT_EQ(replayed.back(), commit_record("g", "t", 0, 49));
}

}  // namespace
}  // namespace loch::kafka
