#include "collect/kafka/groups/group_coordinator.h"

#include <gtest/gtest.h>

#include <memory>

namespace loch::kafka::groups {
namespace {

using namespace std::chrono_literals;

// The answer to a JoinGroup or SyncGroup, which may arrive later.
template <typename T>
class Awaited {
 public:
  std::function<void(T)> completion() {
    return [slot = slot_](T result) {
      ++slot->calls;
      slot->value = std::move(result);
    };
  }
  bool ready() const { return slot_->calls > 0; }
  int calls() const { return slot_->calls; }
  const T& operator*() const {
    EXPECT_EQ(slot_->calls, 1) << "a completion must be called exactly once";
    return *slot_->value;
  }
  const T* operator->() const { return &**this; }

 private:
  struct Slot {
    std::optional<T> value;
    int calls = 0;
  };
  std::shared_ptr<Slot> slot_ = std::make_shared<Slot>();
};

constexpr int32_t kSessionMs = 10'000;
constexpr int32_t kRebalanceMs = 30'000;

class ConsumerGroup : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.initial_rebalance_delay = 0ms;
    start();
  }

  void start() {
    coordinator_ = std::make_unique<GroupCoordinator>(options_, store_, [this] { return now_; });
    Status loaded = coordinator_->load();
    ASSERT_TRUE(loaded.is_ok()) << loaded.to_string();
  }

  // Moves the fake clock and lets the coordinator's timers run.
  void advance(Millis by) {
    now_ += by;
    coordinator_->tick();
  }

  JoinGroupRequest join_request(const std::string& member_id, std::optional<std::string> instance = std::nullopt,
                                std::vector<JoinGroupProtocol> protocols = {{"range", "subscription"}}) {
    JoinGroupRequest r;
    r.api_version = 9;
    r.group_id = "g";
    r.session_timeout_ms = kSessionMs;
    r.rebalance_timeout_ms = kRebalanceMs;
    r.member_id = member_id;
    r.group_instance_id = std::move(instance);
    r.protocol_type = "consumer";
    r.protocols = std::move(protocols);
    r.client_id = "client";
    r.client_host = "/127.0.0.1";
    return r;
  }

  Awaited<JoinGroupResult> join(JoinGroupRequest request) {
    Awaited<JoinGroupResult> result;
    coordinator_->join_group(std::move(request), result.completion());
    return result;
  }
  Awaited<JoinGroupResult> join(const std::string& member_id) { return join(join_request(member_id)); }

  // The v4+ first step: a dynamic member asks for an id.
  std::string member_id_for_new_member() {
    auto first = join("");
    EXPECT_TRUE(first.ready());
    EXPECT_EQ(first->error, ErrorCode::kMemberIdRequired);
    EXPECT_FALSE(first->member_id.empty());
    return first->member_id;
  }

  Awaited<SyncGroupResult> sync(const std::string& member_id, int32_t generation,
                                std::vector<SyncGroupAssignment> assignments = {},
                                std::optional<std::string> instance = std::nullopt) {
    SyncGroupRequest r;
    r.group_id = "g";
    r.generation_id = generation;
    r.member_id = member_id;
    r.group_instance_id = std::move(instance);
    r.assignments = std::move(assignments);
    Awaited<SyncGroupResult> result;
    coordinator_->sync_group(std::move(r), result.completion());
    return result;
  }

  ErrorCode heartbeat(const std::string& member_id, int32_t generation,
                      std::optional<std::string> instance = std::nullopt) {
    return coordinator_->heartbeat({"g", generation, member_id, std::move(instance)}).error;
  }

  ErrorCode commit(const std::string& member_id, int32_t generation, int64_t offset,
                   std::optional<std::string> instance = std::nullopt, PartitionId partition = PartitionId(0)) {
    OffsetCommitRequest r;
    r.group_id = "g";
    r.generation_id = generation;
    r.member_id = member_id;
    r.group_instance_id = std::move(instance);
    r.topics.push_back({"events", {{partition, Offset(offset), -1, -1, "meta"}}});
    OffsetCommitResult result = coordinator_->offset_commit(r);
    EXPECT_EQ(result.topics.size(), 1u);
    EXPECT_EQ(result.topics[0].partitions.size(), 1u);
    return result.topics[0].partitions[0].error;
  }

  // The committed offset of events/partition, -1 when none.
  int64_t committed(PartitionId partition = PartitionId(0)) {
    OffsetFetchRequest r;
    r.group_id = "g";
    r.topics = std::vector<OffsetFetchTopic>{{"events", {partition}}};
    OffsetFetchResult result = coordinator_->offset_fetch(r);
    EXPECT_EQ(result.error, ErrorCode::kNone);
    return result.topics.at(0).partitions.at(0).committed_offset.value();
  }

  std::string state() { return coordinator_->describe_groups({"g"}).at(0).group_state; }

  struct Formed {
    std::string leader;
    std::string follower;
    int32_t generation = 0;
  };

