// Fetch through Broker::handle, as bytes on the wire: records read from the
// log straight into the response, and fetch sessions (KIP-227): full and
// incremental requests, forgotten partitions, session errors, the cache's
// bound.
#include <gtest/gtest.h>

#include "collect/kafka/broker/broker.h"
#include "collect/kafka/broker/broker_test_util.h"
#include "collect/kafka/broker/fetch_sessions.h"
#include "collect/kafka/log/log_test_util.h"
#include "collect/kafka/protocol/messages/fetch_request.h"
#include "collect/kafka/protocol/messages/fetch_response.h"

namespace loch::kafka {
namespace {

constexpr int16_t kSessionIdNotFound = 70;
constexpr int16_t kInvalidSessionEpoch = 71;

class FetchHandlerTest : public testing::BrokerDataTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(open_logs({{"orders", 2}, {"users", 1}}));
    broker_ = std::make_unique<Broker>(BrokerOptions{}, *logs_);
  }

  void append(const std::string& topic, int32_t partition, int records) {
    auto log = logs_->partition(topic, PartitionId(partition));
    ASSERT_NE(log, nullptr);
    ASSERT_TRUE(log->append(testing::batch_of(records, 1000)).is_ok());
  }

  std::string log_bytes(const std::string& topic, int32_t partition, int64_t offset, size_t max_bytes) {
    auto read = logs_->partition(topic, PartitionId(partition))->read(Offset(offset), max_bytes);
    EXPECT_TRUE(read.is_ok());
    return read.is_ok() ? read->bytes : std::string();
  }

  static FetchRequest::FetchPartition position(int32_t partition, int64_t offset, int32_t max_bytes = 1 << 20) {
    FetchRequest::FetchPartition p;
    p.partition = partition;
    p.fetch_offset = offset;
    p.partition_max_bytes = max_bytes;
    return p;
  }

  static FetchRequest request(int32_t session_id, int32_t epoch,
                              std::vector<std::pair<std::string, std::vector<FetchRequest::FetchPartition>>> topics) {
    FetchRequest r;
    r.max_wait_ms = 0;
    r.min_bytes = 0;
    r.session_id = session_id;
    r.session_epoch = epoch;
    for (auto& [name, partitions] : topics) {
      FetchRequest::FetchTopic topic;
      topic.topic = name;
      topic.partitions = std::move(partitions);
      r.topics.push_back(std::move(topic));
    }
    return r;
  }

  FetchResponse fetch(const FetchRequest& r, int16_t version = 12) {
    return testing::call_broker<FetchResponse>(*broker_, r, version);
  }

  // "topic-partition" of each partition in the response, in order.
  static std::vector<std::string> partitions_of(const FetchResponse& response) {
    std::vector<std::string> names;
    for (const auto& topic : response.responses) {
      for (const auto& p : topic.partitions) names.push_back(topic.topic + "-" + std::to_string(p.partition_index));
    }
    return names;
  }

  static const FetchResponse::PartitionData* find(const FetchResponse& response, const std::string& topic,
                                                  int32_t partition) {
    for (const auto& t : response.responses) {
      for (const auto& p : t.partitions) {
        if (t.topic == topic && p.partition_index == partition) return &p;
      }
    }
    return nullptr;
  }

  std::unique_ptr<Broker> broker_;
};

