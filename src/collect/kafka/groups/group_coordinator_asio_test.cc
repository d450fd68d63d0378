#include "collect/kafka/groups/group_coordinator_asio.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <utility>  // before asio: Boost 1.74's awaitable.hpp uses std::exchange unincluded

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace loch::kafka::groups {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

JoinGroupRequest join_request(std::string member_id) {
  JoinGroupRequest r;
  r.group_id = "g";
  r.session_timeout_ms = 10'000;
  r.rebalance_timeout_ms = 30'000;
  r.member_id = std::move(member_id);
  r.protocol_type = "consumer";
  r.protocols = {{"range", "s"}};
  r.client_id = "c";
  return r;
}

// Two members, each a coroutine on its own strand as a connection would be,
// on a two-thread io_context: the first one's JoinGroup waits for the
// second's, then both run SyncGroup, and each resumes on its own strand.
TEST(GroupCoordinatorAsio, CoroutinesAwaitJoinAndSyncAcrossStrands) {
  InMemoryOffsetStore store;
  GroupCoordinator::Options options;
  options.initial_rebalance_delay = 0ms;
  GroupCoordinator coordinator(options, store, [] { return Millis(1'000'000); });
  ASSERT_TRUE(coordinator.load().is_ok());
  // Both ids first, so that the group waits for both joins.
  std::string ids[2];
  for (auto& id : ids) {
    coordinator.join_group(join_request(""), [&id](JoinGroupResult r) { id = r.member_id; });
  }

  asio::io_context io;
  std::atomic<int> synced{0};
  std::atomic<int> on_own_strand{0};
  std::string assignments[2];
  for (int i = 0; i < 2; ++i) {
    auto strand = asio::make_strand(io);
    asio::co_spawn(
        strand,
        [&, i, strand]() -> asio::awaitable<void> {
          JoinGroupResult joined = co_await async_join_group(coordinator, join_request(ids[i]), asio::use_awaitable);
          if (strand.running_in_this_thread()) ++on_own_strand;
          SyncGroupRequest sync;
          sync.group_id = "g";
          sync.generation_id = joined.generation_id;
          sync.member_id = joined.member_id;
          if (joined.leader == joined.member_id) {
            for (const JoinGroupMember& m : joined.members) {
              sync.assignments.push_back({m.member_id, "to " + m.member_id});
            }
          }
          SyncGroupResult result = co_await async_sync_group(coordinator, std::move(sync), asio::use_awaitable);
          if (strand.running_in_this_thread()) ++on_own_strand;
          assignments[i] = result.assignment;
          ++synced;
        },
        asio::detached);
  }
  std::thread other([&io] { io.run(); });
  io.run();
  other.join();
  EXPECT_EQ(synced.load(), 2);
  EXPECT_EQ(on_own_strand.load(), 4);
  EXPECT_EQ(assignments[0], "to " + ids[0]);
  EXPECT_EQ(assignments[1], "to " + ids[1]);
}

}  // namespace
}  // namespace loch::kafka::groups