  // Two dynamic members join, the leader assigns "to <member>" to each, and
  // both have their assignment: a Stable group.
  Formed form_group_of_two() {
    std::string a = member_id_for_new_member();
    std::string b = member_id_for_new_member();
    auto ja = join(a);
    auto jb = join(b);
    EXPECT_TRUE(ja.ready() && jb.ready());
    Formed f;
    f.generation = ja->generation_id;
    f.leader = ja->leader;
    f.follower = f.leader == a ? b : a;
    auto sa = sync(f.follower, f.generation);
    auto sb = sync(f.leader, f.generation, {{a, "to " + a}, {b, "to " + b}});
    EXPECT_TRUE(sa.ready() && sb.ready());
    EXPECT_EQ(state(), "Stable");
    return f;
  }

  GroupCoordinator::Options options_;
  InMemoryOffsetStore store_;
  Millis now_{1'700'000'000'000};
  std::unique_ptr<GroupCoordinator> coordinator_;
};

TEST_F(ConsumerGroup, TwoMembersJoinAndBothGetTheFirstGenerationWithTheSameLeader) {
  std::string a = member_id_for_new_member();
  std::string b = member_id_for_new_member();
  EXPECT_NE(a, b);
  EXPECT_EQ(a.rfind("client-", 0), 0u) << "member ids start with the client id, as Kafka's";

  auto ja = join(a);
  EXPECT_FALSE(ja.ready()) << "the join waits while b holds a member id it has not used";
  EXPECT_EQ(state(), "PreparingRebalance");
  auto jb = join(b);
  ASSERT_TRUE(ja.ready());
  ASSERT_TRUE(jb.ready());
  EXPECT_EQ(ja->error, ErrorCode::kNone);
  EXPECT_EQ(jb->error, ErrorCode::kNone);
  EXPECT_EQ(ja->generation_id, 1);
  EXPECT_EQ(jb->generation_id, 1);
  EXPECT_EQ(ja->protocol_name, "range");
  EXPECT_EQ(ja->protocol_type, "consumer");
  EXPECT_EQ(ja->leader, jb->leader);
  const auto& leader = ja->leader == a ? *ja : *jb;
  const auto& follower = ja->leader == a ? *jb : *ja;
  ASSERT_EQ(leader.members.size(), 2u);
  EXPECT_EQ(leader.members[0].metadata, "subscription");
  EXPECT_TRUE(follower.members.empty());
  EXPECT_EQ(state(), "CompletingRebalance");

  auto follower_sync = sync(follower.member_id, 1);
  EXPECT_FALSE(follower_sync.ready()) << "followers wait for the leader's assignment";
  auto leader_sync = sync(leader.member_id, 1, {{a, "for a"}, {b, "for b"}});
  ASSERT_TRUE(follower_sync.ready());
  ASSERT_TRUE(leader_sync.ready());
  EXPECT_EQ(follower_sync->assignment, follower.member_id == a ? "for a" : "for b");
  EXPECT_EQ(leader_sync->assignment, leader.member_id == a ? "for a" : "for b");
  EXPECT_EQ(leader_sync->protocol_name, "range");
  EXPECT_EQ(state(), "Stable");
  EXPECT_EQ(heartbeat(a, 1), ErrorCode::kNone);
}

TEST_F(ConsumerGroup, AThirdMemberJoiningMakesEveryoneRejoinIntoTheNextGeneration) {
  Formed f = form_group_of_two();
  std::string c = member_id_for_new_member();
  auto jc = join(c);
  EXPECT_FALSE(jc.ready());
  EXPECT_EQ(heartbeat(f.leader, f.generation), ErrorCode::kRebalanceInProgress);
  EXPECT_EQ(heartbeat(f.follower, f.generation), ErrorCode::kRebalanceInProgress);

  auto jl = join(f.leader);
  EXPECT_FALSE(jc.ready()) << "the follower has not rejoined yet";
  auto jf = join(f.follower);
  ASSERT_TRUE(jc.ready() && jl.ready() && jf.ready());
  EXPECT_EQ(jc->generation_id, f.generation + 1);
  EXPECT_EQ(jl->generation_id, f.generation + 1);
  EXPECT_EQ(jl->leader, f.leader) << "the leader that rejoined stays leader";
  EXPECT_EQ(jl->members.size(), 3u);
  EXPECT_TRUE(jc->members.empty());
}

TEST_F(ConsumerGroup, HeartbeatsDuringARebalanceAnswerRebalanceInProgress) {
  Formed f = form_group_of_two();
  auto rejoin = join(f.leader);  // the leader saw new partitions
  EXPECT_FALSE(rejoin.ready());
  EXPECT_EQ(state(), "PreparingRebalance");
  EXPECT_EQ(heartbeat(f.follower, f.generation), ErrorCode::kRebalanceInProgress);
  auto jf = join(f.follower);
  ASSERT_TRUE(jf.ready());
  EXPECT_EQ(state(), "CompletingRebalance");
  // Between join and sync, heartbeats of the new generation are fine and
  // those of the old one are stale.
  EXPECT_EQ(heartbeat(f.follower, f.generation + 1), ErrorCode::kNone);
  EXPECT_EQ(heartbeat(f.follower, f.generation), ErrorCode::kIllegalGeneration);
  EXPECT_EQ(heartbeat("nobody", f.generation + 1), ErrorCode::kUnknownMemberId);
}