TEST_F(FetchHandlerTest, RecordsAreTheLogsBatchesWithinEachLimit) {
  for (int i = 0; i < 20; ++i) append("orders", 0, 1 + i % 5);
  for (int i = 0; i < 3; ++i) append("orders", 1, 4);
  for (int16_t version : {4, 7, 11, 12}) {
    for (int32_t max_bytes : {1, 300, 1000, 1 << 20}) {
      auto r = request(0, -1, {{"orders", {position(0, 3, max_bytes), position(1, 0, max_bytes)}}, {"users", {position(0, 0)}}});
      FetchResponse response = fetch(r, version);
      ASSERT_EQ(partitions_of(response), (std::vector<std::string>{"orders-0", "orders-1", "users-0"}));
      const auto* p0 = find(response, "orders", 0);
      const auto* p1 = find(response, "orders", 1);
      EXPECT_EQ(p0->records.value_or("?"), log_bytes("orders", 0, 3, max_bytes)) << "v" << version << " " << max_bytes;
      // Only the first partition may exceed its limit with one batch (KIP-74).
      std::string p1_expected = log_bytes("orders", 1, 0, max_bytes);
      if (p1_expected.size() > static_cast<size_t>(max_bytes)) p1_expected.clear();
      EXPECT_EQ(p1->records.value_or("?"), p1_expected) << "v" << version << " " << max_bytes;
      EXPECT_EQ(p0->high_watermark, logs_->partition("orders", PartitionId(0))->high_watermark().value());
      EXPECT_EQ(find(response, "users", 0)->records.value_or("?"), "");
    }
  }
}

TEST_F(FetchHandlerTest, RequestMaxBytesStopsAfterTheFirstPartitionThatFillsIt) {
  for (int i = 0; i < 10; ++i) append("orders", 0, 5);
  for (int i = 0; i < 10; ++i) append("orders", 1, 5);
  auto r = request(0, -1, {{"orders", {position(0, 0), position(1, 0)}}});
  r.max_bytes = 500;
  FetchResponse response = fetch(r, 11);
  // The first partition returns at least one batch (KIP-74), the second nothing.
  EXPECT_EQ(find(response, "orders", 0)->records.value_or("?"), log_bytes("orders", 0, 0, 500));
  EXPECT_EQ(find(response, "orders", 1)->records.value_or("?"), "");
}

TEST_F(FetchHandlerTest, SessionlessFetchesGetNoSession) {
  append("orders", 0, 3);
  FetchResponse response = fetch(request(0, -1, {{"orders", {position(0, 0)}}}));
  EXPECT_EQ(response.error_code, 0);
  EXPECT_EQ(response.session_id, 0);
  EXPECT_EQ(broker_->fetch_sessions().size(), 0u);
}

TEST_F(FetchHandlerTest, IncrementalFetchesCarryOnlyPartitionsWithSomethingNew) {
  append("orders", 0, 3);
  FetchResponse full = fetch(request(0, 0, {{"orders", {position(0, 0), position(1, 0)}}, {"users", {position(0, 0)}}}));
  ASSERT_EQ(full.error_code, 0);
  ASSERT_NE(full.session_id, 0);
  const int32_t id = full.session_id;
  EXPECT_EQ(partitions_of(full), (std::vector<std::string>{"orders-0", "orders-1", "users-0"}));

  // Nothing changed: the position of orders-0 moves past its records.
  FetchResponse nothing = fetch(request(id, 1, {{"orders", {position(0, 3)}}}));
  EXPECT_EQ(nothing.error_code, 0);
  EXPECT_EQ(nothing.session_id, id);
  EXPECT_TRUE(partitions_of(nothing).empty());

  // New records in users-0: only it, read from the session's position.
  append("users", 0, 2);
  FetchResponse some = fetch(request(id, 2, {}));
  ASSERT_EQ(partitions_of(some), (std::vector<std::string>{"users-0"}));
  EXPECT_EQ(some.responses[0].partitions[0].records.value_or("?"), log_bytes("users", 0, 0, 1 << 20));
  EXPECT_EQ(some.responses[0].partitions[0].high_watermark, 2);

  // The client moved on; then new records in orders-0 from its remembered position 3.
  EXPECT_TRUE(partitions_of(fetch(request(id, 3, {{"users", {position(0, 2)}}}))).empty());
  append("orders", 0, 4);
  FetchResponse more = fetch(request(id, 4, {}));
  ASSERT_EQ(partitions_of(more), (std::vector<std::string>{"orders-0"}));
  EXPECT_EQ(more.responses[0].partitions[0].records.value_or("?"), log_bytes("orders", 0, 3, 1 << 20));
}

