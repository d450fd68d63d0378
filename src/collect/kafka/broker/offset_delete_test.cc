// OffsetDelete through Broker::handle: offsets of topics nobody consumes go
// (as tombstones that a restarted coordinator replays), those of subscribed
// topics stay with GROUP_SUBSCRIBED_TO_TOPIC.
#include <chrono>

#include <gtest/gtest.h>

#include "collect/kafka/broker/broker.h"
#include "collect/kafka/broker/broker_test_util.h"
#include "collect/kafka/broker/consumer_offsets_store.h"
#include "collect/kafka/log/log_test_util.h"
#include "collect/kafka/protocol/messages/join_group_request.h"
#include "collect/kafka/protocol/messages/join_group_response.h"
#include "collect/kafka/protocol/messages/leave_group_request.h"
#include "collect/kafka/protocol/messages/leave_group_response.h"
#include "collect/kafka/protocol/messages/offset_commit_request.h"
#include "collect/kafka/protocol/messages/offset_commit_response.h"
#include "collect/kafka/protocol/messages/offset_delete_request.h"
#include "collect/kafka/protocol/messages/offset_delete_response.h"
#include "collect/kafka/protocol/messages/offset_fetch_request.h"
#include "collect/kafka/protocol/messages/offset_fetch_response.h"
#include "collect/kafka/protocol/messages/sync_group_request.h"
#include "collect/kafka/protocol/messages/sync_group_response.h"

namespace loch::kafka {
namespace {

using groups::ErrorCode;
using groups::wire_code;

// ConsumerProtocolSubscription v0 with `topics` and no user data.
std::string subscription_of(const std::vector<std::string>& topics) {
  std::string out = {0, 0};
  WireWriter w(out);
  w.write_int32(static_cast<int32_t>(topics.size()));
  for (const auto& topic : topics) w.write_string(topic, false);
  w.write_int32(-1);
  return out;
}

class OffsetDeleteTest : public testing::BrokerDataTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(open_logs({{"orders", 2}, {"users", 1}}));
    ASSERT_NO_FATAL_FAILURE(open_offsets_store(3));
    broker_ = std::make_unique<Broker>(BrokerOptions{}, *logs_);
    start_coordinator();
  }

  void start_coordinator() {
    groups::GroupCoordinator::Options options;
    options.initial_rebalance_delay = std::chrono::milliseconds(0);
    broker_->set_group_coordinator(nullptr);
    coordinator_ = std::make_unique<groups::GroupCoordinator>(options, *store_);
    ASSERT_TRUE(coordinator_->load().is_ok());
    broker_->set_group_coordinator(coordinator_.get());
  }

  template <typename Response, typename Request>
  Response call(const Request& request, int16_t version) {
    return testing::call_broker<Response>(*broker_, request, version, ++correlation_, [this] { coordinator_->tick(); });
  }

  // offset committed by group "g" for topic-partition, -1 for none.
  int64_t committed(const std::string& topic, int32_t partition) {
    OffsetFetchRequest fetch;
    fetch.group_id = "g";
    fetch.topics = std::vector<OffsetFetchRequest::OffsetFetchRequestTopic>{{topic, {partition}, {}}};
    auto fetched = call<OffsetFetchResponse>(fetch, 1);
    if (fetched.topics.size() != 1 || fetched.topics[0].partitions.size() != 1) return -2;
    return fetched.topics[0].partitions[0].committed_offset;
  }

  OffsetDeleteResponse delete_offsets(const std::string& group,
                                      const std::vector<std::pair<std::string, std::vector<int32_t>>>& topics) {
    OffsetDeleteRequest request;
    request.group_id = group;
    for (const auto& [name, partitions] : topics) {
      OffsetDeleteRequest::OffsetDeleteRequestTopic topic;
      topic.name = name;
      for (int32_t p : partitions) {
        OffsetDeleteRequest::OffsetDeleteRequestPartition partition;
        partition.partition_index = p;
        topic.partitions.push_back(partition);
      }
      request.topics.push_back(std::move(topic));
    }
    return call<OffsetDeleteResponse>(request, 0);
  }

  std::unique_ptr<groups::GroupCoordinator> coordinator_;
  std::unique_ptr<Broker> broker_;
  int32_t correlation_ = 0;
};

TEST_F(OffsetDeleteTest, ActiveGroupsKeepSubscribedTopicsOffsetsAndEmptyGroupsLoseThemForGood) {
  JoinGroupRequest join;
  join.group_id = "g";
  join.session_timeout_ms = 10000;
  join.protocol_type = "consumer";
  join.protocols.push_back({"range", subscription_of({"orders"}), {}});
  auto joined = call<JoinGroupResponse>(join, 0);
  ASSERT_EQ(joined.error_code, 0);
  SyncGroupRequest sync;
  sync.group_id = "g";
  sync.generation_id = joined.generation_id;
  sync.member_id = joined.member_id;
  ASSERT_EQ(call<SyncGroupResponse>(sync, 0).error_code, 0);
  OffsetCommitRequest commit;
  commit.group_id = "g";
  commit.generation_id_or_member_epoch = joined.generation_id;
  commit.member_id = joined.member_id;
  commit.topics.push_back({"orders", {{0, 10, -1, -1, "", {}}, {1, 11, -1, -1, "", {}}}, {}});
  commit.topics.push_back({"users", {{0, 20, -1, -1, "", {}}}, {}});
  ASSERT_EQ(call<OffsetCommitResponse>(commit, 2).topics.size(), 2u);

  auto active = delete_offsets("g", {{"orders", {0}}, {"users", {0}}});
  EXPECT_EQ(active.error_code, 0);
  ASSERT_EQ(active.topics.size(), 2u);
  EXPECT_EQ(active.topics[0].name, "orders");
  EXPECT_EQ(active.topics[0].partitions[0].error_code, wire_code(ErrorCode::kGroupSubscribedToTopic));
  EXPECT_EQ(active.topics[1].partitions[0].error_code, 0);
  EXPECT_EQ(committed("orders", 0), 10);
  EXPECT_EQ(committed("users", 0), -1);

  LeaveGroupRequest leave;
  leave.group_id = "g";
  leave.member_id = joined.member_id;
  ASSERT_EQ(call<LeaveGroupResponse>(leave, 1).error_code, 0);
  auto empty = delete_offsets("g", {{"orders", {0}}});
  EXPECT_EQ(empty.error_code, 0);
  EXPECT_EQ(empty.topics[0].partitions[0].error_code, 0);
  EXPECT_EQ(committed("orders", 0), -1);
  EXPECT_EQ(committed("orders", 1), 11);

  // The tombstones are in __consumer_offsets: a restarted coordinator agrees.
  start_coordinator();
  EXPECT_EQ(committed("orders", 0), -1);
  EXPECT_EQ(committed("users", 0), -1);
  EXPECT_EQ(committed("orders", 1), 11);
}

TEST_F(OffsetDeleteTest, UnknownGroupsAreNotFound) {
  EXPECT_EQ(delete_offsets("nobody", {{"orders", {0}}}).error_code, wire_code(ErrorCode::kGroupIdNotFound));
}

}  // namespace
}  // namespace loch::kafka