TEST_F(ConsumerGroup, AMemberWhoseSessionExpiresIsRemovedAndTheRestRebalance) {
  Formed f = form_group_of_two();
  advance(6s);
  EXPECT_EQ(heartbeat(f.leader, f.generation), ErrorCode::kNone);
  EXPECT_EQ(state(), "Stable") << "6 s is within the 10 s session";
  advance(6s);  // 12 s without a heartbeat from the follower
  EXPECT_EQ(state(), "PreparingRebalance");
  EXPECT_EQ(heartbeat(f.leader, f.generation), ErrorCode::kRebalanceInProgress);
  EXPECT_EQ(heartbeat(f.follower, f.generation), ErrorCode::kUnknownMemberId);
  auto jl = join(f.leader);
  ASSERT_TRUE(jl.ready());
  EXPECT_EQ(jl->generation_id, f.generation + 1);
  ASSERT_EQ(jl->members.size(), 1u);
  EXPECT_EQ(jl->members[0].member_id, f.leader);
}

TEST_F(ConsumerGroup, AMemberThatDoesNotRejoinWithinTheRebalanceTimeoutIsDropped) {
  Formed f = form_group_of_two();
  auto jl = join(f.leader);
  for (int i = 0; i < 5; ++i) {
    advance(5s);  // the follower keeps heartbeating but never rejoins
    EXPECT_EQ(heartbeat(f.follower, f.generation), ErrorCode::kRebalanceInProgress);
  }
  EXPECT_FALSE(jl.ready());
  advance(5s);  // 30 s: the rebalance timeout
  ASSERT_TRUE(jl.ready());
  EXPECT_EQ(jl->generation_id, f.generation + 1);
  EXPECT_EQ(jl->members.size(), 1u);
  EXPECT_EQ(heartbeat(f.follower, f.generation), ErrorCode::kUnknownMemberId);
}

TEST_F(ConsumerGroup, LeavingMemberMakesTheRestRebalanceAndTheLastOneLeavesItEmpty) {
  Formed f = form_group_of_two();
  LeaveGroupResult left = coordinator_->leave_group({"g", {{f.follower, std::nullopt, "shutting down"}}});
  EXPECT_EQ(left.error, ErrorCode::kNone);
  ASSERT_EQ(left.members.size(), 1u);
  EXPECT_EQ(left.members[0].error, ErrorCode::kNone);
  EXPECT_EQ(heartbeat(f.leader, f.generation), ErrorCode::kRebalanceInProgress);
  auto jl = join(f.leader);
  ASSERT_TRUE(jl.ready());
  EXPECT_EQ(jl->members.size(), 1u);
  EXPECT_TRUE(sync(f.leader, jl->generation_id, {{f.leader, "all"}}).ready());

  left = coordinator_->leave_group(
      {"g", {{f.leader, std::nullopt, std::nullopt}, {"ghost", std::nullopt, std::nullopt}}});
  ASSERT_EQ(left.members.size(), 2u);
  EXPECT_EQ(left.members[0].error, ErrorCode::kNone);
  EXPECT_EQ(left.members[1].error, ErrorCode::kUnknownMemberId);
  EXPECT_EQ(state(), "Empty");
}

TEST_F(ConsumerGroup, LeavingWhileOthersWaitToJoinCompletesTheirJoin) {
  Formed f = form_group_of_two();
  auto jl = join(f.leader);
  EXPECT_FALSE(jl.ready());
  coordinator_->leave_group({"g", {{f.follower, std::nullopt, std::nullopt}}});
  ASSERT_TRUE(jl.ready()) << "nobody else is left to wait for";
  EXPECT_EQ(jl->members.size(), 1u);
}

TEST_F(ConsumerGroup, StaticMemberRestartingGetsItsAssignmentBackWithoutARebalance) {
  auto ja = join(join_request("", "instance-a"));
  EXPECT_TRUE(ja.ready()) << "static members join without MEMBER_ID_REQUIRED";
  EXPECT_EQ(ja->error, ErrorCode::kNone);
  // a formed generation 1 alone (no initial delay here); b's arrival
  // rebalances, and b waits until a rejoins.
  auto jb = join(join_request("", "instance-b"));
  EXPECT_FALSE(jb.ready());
  auto ja2 = join(join_request(ja->member_id, "instance-a"));
  ASSERT_TRUE(ja2.ready());
  ASSERT_TRUE(jb.ready());
  int32_t generation = ja2->generation_id;
  std::string a = ja->member_id;
  std::string b = jb->member_id;
  ASSERT_EQ(ja2->leader, a);
  auto sb = sync(b, generation, {}, "instance-b");
  auto sa = sync(a, generation, {{a, "to a"}, {b, "to b"}}, "instance-a");
  ASSERT_TRUE(sb.ready());
  EXPECT_EQ(sb->assignment, "to b");
  EXPECT_EQ(state(), "Stable");

  // b's process restarts: it knows its instance id but not its member id.
  auto restarted = join(join_request("", "instance-b"));
  ASSERT_TRUE(restarted.ready());
  EXPECT_EQ(restarted->error, ErrorCode::kNone);
  EXPECT_NE(restarted->member_id, b);
  EXPECT_EQ(restarted->generation_id, generation);
  EXPECT_EQ(restarted->leader, a);
  EXPECT_TRUE(restarted->members.empty());
  EXPECT_EQ(state(), "Stable") << "no rebalance";
  EXPECT_EQ(heartbeat(a, generation, "instance-a"), ErrorCode::kNone);

  auto resync = sync(restarted->member_id, generation, {}, "instance-b");
  ASSERT_TRUE(resync.ready());
  EXPECT_EQ(resync->error, ErrorCode::kNone);
  EXPECT_EQ(resync->assignment, "to b");
}