TEST_F(FetchHandlerTest, ForgottenPartitionsLeaveTheSession) {
  FetchResponse full = fetch(request(0, 0, {{"orders", {position(0, 0), position(1, 0)}}}));
  ASSERT_NE(full.session_id, 0);
  auto forget = request(full.session_id, 1, {});
  FetchRequest::ForgottenTopic forgotten;
  forgotten.topic = "orders";
  forgotten.partitions = {1};
  forget.forgotten_topics_data.push_back(forgotten);
  EXPECT_TRUE(partitions_of(fetch(forget)).empty());
  append("orders", 1, 3);
  append("orders", 0, 3);
  EXPECT_EQ(partitions_of(fetch(request(full.session_id, 2, {}))), (std::vector<std::string>{"orders-0"}));
}

TEST_F(FetchHandlerTest, UnknownSessionsAndWrongEpochsAreRefused) {
  FetchResponse full = fetch(request(0, 0, {{"orders", {position(0, 0)}}}));
  ASSERT_NE(full.session_id, 0);
  FetchResponse unknown = fetch(request(full.session_id + 1, 1, {}));
  EXPECT_EQ(unknown.error_code, kSessionIdNotFound);
  EXPECT_TRUE(unknown.responses.empty());
  EXPECT_EQ(fetch(request(full.session_id, 5, {})).error_code, kInvalidSessionEpoch);
  // The refusal did not use up the epoch.
  EXPECT_EQ(fetch(request(full.session_id, 1, {})).error_code, 0);
  EXPECT_EQ(fetch(request(full.session_id, 1, {})).error_code, kInvalidSessionEpoch);
}

TEST_F(FetchHandlerTest, FinalEpochClosesTheSession) {
  FetchResponse full = fetch(request(0, 0, {{"orders", {position(0, 0)}}}));
  ASSERT_NE(full.session_id, 0);
  FetchResponse closing = fetch(request(full.session_id, -1, {{"orders", {position(0, 0)}}}));
  EXPECT_EQ(closing.error_code, 0);
  EXPECT_EQ(closing.session_id, 0);
  EXPECT_EQ(broker_->fetch_sessions().size(), 0u);
  EXPECT_EQ(fetch(request(full.session_id, 1, {})).error_code, kSessionIdNotFound);
}

TEST_F(FetchHandlerTest, ANewFullFetchReplacesTheSessionItNames) {
  FetchResponse first = fetch(request(0, 0, {{"orders", {position(0, 0)}}}));
  FetchResponse second = fetch(request(first.session_id, 0, {{"orders", {position(1, 0)}}}));
  ASSERT_NE(second.session_id, 0);
  EXPECT_NE(second.session_id, first.session_id);
  EXPECT_EQ(broker_->fetch_sessions().size(), 1u);
}

TEST(FetchSessionCache, FullCacheEvictsOnlySessionsIdleLongEnough) {
  int64_t now = 1000;
  FetchSessionCache::Options options;
  options.max_sessions = 2;
  options.eviction_idle_ms = 500;
  options.clock = [&now] { return now; };
  FetchSessionCache cache(options);
  auto open = [&cache]() {
    FetchRequest r;
    r.session_epoch = 0;
    r.topics.emplace_back();
    r.topics.back().topic = "t";
    r.topics.back().partitions.emplace_back();
    return cache.start(r).session_id;
  };
  const int32_t a = open();
  now += 100;
  const int32_t b = open();
  ASSERT_NE(a, 0);
  ASSERT_NE(b, 0);
  EXPECT_EQ(open(), 0) << "no session idle long enough to give way";
  EXPECT_EQ(cache.size(), 2u);

  now += 450;  // a idle 550 ms, b 450 ms
  const int32_t c = open();
  EXPECT_NE(c, 0);
  EXPECT_EQ(cache.size(), 2u);
  FetchRequest incremental;
  incremental.session_id = a;
  incremental.session_epoch = 1;
  EXPECT_EQ(cache.start(incremental).error_code, kSessionIdNotFound) << "the least recently used session went";
  incremental.session_id = b;
  EXPECT_EQ(cache.start(incremental).error_code, 0);
}

}  // namespace
}  // namespace loch::kafka
