// The group APIs through Broker::handle, as bytes on the wire: the version
// differences the handlers translate (FindCoordinator v4 batching, LeaveGroup
// v0-2's single member, OffsetFetch v1's per-partition errors and v8's
// groups) and the round trip through the coordinator and __consumer_offsets.
#include <chrono>

#include <gtest/gtest.h>

#include "collect/kafka/broker/broker.h"
#include "collect/kafka/broker/broker_test_util.h"
#include "collect/kafka/broker/consumer_offsets_store.h"
#include "collect/kafka/log/log_test_util.h"
#include "collect/kafka/protocol/messages/find_coordinator_request.h"
#include "collect/kafka/protocol/messages/find_coordinator_response.h"
#include "collect/kafka/protocol/messages/join_group_request.h"
#include "collect/kafka/protocol/messages/join_group_response.h"
#include "collect/kafka/protocol/messages/leave_group_request.h"
#include "collect/kafka/protocol/messages/leave_group_response.h"
#include "collect/kafka/protocol/messages/offset_commit_request.h"
#include "collect/kafka/protocol/messages/offset_commit_response.h"
#include "collect/kafka/protocol/messages/offset_fetch_request.h"
#include "collect/kafka/protocol/messages/offset_fetch_response.h"
#include "collect/kafka/protocol/messages/sync_group_request.h"
#include "collect/kafka/protocol/messages/sync_group_response.h"

namespace loch::kafka {
namespace {

using groups::ErrorCode;
using groups::wire_code;

class GroupHandlerTest : public testing::BrokerDataTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(open_logs({{"orders", 2}}));
    ASSERT_NO_FATAL_FAILURE(open_offsets_store(3));
    groups::GroupCoordinator::Options options;
    options.initial_rebalance_delay = std::chrono::milliseconds(0);
    options.partition_exists = [this](const std::string& topic, PartitionId partition) {
      return logs_->partition(topic, partition) != nullptr;
    };
    coordinator_ = std::make_unique<groups::GroupCoordinator>(options, *store_);
    ASSERT_TRUE(coordinator_->load().is_ok());
    BrokerOptions broker_options;
    broker_options.node_id = 7;
    broker_options.advertised_host = "broker.example";
    broker_options.advertised_port = 19092;
    broker_ = std::make_unique<Broker>(broker_options, *logs_);
    broker_->set_group_coordinator(coordinator_.get());
  }

  // Sends `request` at `version` and decodes the answer, ticking the
  // coordinator while the handler waits (a join phase ends on a tick).
  template <typename Response, typename Request>
  Response call(const Request& request, int16_t version) {
    return testing::call_broker<Response>(*broker_, request, version, ++correlation_, [this] { coordinator_->tick(); });
  }

  std::unique_ptr<groups::GroupCoordinator> coordinator_;
  std::unique_ptr<Broker> broker_;
  int32_t correlation_ = 0;
};

TEST_F(GroupHandlerTest, FindCoordinatorNamesThisNodeForGroupsAndTransactionsInEveryVersion) {
  FindCoordinatorRequest single;
  single.key = "g";
  auto v0 = call<FindCoordinatorResponse>(single, 0);
  EXPECT_EQ(v0.error_code, 0);
  EXPECT_EQ(v0.node_id, 7);
  EXPECT_EQ(v0.host, "broker.example");
  EXPECT_EQ(v0.port, 19092);

  FindCoordinatorRequest batched;
  batched.key_type = 1;  // transactional ids
  batched.coordinator_keys = {"tx-a", "tx-b"};
  auto v4 = call<FindCoordinatorResponse>(batched, 4);
  ASSERT_EQ(v4.coordinators.size(), 2u);
  EXPECT_EQ(v4.coordinators[1].key, "tx-b");
  EXPECT_EQ(v4.coordinators[1].node_id, 7);
  EXPECT_EQ(v4.coordinators[1].error_code, 0);

  single.key_type = 5;
  EXPECT_EQ(call<FindCoordinatorResponse>(single, 2).error_code, 42);  // INVALID_REQUEST
}