TEST_F(ConsumerGroup, StaticLeaderRestartingIsToldToSkipTheAssignment) {
  auto ja = join(join_request("", "instance-a"));
  ASSERT_TRUE(ja.ready());
  std::string a = ja->member_id;
  ASSERT_TRUE(sync(a, ja->generation_id, {{a, "to a"}}, "instance-a").ready());

  auto restarted = join(join_request("", "instance-a"));
  ASSERT_TRUE(restarted.ready());
  EXPECT_EQ(restarted->leader, restarted->member_id);
  EXPECT_TRUE(restarted->skip_assignment);
  EXPECT_EQ(restarted->members.size(), 1u);
  EXPECT_EQ(state(), "Stable");

  JoinGroupRequest old_client = join_request("", "instance-a");
  old_client.api_version = 5;  // before KIP-814
  auto restarted_again = join(old_client);
  ASSERT_TRUE(restarted_again.ready());
  EXPECT_EQ(restarted_again->leader, restarted->member_id) << "the previous id: it must not assign";
  EXPECT_FALSE(restarted_again->skip_assignment);
}

TEST_F(ConsumerGroup, StaticMemberRestartingWithNewMetadataKeepsTheGroupStable) {
  // A restarted consumer has lost its owned partitions and generation, which
  // it puts in its subscription metadata: that must not cost a rebalance.
  auto ja = join(join_request("", "instance-a"));
  ASSERT_TRUE(ja.ready());
  ASSERT_TRUE(sync(ja->member_id, ja->generation_id, {{ja->member_id, "x"}}, "instance-a").ready());
  auto restarted = join(join_request("", "instance-a", {{"range", "owns nothing yet"}}));
  ASSERT_TRUE(restarted.ready());
  EXPECT_EQ(restarted->generation_id, ja->generation_id);
  EXPECT_EQ(state(), "Stable");
  EXPECT_EQ(coordinator_->describe_groups({"g"}).at(0).members.at(0).member_metadata, "owns nothing yet");
}

TEST_F(ConsumerGroup, StaticMemberRestartingWithProtocolsThatChangeTheGroupsTriggersARebalance) {
  auto ja = join(join_request("", "instance-a", {{"range", "s"}, {"roundrobin", "s"}}));
  ASSERT_TRUE(ja.ready());
  EXPECT_EQ(ja->protocol_name, "range");
  ASSERT_TRUE(sync(ja->member_id, ja->generation_id, {{ja->member_id, "x"}}, "instance-a").ready());
  // Now preferring roundrobin: the group's vote changes.
  auto changed = join(join_request("", "instance-a", {{"roundrobin", "s"}, {"range", "s"}}));
  ASSERT_TRUE(changed.ready()) << "the only member rejoined: the join phase ends at once";
  EXPECT_EQ(changed->generation_id, ja->generation_id + 1);
  EXPECT_EQ(changed->protocol_name, "roundrobin");
}

TEST_F(ConsumerGroup, TheReplacedMemberIdOfAStaticInstanceIsFenced) {
  auto ja = join(join_request("", "instance-a"));
  ASSERT_TRUE(ja.ready());
  std::string old_id = ja->member_id;
  int32_t generation = ja->generation_id;
  ASSERT_TRUE(sync(old_id, generation, {{old_id, "x"}}, "instance-a").ready());
  auto restarted = join(join_request("", "instance-a"));
  ASSERT_TRUE(restarted.ready());

  EXPECT_EQ(heartbeat(old_id, generation, "instance-a"), ErrorCode::kFencedInstanceId);
  EXPECT_EQ(commit(old_id, generation, 10, "instance-a"), ErrorCode::kFencedInstanceId);
  auto stale_sync = sync(old_id, generation, {}, "instance-a");
  ASSERT_TRUE(stale_sync.ready());
  EXPECT_EQ(stale_sync->error, ErrorCode::kFencedInstanceId);
  auto stale_join = join(join_request(old_id, "instance-a"));
  ASSERT_TRUE(stale_join.ready());
  EXPECT_EQ(stale_join->error, ErrorCode::kFencedInstanceId);
  EXPECT_EQ(commit(restarted->member_id, generation, 10, "instance-a"), ErrorCode::kNone);
}

