#include "serve/registry/schemas_topic.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "collect/kafka/log/record.h"
#include "collect/registry/registry_json.h"

namespace loch::serve {
namespace {

constexpr char kUser[] = R"({"type":"record","name":"User","fields":[{"name":"id","type":"long"}]})";
constexpr char kOrder[] = R"({"type":"record","name":"Order","fields":[{"name":"n","type":"int"}]})";

class DataDir {
 public:
  DataDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "loch-schemas-topic-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~DataDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::unique_ptr<kafka::LogManager> open_logs(const DataDir& dir) {
  kafka::LogManagerOptions options;
  options.data_dir = dir.path();
  auto logs = kafka::LogManager::open(options);
  EXPECT_TRUE(logs.is_ok()) << logs.status().to_string();
  return std::move(logs).value();
}

registry::SchemaRequest avro(std::string text) {
  registry::SchemaRequest request;
  request.schema = std::move(text);
  return request;
}

TEST(SchemasTopic, CreatesACompactedSinglePartitionTopic) {
  DataDir dir;
  auto logs = open_logs(dir);
  auto topic = SchemasTopic::open(*logs);
  ASSERT_TRUE(topic.is_ok()) << topic.status().to_string();
  auto described = logs->describe_topic(kSchemasTopic);
  ASSERT_TRUE(described.has_value());
  EXPECT_EQ(described->partitions, 1);
  EXPECT_TRUE(described->config.cleanup_compact);
  EXPECT_FALSE(described->config.cleanup_delete);
  // Opening again uses the topic as it is.
  EXPECT_TRUE(SchemasTopic::open(*logs).is_ok());
}

TEST(SchemasTopic, RestartRebuildsSubjectsVersionsIdsAndConfigs) {
  DataDir dir;
  int32_t user_id = 0;
  int32_t order_id = 0;
  {
    auto logs = open_logs(dir);
    auto topic = SchemasTopic::open(*logs);
    ASSERT_TRUE(topic.is_ok());
    registry::SchemaStore store(topic->get());
    auto user = store.register_schema("users-value", avro(kUser));
    ASSERT_TRUE(user.is_ok());
    auto order = store.register_schema("orders-value", avro(kOrder));
    ASSERT_TRUE(order.is_ok());
    user_id = user->id;
    order_id = order->id;
    ASSERT_TRUE(store.register_schema("users-copy", avro(kUser)).is_ok());  // same id, second subject
    ASSERT_TRUE(store.set_compatibility("orders-value", "FULL").is_ok());
    ASSERT_TRUE(store.delete_subject("users-copy", false).is_ok());
  }
  auto logs = open_logs(dir);
  auto topic = SchemasTopic::open(*logs);
  ASSERT_TRUE(topic.is_ok());
  registry::SchemaStore store(topic->get());
  auto report = (*topic)->load_into(store);
  ASSERT_TRUE(report.is_ok()) << report.status().to_string();
  EXPECT_EQ(report->records_read, 5);
  EXPECT_EQ(report->records_applied, 5);
  EXPECT_TRUE(report->skipped.empty());

  EXPECT_EQ(store.list_subjects(false), (std::vector<std::string>{"orders-value", "users-value"}));
  EXPECT_EQ(store.list_subjects(true), (std::vector<std::string>{"orders-value", "users-copy", "users-value"}));
  auto user = store.get_version("users-value", registry::VersionSpec::latest(), false);
  ASSERT_TRUE(user.is_ok());
  EXPECT_EQ(user->id, user_id);
  EXPECT_EQ(user->version, 1);
  auto order = store.get_schema_by_id(order_id);
  ASSERT_TRUE(order.is_ok());
  auto level = store.get_compatibility(std::string_view("orders-value"), false);
  ASSERT_TRUE(level.is_ok());
  EXPECT_EQ(*level, registry::CompatibilityLevel::kFull);

  // New ids continue after the replayed ones.
  auto next = store.register_schema(
      "more", avro(R"({"type":"record","name":"More","fields":[{"name":"x","type":"string"}]})"));
  ASSERT_TRUE(next.is_ok());
  EXPECT_GT(next->id, std::max(user_id, order_id));
}

TEST(SchemasTopic, CorruptRecordsAreSkippedWithTheirOffsetAndReplayGoesOn) {
  DataDir dir;
  auto logs = open_logs(dir);
  auto topic = SchemasTopic::open(*logs);
  ASSERT_TRUE(topic.is_ok());
  auto log = logs->partition(kSchemasTopic, PartitionId(0));
  ASSERT_NE(log, nullptr);
  {
    registry::SchemaStore store(topic->get());
    ASSERT_TRUE(store.register_schema("first", avro(kUser)).is_ok());  // offset 0
  }
  // What another producer could have written to the topic: garbage key,
  // valid key with a garbage value, a record without a key.
  const std::string garbage = kafka::make_record_batch(
      {{std::string("not json"), std::string("{}")},
       {std::string(R"({"keytype":"SCHEMA","subject":"second","version":1,"magic":1})"), std::string("{\"id\":")},
       {std::nullopt, std::string("no key")}},
      1000);
  ASSERT_TRUE(log->append(garbage).is_ok());  // offsets 1..3
  {
    registry::SchemaStore store(topic->get());
    ASSERT_TRUE((*topic)->load_into(store).is_ok());
    ASSERT_TRUE(store.register_schema("third", avro(kOrder)).is_ok());  // offset 4
  }

  registry::SchemaStore store(topic->get());
  auto report = (*topic)->load_into(store);
  ASSERT_TRUE(report.is_ok()) << report.status().to_string();
  EXPECT_EQ(report->records_read, 5);
  EXPECT_EQ(report->records_applied, 2);
  ASSERT_EQ(report->skipped.size(), 3u);
  EXPECT_NE(report->skipped[0].find("_schemas-0 offset 1:"), std::string::npos) << report->skipped[0];
  EXPECT_NE(report->skipped[1].find("_schemas-0 offset 2:"), std::string::npos) << report->skipped[1];
  EXPECT_NE(report->skipped[2].find("_schemas-0 offset 3: record without a key"), std::string::npos)
      << report->skipped[2];
  EXPECT_EQ(store.list_subjects(false), (std::vector<std::string>{"first", "third"}));
}

TEST(SchemasTopic, SinkFailureLeavesTheStoreUnchanged) {
  DataDir dir;
  auto logs = open_logs(dir);
  auto topic = SchemasTopic::open(*logs);
  ASSERT_TRUE(topic.is_ok());
  registry::SchemaStore store(topic->get());
  ASSERT_TRUE(logs->delete_topic(kSchemasTopic).is_ok());  // appends now fail (kAborted)
  auto outcome = store.register_schema("s", avro(kUser));
  ASSERT_FALSE(outcome.is_ok());
  EXPECT_EQ(outcome.error().error_code, registry::error_code::kStoreError);
  EXPECT_TRUE(store.list_subjects(true).empty());
}

}  // namespace
}  // namespace loch::serve
