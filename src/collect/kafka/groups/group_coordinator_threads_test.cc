// The coordinator under concurrent use: members on their own threads, a timer
// thread driving the clock, completions arriving on whichever thread resolved
// them. Checks that nothing deadlocks and that every completion is called
// exactly once with an answer the protocol allows.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <set>
#include <thread>

#include "collect/kafka/groups/group_coordinator.h"

namespace loch::kafka::groups {
namespace {

using namespace std::chrono_literals;

class Member {
 public:
  Member(GroupCoordinator& coordinator, int index)
      : coordinator_(coordinator), client_("client-" + std::to_string(index)) {}

  // One life: join (two steps), sync, heartbeat, commit, leave. Returns false
  // if some answer never came.
  bool live_once() {
    auto first = join("");
    if (!first) return false;
    if (first->error != ErrorCode::kMemberIdRequired) return check(first->error);
    auto joined = join(first->member_id);
    if (!joined) return false;
    if (joined->error != ErrorCode::kNone) return check(joined->error);
    SyncGroupRequest sync;
    sync.group_id = "g";
    sync.generation_id = joined->generation_id;
    sync.member_id = joined->member_id;
    for (const JoinGroupMember& m : joined->members) sync.assignments.push_back({m.member_id, "a"});
    std::promise<SyncGroupResult> synced;
    auto future = synced.get_future();
    auto calls = std::make_shared<std::atomic<int>>(0);
    coordinator_.sync_group(sync, [calls, p = std::make_shared<std::promise<SyncGroupResult>>(std::move(synced))](
                                      SyncGroupResult r) {
      if (calls->fetch_add(1) == 0) p->set_value(std::move(r));
    });
    if (future.wait_for(10s) != std::future_status::ready) return false;
    completions_called_more_than_once_ += calls->load() > 1;
    ErrorCode sync_error = future.get().error;
    if (sync_error == ErrorCode::kNone) ++assigned;
    check(sync_error);
    check(coordinator_.heartbeat({"g", joined->generation_id, joined->member_id, std::nullopt}).error);
    OffsetCommitRequest commit;
    commit.group_id = "g";
    commit.generation_id = joined->generation_id;
    commit.member_id = joined->member_id;
    commit.topics.push_back({"t", {{PartitionId(0), Offset(1), -1, -1, std::nullopt}}});
    check(coordinator_.offset_commit(commit).topics[0].partitions[0].error);
    LeaveGroupResult left = coordinator_.leave_group({"g", {{joined->member_id, std::nullopt, std::nullopt}}});
    for (const LeftMember& m : left.members) check(m.error);
    return true;
  }

  std::set<ErrorCode> unexpected;
  int assigned = 0;  // lives that got through a whole rebalance
  int completions_called_more_than_once_ = 0;

 private:
  std::optional<JoinGroupResult> join(const std::string& member_id) {
    JoinGroupRequest r;
    r.group_id = "g";
    r.session_timeout_ms = 10'000;
    r.rebalance_timeout_ms = 20'000;
    r.member_id = member_id;
    r.protocol_type = "consumer";
    r.protocols = {{"range", "s"}};
    r.client_id = client_;
    auto promise = std::make_shared<std::promise<JoinGroupResult>>();
    auto future = promise->get_future();
    auto calls = std::make_shared<std::atomic<int>>(0);
    coordinator_.join_group(std::move(r), [calls, promise](JoinGroupResult result) {
      if (calls->fetch_add(1) == 0) promise->set_value(std::move(result));
    });
    if (future.wait_for(10s) != std::future_status::ready) return std::nullopt;
    completions_called_more_than_once_ += calls->load() > 1;
    return future.get();
  }

  // Members come and go, so any of these is a legal answer at some moment.
  bool check(ErrorCode error) {
    static const std::set<ErrorCode> allowed = {
        ErrorCode::kNone, ErrorCode::kMemberIdRequired, ErrorCode::kRebalanceInProgress,
        ErrorCode::kIllegalGeneration, ErrorCode::kUnknownMemberId};
    if (!allowed.count(error)) unexpected.insert(error);
    return true;
  }

  GroupCoordinator& coordinator_;
  std::string client_;
};

TEST(GroupCoordinatorThreads, MembersOnManyThreadsNeverDeadlockAndEveryAnswerArrivesOnce) {
  std::atomic<int64_t> now_ms{1'000'000};
  InMemoryOffsetStore store;
  GroupCoordinator::Options options;
  options.initial_rebalance_delay = 0ms;
  GroupCoordinator coordinator(options, store, [&now_ms] { return Millis(now_ms.load()); });
  ASSERT_TRUE(coordinator.load().is_ok());

  std::atomic<bool> stop{false};
  std::thread timer([&] {
    // One fake second per real millisecond: waits for absent members end in
    // milliseconds instead of hanging.
    while (!stop) {
      now_ms += 1000;
      coordinator.tick();
      std::this_thread::sleep_for(1ms);
    }
  });
  constexpr int kMembers = 4;
  std::vector<std::unique_ptr<Member>> members;
  for (int i = 0; i < kMembers; ++i) members.push_back(std::make_unique<Member>(coordinator, i));
  std::atomic<int> lives{0};
  std::atomic<int> stuck{0};
  std::vector<std::thread> threads;
  for (auto& member : members) {
    threads.emplace_back([&, m = member.get()] {
      for (int i = 0; i < 25; ++i) {
        if (m->live_once()) {
          ++lives;
        } else {
          ++stuck;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  stop = true;
  timer.join();

  EXPECT_EQ(stuck.load(), 0);
  EXPECT_EQ(lives.load(), kMembers * 25);
  int assigned = 0;
  for (auto& member : members) {
    EXPECT_TRUE(member->unexpected.empty()) << error_name(*member->unexpected.begin());
    EXPECT_EQ(member->completions_called_more_than_once_, 0);
    assigned += member->assigned;
  }
  EXPECT_GT(assigned, 0) << "rebalances completed, not only failed";
  // Everyone left: after the last rebalance, the group is Empty.
  for (int i = 0; i < 100 && coordinator.describe_groups({"g"}).at(0).group_state != "Empty"; ++i) {
    now_ms += 1000;
    coordinator.tick();
  }
  EXPECT_EQ(coordinator.describe_groups({"g"}).at(0).group_state, "Empty");
}

}  // namespace
}  // namespace loch::kafka::groups