TEST_F(ConsumerGroup, AStaticMemberWaitingForItsJoinIsFencedWhenItsInstanceRestarts) {
  Formed f = form_group_of_two();
  auto jc = join(join_request("", "instance-c"));  // rebalance starts, c waits
  ASSERT_FALSE(jc.ready());
  auto jc2 = join(join_request("", "instance-c"));
  ASSERT_TRUE(jc.ready());
  EXPECT_EQ(jc->error, ErrorCode::kFencedInstanceId);
  EXPECT_FALSE(jc2.ready());
}

TEST_F(ConsumerGroup, ACommitFromAnOlderGenerationIsRefusedWithIllegalGeneration) {
  Formed f = form_group_of_two();
  EXPECT_EQ(commit(f.follower, f.generation, 5), ErrorCode::kNone);
  auto jl = join(f.leader);
  auto jf = join(f.follower);
  ASSERT_TRUE(jl.ready() && jf.ready());
  int32_t next = f.generation + 1;
  EXPECT_EQ(commit(f.follower, next, 6), ErrorCode::kRebalanceInProgress) << "not yet synced";
  ASSERT_TRUE(sync(f.leader, next, {}).ready());
  EXPECT_EQ(commit(f.follower, f.generation, 7), ErrorCode::kIllegalGeneration);
  EXPECT_EQ(committed(), 5);
  EXPECT_EQ(commit(f.follower, next, 8), ErrorCode::kNone);
  EXPECT_EQ(committed(), 8);
  EXPECT_EQ(commit("stranger", next, 9), ErrorCode::kUnknownMemberId);
}

TEST_F(ConsumerGroup, MembersMayCommitWhileTheGroupPreparesARebalance) {
  Formed f = form_group_of_two();
  auto jl = join(f.leader);
  EXPECT_EQ(state(), "PreparingRebalance");
  EXPECT_EQ(commit(f.follower, f.generation, 42), ErrorCode::kNone) << "revoked partitions are committed first";
  EXPECT_EQ(committed(), 42);
}

TEST_F(ConsumerGroup, StandaloneConsumersCommitWithGenerationMinusOneOnlyIntoAGroupWithoutMembers) {
  EXPECT_EQ(commit("", -1, 100), ErrorCode::kNone);
  EXPECT_EQ(committed(), 100);
  EXPECT_EQ(state(), "Empty");
  EXPECT_EQ(commit("", 3, 100), ErrorCode::kUnknownMemberId);

  Formed f = form_group_of_two();
  EXPECT_EQ(commit("", -1, 200), ErrorCode::kUnknownMemberId);
  EXPECT_EQ(committed(), 100);

  OffsetCommitRequest elsewhere;
  elsewhere.group_id = "never-joined";
  elsewhere.generation_id = 4;
  elsewhere.topics.push_back({"events", {{PartitionId(0), Offset(1), -1, -1, std::nullopt}}});
  EXPECT_EQ(coordinator_->offset_commit(elsewhere).topics[0].partitions[0].error, ErrorCode::kIllegalGeneration);
}

TEST_F(ConsumerGroup, OffsetFetchAnswersMinusOneForPartitionsWithoutACommitAndListsAllWhenAskedForAll) {
  EXPECT_EQ(commit("", -1, 10, std::nullopt, PartitionId(0)), ErrorCode::kNone);
  EXPECT_EQ(commit("", -1, 20, std::nullopt, PartitionId(2)), ErrorCode::kNone);
  EXPECT_EQ(committed(PartitionId(1)), -1);

  OffsetFetchRequest all;
  all.group_id = "g";
  OffsetFetchResult result = coordinator_->offset_fetch(all);
  ASSERT_EQ(result.topics.size(), 1u);
  ASSERT_EQ(result.topics[0].partitions.size(), 2u);
  EXPECT_EQ(result.topics[0].partitions[1].partition_index, PartitionId(2));
  EXPECT_EQ(result.topics[0].partitions[1].committed_offset, Offset(20));
  EXPECT_EQ(result.topics[0].partitions[1].metadata, "meta");

  OffsetFetchRequest unknown_group;
  unknown_group.group_id = "nobody";
  unknown_group.topics = std::vector<OffsetFetchTopic>{{"events", {PartitionId(0)}}};
  result = coordinator_->offset_fetch(unknown_group);
  EXPECT_EQ(result.topics.at(0).partitions.at(0).committed_offset, Offset(-1));
  EXPECT_EQ(result.topics.at(0).partitions.at(0).metadata, "");
}

TEST_F(ConsumerGroup, CommitsOfUnknownPartitionsOrOversizedMetadataAreRefusedOneByOne) {
  options_.partition_exists = [](const std::string& topic, PartitionId p) {
    return topic == "events" && p.value() < 2;
  };
  options_.max_offset_metadata_bytes = 8;
  start();
  OffsetCommitRequest r;
  r.group_id = "g";
  r.topics.push_back({"events",
                      {{PartitionId(0), Offset(1), -1, -1, "ok"},
                       {PartitionId(5), Offset(1), -1, -1, "ok"},
                       {PartitionId(1), Offset(1), -1, -1, "far too long"}}});
  OffsetCommitResult result = coordinator_->offset_commit(r);
  EXPECT_EQ(result.topics[0].partitions[0].error, ErrorCode::kNone);
  EXPECT_EQ(result.topics[0].partitions[1].error, ErrorCode::kUnknownTopicOrPartition);
  EXPECT_EQ(result.topics[0].partitions[2].error, ErrorCode::kOffsetMetadataTooLarge);
}