TEST_F(GroupHandlerTest, AV0MemberJoinsSyncsCommitsAndFetchesItsOffsets) {
  JoinGroupRequest join;
  join.group_id = "g";
  join.session_timeout_ms = 10000;
  join.protocol_type = "consumer";
  join.protocols.push_back({"range", "subscription", {}});
  auto joined = call<JoinGroupResponse>(join, 0);  // v0: no MEMBER_ID_REQUIRED step
  ASSERT_EQ(joined.error_code, 0);
  EXPECT_EQ(joined.generation_id, 1);
  EXPECT_EQ(joined.leader, joined.member_id);
  EXPECT_EQ(joined.protocol_name, "range");
  EXPECT_EQ(joined.member_id.rfind("test-client-", 0), 0u);
  ASSERT_EQ(joined.members.size(), 1u);
  EXPECT_EQ(joined.members[0].metadata, "subscription");

  SyncGroupRequest sync;
  sync.group_id = "g";
  sync.generation_id = joined.generation_id;
  sync.member_id = joined.member_id;
  sync.assignments.push_back({joined.member_id, "assignment", {}});
  auto synced = call<SyncGroupResponse>(sync, 0);
  EXPECT_EQ(synced.error_code, 0);
  EXPECT_EQ(synced.assignment, "assignment");

  OffsetCommitRequest commit;
  commit.group_id = "g";
  commit.generation_id_or_member_epoch = joined.generation_id;
  commit.member_id = joined.member_id;
  commit.topics.push_back({"orders", {{1, 42, -1, -1, "meta", {}}, {9, 1, -1, -1, "", {}}}, {}});
  auto committed = call<OffsetCommitResponse>(commit, 2);
  ASSERT_EQ(committed.topics.size(), 1u);
  EXPECT_EQ(committed.topics[0].partitions[0].error_code, 0);
  EXPECT_EQ(committed.topics[0].partitions[1].error_code, wire_code(ErrorCode::kUnknownTopicOrPartition));

  OffsetFetchRequest fetch;
  fetch.group_id = "g";
  fetch.topics = std::vector<OffsetFetchRequest::OffsetFetchRequestTopic>{{"orders", {0, 1}, {}}};
  auto fetched = call<OffsetFetchResponse>(fetch, 1);
  ASSERT_EQ(fetched.topics.size(), 1u);
  EXPECT_EQ(fetched.topics[0].partitions[0].committed_offset, -1);
  EXPECT_EQ(fetched.topics[0].partitions[1].committed_offset, 42);
  EXPECT_EQ(fetched.topics[0].partitions[1].metadata, "meta");

  OffsetFetchRequest batched;
  batched.groups.push_back({"g", std::nullopt, -1, std::nullopt, {}});  // null topics: all committed
  batched.groups.push_back({"nobody", std::nullopt, -1, std::nullopt, {}});
  auto v8 = call<OffsetFetchResponse>(batched, 8);
  ASSERT_EQ(v8.groups.size(), 2u);
  ASSERT_EQ(v8.groups[0].topics.size(), 1u);
  EXPECT_EQ(v8.groups[0].topics[0].partitions[0].partition_index, 1);
  EXPECT_EQ(v8.groups[0].topics[0].partitions[0].committed_offset, 42);
  EXPECT_TRUE(v8.groups[1].topics.empty());

  // LeaveGroup v0 names one member; its error is the top-level error.
  LeaveGroupRequest stranger;
  stranger.group_id = "g";
  stranger.member_id = "not-a-member";
  EXPECT_EQ(call<LeaveGroupResponse>(stranger, 0).error_code, wire_code(ErrorCode::kUnknownMemberId));
  LeaveGroupRequest leave;
  leave.group_id = "g";
  leave.member_id = joined.member_id;
  EXPECT_EQ(call<LeaveGroupResponse>(leave, 1).error_code, 0);
}

TEST_F(GroupHandlerTest, WithoutACoordinatorOffsetFetchV1PutsTheErrorOnEveryPartition) {
  broker_->set_group_coordinator(nullptr);
  OffsetFetchRequest fetch;
  fetch.group_id = "g";
  fetch.topics = std::vector<OffsetFetchRequest::OffsetFetchRequestTopic>{{"orders", {0, 1}, {}}};
  auto fetched = call<OffsetFetchResponse>(fetch, 1);
  ASSERT_EQ(fetched.topics.size(), 1u);
  ASSERT_EQ(fetched.topics[0].partitions.size(), 2u);
  for (const auto& partition : fetched.topics[0].partitions) {
    EXPECT_EQ(partition.error_code, wire_code(ErrorCode::kCoordinatorNotAvailable));
  }
  FindCoordinatorRequest find;
  find.key = "g";
  EXPECT_EQ(call<FindCoordinatorResponse>(find, 1).error_code, wire_code(ErrorCode::kCoordinatorNotAvailable));
}

}  // namespace
}  // namespace loch::kafka