TEST_F(ConsumerGroup, ACommitTheStoreCannotKeepIsNotAcknowledgedNorVisible) {
  store_.fail_appends_with(Status::io_error("disk full"));
  EXPECT_EQ(commit("", -1, 10), ErrorCode::kCoordinatorNotAvailable);
  store_.fail_appends_with(Status::ok());
  EXPECT_EQ(committed(), -1);
  EXPECT_TRUE(coordinator_->list_groups({}).groups.empty()) << "the failed commit left no group behind";
}

TEST_F(ConsumerGroup, CommittedOffsetsAndMembershipSurviveARestartThatReplaysTheStore) {
  Formed f = form_group_of_two();
  EXPECT_EQ(commit(f.follower, f.generation, 77), ErrorCode::kNone);
  EXPECT_EQ(commit(f.follower, f.generation, 78, std::nullopt, PartitionId(1)), ErrorCode::kNone);
  EXPECT_EQ(commit(f.follower, f.generation, 79), ErrorCode::kNone);
  OffsetCommitRequest other;
  other.group_id = "other";
  other.topics.push_back({"events", {{PartitionId(0), Offset(5), -1, -1, std::nullopt}}});
  coordinator_->offset_commit(other);

  coordinator_.reset();  // the broker stops
  start();               // and replays __consumer_offsets
  EXPECT_EQ(committed(PartitionId(0)), 79);
  EXPECT_EQ(committed(PartitionId(1)), 78);
  DescribedGroup described = coordinator_->describe_groups({"g"}).at(0);
  EXPECT_EQ(described.group_state, "Stable");
  EXPECT_EQ(described.protocol_data, "range");
  ASSERT_EQ(described.members.size(), 2u);
  EXPECT_EQ(heartbeat(f.leader, f.generation), ErrorCode::kNone) << "members carry on in their generation";
  auto resync = sync(f.follower, f.generation);
  ASSERT_TRUE(resync.ready());
  EXPECT_EQ(resync->assignment, "to " + f.follower);
  EXPECT_EQ(coordinator_->list_groups({}).groups.size(), 2u);
}

TEST_F(ConsumerGroup, MembersThatDoNotComeBackAfterARestartExpire) {
  Formed f = form_group_of_two();
  coordinator_.reset();
  start();
  advance(11s);
  EXPECT_EQ(state(), "Empty");
  EXPECT_EQ(heartbeat(f.leader, f.generation), ErrorCode::kUnknownMemberId);
  coordinator_.reset();
  start();
  EXPECT_EQ(state(), "Empty") << "the empty generation was stored too";
}

TEST_F(ConsumerGroup, AStandaloneConsumersOffsetsExpireOneRetentionPeriodAfterTheirCommit) {
  options_.offsets_retention = 1h;
  options_.offsets_retention_check_interval = 1min;
  start();
  EXPECT_EQ(commit("", -1, 10, std::nullopt, PartitionId(0)), ErrorCode::kNone);
  advance(30min);
  EXPECT_EQ(commit("", -1, 20, std::nullopt, PartitionId(1)), ErrorCode::kNone);
  advance(31min);  // partition 0 was committed 61 minutes ago
  EXPECT_EQ(committed(PartitionId(0)), -1);
  EXPECT_EQ(committed(PartitionId(1)), 20);
  advance(30min);
  EXPECT_EQ(committed(PartitionId(1)), -1);
  EXPECT_TRUE(coordinator_->list_groups({}).groups.empty()) << "an empty group without offsets is removed";

  coordinator_.reset();
  start();
  EXPECT_EQ(committed(PartitionId(1)), -1) << "the expiry was stored as tombstones";
  EXPECT_TRUE(coordinator_->list_groups({}).groups.empty());
}

TEST_F(ConsumerGroup, AConsumerGroupsOffsetsExpireOnlyOnceItHasBeenEmptyForTheRetentionPeriod) {
  options_.offsets_retention = 1h;
  options_.offsets_retention_check_interval = 1min;
  start();
  Formed f = form_group_of_two();
  EXPECT_EQ(commit(f.leader, f.generation, 10), ErrorCode::kNone);
  for (int i = 0; i < 2 * 720; ++i) {  // two hours of heartbeats, every 5 s
    advance(5s);
    ASSERT_EQ(heartbeat(f.leader, f.generation), ErrorCode::kNone);
    ASSERT_EQ(heartbeat(f.follower, f.generation), ErrorCode::kNone);
  }
  EXPECT_EQ(committed(), 10) << "a group with members keeps its offsets";

  coordinator_->leave_group({"g", {{f.leader, std::nullopt, std::nullopt}, {f.follower, std::nullopt, std::nullopt}}});
  EXPECT_EQ(state(), "Empty");
  advance(30min);
  coordinator_.reset();  // a restart keeps the time the group became Empty
  start();
  advance(20min);
  EXPECT_EQ(committed(), 10);
  advance(11min);  // 61 minutes after the group became Empty
  EXPECT_EQ(committed(), -1);
  EXPECT_EQ(state(), "Dead");
}

TEST_F(ConsumerGroup, DeletingAGroupWithMembersIsRefusedAndAnEmptyOneIsForgottenForGood) {
  Formed f = form_group_of_two();
  EXPECT_EQ(commit(f.leader, f.generation, 3), ErrorCode::kNone);
  auto refused = coordinator_->delete_groups({"g", "unknown"});
  ASSERT_EQ(refused.size(), 2u);
  EXPECT_EQ(refused[0].error, ErrorCode::kNonEmptyGroup);
  EXPECT_EQ(refused[1].error, ErrorCode::kGroupIdNotFound);
  EXPECT_EQ(committed(), 3);

  coordinator_->leave_group({"g", {{f.leader, std::nullopt, std::nullopt}, {f.follower, std::nullopt, std::nullopt}}});
  EXPECT_EQ(state(), "Empty");
  EXPECT_EQ(coordinator_->delete_groups({"g"}).at(0).error, ErrorCode::kNone);
  EXPECT_EQ(committed(), -1);
  EXPECT_EQ(state(), "Dead");
  EXPECT_TRUE(coordinator_->list_groups({}).groups.empty());

  coordinator_.reset();
  start();
  EXPECT_EQ(committed(), -1) << "tombstones keep a replay from bringing the group back";
  EXPECT_TRUE(coordinator_->list_groups({}).groups.empty());
}

TEST_F(ConsumerGroup, TheInitialRebalanceDelayWaitsForMembersThatKeepArriving) {
  options_.initial_rebalance_delay = 3s;
  start();
  std::string a = member_id_for_new_member();
  auto ja = join(a);
  advance(1s);
  std::string b = member_id_for_new_member();
  auto jb = join(b);
  advance(2s);  // the first delay is over, but b arrived during it
  EXPECT_FALSE(ja.ready());
  advance(3s);
  ASSERT_TRUE(ja.ready());
  ASSERT_TRUE(jb.ready());
  EXPECT_EQ(ja->generation_id, 1);
  EXPECT_EQ(std::max(ja->members.size(), jb->members.size()), 2u);
}

TEST_F(ConsumerGroup, TheSelectedProtocolIsOneEveryMemberSupportsAndOthersAreRefused) {
  std::string a = member_id_for_new_member();
  std::string b = member_id_for_new_member();
  auto ja = join(join_request(a, std::nullopt, {{"roundrobin", "rr"}, {"range", "r"}}));
  auto jb = join(join_request(b, std::nullopt, {{"range", "r"}}));
  ASSERT_TRUE(ja.ready() && jb.ready());
  EXPECT_EQ(ja->protocol_name, "range");
  const auto& leader = ja->leader == a ? *ja : *jb;
  for (const JoinGroupMember& m : leader.members) EXPECT_EQ(m.metadata, "r");

  auto jc = join(join_request("", std::nullopt, {{"cooperative-sticky", "s"}}));
  ASSERT_TRUE(jc.ready());
  EXPECT_EQ(jc->error, ErrorCode::kInconsistentGroupProtocol);
  JoinGroupRequest other_type = join_request("");
  other_type.protocol_type = "connect";
  auto jd = join(other_type);
  EXPECT_EQ(jd->error, ErrorCode::kInconsistentGroupProtocol);
}

TEST_F(ConsumerGroup, AMemberIdHandedOutButNeverUsedExpiresAfterTheSessionTimeout) {
  std::string a = member_id_for_new_member();
  std::string ghost = member_id_for_new_member();
  auto ja = join(a);
  EXPECT_FALSE(ja.ready()) << "waiting for the holder of the second id";
  advance(11s);
  ASSERT_TRUE(ja.ready());
  EXPECT_EQ(ja->members.size(), 1u);
  auto late = join(ghost);
  EXPECT_EQ(late->error, ErrorCode::kUnknownMemberId);
}

TEST_F(ConsumerGroup, OldClientsJoinInOneStep) {
  JoinGroupRequest v3 = join_request("");
  v3.api_version = 3;
  auto j = join(v3);
  ASSERT_TRUE(j.ready());
  EXPECT_EQ(j->error, ErrorCode::kNone);
  EXPECT_EQ(j->generation_id, 1);
  EXPECT_EQ(j->leader, j->member_id);
}

TEST_F(ConsumerGroup, SessionTimeoutsOutsideTheBrokersBoundsAreRefused) {
  JoinGroupRequest r = join_request("");
  r.session_timeout_ms = 1000;
  EXPECT_EQ(join(r)->error, ErrorCode::kInvalidSessionTimeout);
  r.group_id = "";
  r.session_timeout_ms = kSessionMs;
  EXPECT_EQ(join(r)->error, ErrorCode::kInvalidGroupId);
}

TEST_F(ConsumerGroup, SyncGroupChecksGenerationAndMember) {
  Formed f = form_group_of_two();
  EXPECT_EQ(sync(f.follower, f.generation + 5)->error, ErrorCode::kIllegalGeneration);
  EXPECT_EQ(sync("stranger", f.generation)->error, ErrorCode::kUnknownMemberId);
  auto stable = sync(f.follower, f.generation);
  EXPECT_EQ(stable->assignment, "to " + f.follower) << "a Stable group answers the current assignment";
}

TEST_F(ConsumerGroup, AMemberThatNeverSyncsIsRemovedAfterTheRebalanceTimeout) {
  std::string a = member_id_for_new_member();
  std::string b = member_id_for_new_member();
  auto ja = join(a);
  auto jb = join(b);
  ASSERT_TRUE(ja.ready() && jb.ready());
  std::string follower = ja->leader == a ? b : a;
  auto waiting = sync(follower, 1);
  for (int i = 0; i < 6; ++i) {
    advance(5s);
    heartbeat(ja->leader, 1);  // the leader is alive but never assigns
  }
  ASSERT_TRUE(waiting.ready());
  EXPECT_EQ(waiting->error, ErrorCode::kRebalanceInProgress);
}

TEST_F(ConsumerGroup, ARetriedJoinSupersedesTheWaitingOneWhichStillGetsAnAnswer) {
  Formed f = form_group_of_two();
  auto first = join(f.leader);
  auto retried = join(f.leader);
  ASSERT_TRUE(first.ready());
  EXPECT_EQ(first->error, ErrorCode::kRebalanceInProgress);
  EXPECT_FALSE(retried.ready());
  join(f.follower);
  ASSERT_TRUE(retried.ready());
  EXPECT_EQ(retried->error, ErrorCode::kNone);
  EXPECT_EQ(first.calls(), 1);
}

TEST_F(ConsumerGroup, CompletionsRunOutsideTheLockSoTheyMayCallTheCoordinator) {
  std::string a = member_id_for_new_member();
  ErrorCode from_completion = ErrorCode::kUnknownServerError;
  coordinator_->join_group(join_request(a), [&](JoinGroupResult r) {
    from_completion = coordinator_->heartbeat({"g", r.generation_id, r.member_id, std::nullopt}).error;
  });
  EXPECT_EQ(from_completion, ErrorCode::kNone);
}

TEST_F(ConsumerGroup, ShutdownAnswersEveryWaitingRequest) {
  Formed f = form_group_of_two();
  auto jl = join(f.leader);
  ASSERT_FALSE(jl.ready());
  coordinator_->shutdown();
  ASSERT_TRUE(jl.ready());
  EXPECT_EQ(jl->error, ErrorCode::kCoordinatorNotAvailable);
  EXPECT_EQ(heartbeat(f.follower, f.generation), ErrorCode::kCoordinatorNotAvailable);
}

TEST_F(ConsumerGroup, RequestsBeforeTheReplayEndsAreAskedToWait) {
  GroupCoordinator fresh(options_, store_, [this] { return now_; });
  EXPECT_EQ(fresh.heartbeat({"g", 1, "m", std::nullopt}).error, ErrorCode::kCoordinatorLoadInProgress);
  Awaited<JoinGroupResult> j;
  fresh.join_group(join_request(""), j.completion());
  EXPECT_EQ(j->error, ErrorCode::kCoordinatorLoadInProgress);
  EXPECT_EQ(fresh.list_groups({}).error, ErrorCode::kCoordinatorLoadInProgress);
}

TEST_F(ConsumerGroup, DescribeAndListShowStateProtocolAndMembers) {
  Formed f = form_group_of_two();
  EXPECT_EQ(commit("", -1, 1, std::nullopt), ErrorCode::kUnknownMemberId);
  OffsetCommitRequest simple;
  simple.group_id = "simple";
  simple.topics.push_back({"events", {{PartitionId(0), Offset(1), -1, -1, std::nullopt}}});
  coordinator_->offset_commit(simple);

  auto described = coordinator_->describe_groups({"g", "missing"});
  ASSERT_EQ(described.size(), 2u);
  EXPECT_EQ(described[0].protocol_type, "consumer");
  ASSERT_EQ(described[0].members.size(), 2u);
  EXPECT_EQ(described[0].members[0].client_host, "/127.0.0.1");
  EXPECT_EQ(described[0].members[0].member_metadata, "subscription");
  EXPECT_EQ(described[0].members[0].member_assignment, "to " + described[0].members[0].member_id);
  EXPECT_EQ(described[1].error, ErrorCode::kNone);
  EXPECT_EQ(described[1].group_state, "Dead");

  ListGroupsRequest stable_only;
  stable_only.states_filter = {"stable"};
  auto listed = coordinator_->list_groups(stable_only);
  ASSERT_EQ(listed.groups.size(), 1u);
  EXPECT_EQ(listed.groups[0].group_id, "g");
  EXPECT_EQ(listed.groups[0].group_type, "classic");
  EXPECT_EQ(coordinator_->list_groups({}).groups.size(), 2u);
  ListGroupsRequest modern;
  modern.types_filter = {"consumer"};
  EXPECT_TRUE(coordinator_->list_groups(modern).groups.empty());
}

}  // namespace
}  // namespace loch::kafka::groups
