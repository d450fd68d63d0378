#include "process/pipeline/interval_join.h"

#include <gtest/gtest.h>

#include <map>

namespace loch::pipeline {
namespace {

using Side = IntervalJoin::Side;

std::vector<std::string> pairs(IntervalJoin& join) {
  std::vector<std::string> out;
  for (const JoinMatch& m : join.take_matches()) out.push_back(*m.left + "+" + *m.right);
  return out;
}

// Clicks within 10 minutes before an order: right - left in [-600000, 0].
IntervalJoin clicks_before_orders() { return IntervalJoin(IntervalJoinSpec{-600'000, 0}); }

TEST(IntervalJoinTest, MatchesWithinTheIntervalWhicheverSideComesSecond) {
  IntervalJoin join = clicks_before_orders();
  join.add(Side::kRight, "c1", 1'000'000, "click-a");
  join.add(Side::kRight, "c1", 300'000, "click-too-early");  // 700 s before the order
  join.add(Side::kRight, "c2", 1'000'000, "click-other-customer");
  join.add(Side::kLeft, "c1", 1'000'000, "order-1");         // click-a at 0 s: inside (inclusive)
  EXPECT_EQ(pairs(join), (std::vector<std::string>{"order-1+click-a"}));
  join.add(Side::kRight, "c1", 1'000'001, "click-after");     // after the order: outside [-10m, 0]
  join.add(Side::kRight, "c1", 400'000, "click-edge");        // exactly 600 s before: inside
  EXPECT_EQ(pairs(join), (std::vector<std::string>{"order-1+click-edge"}));
  EXPECT_TRUE(pairs(join).empty()) << "matches are taken once";
}

TEST(IntervalJoinTest, EachPairIsEmittedOnce) {
  IntervalJoin join = clicks_before_orders();
  join.add(Side::kLeft, "c1", 1'000'000, "order-1");
  join.add(Side::kLeft, "c1", 1'100'000, "order-2");
  join.add(Side::kRight, "c1", 990'000, "click");  // before both orders, within 10 min of each
  EXPECT_EQ(pairs(join), (std::vector<std::string>{"order-1+click", "order-2+click"}));
  join.add(Side::kLeft, "c1", 1'200'000, "order-3");  // 210 s after the click
  EXPECT_EQ(pairs(join), (std::vector<std::string>{"order-3+click"}));
}

TEST(IntervalJoinTest, TheWatermarkExpiresRowsThatCanNoLongerMatch) {
  IntervalJoin join = clicks_before_orders();
  join.add(Side::kLeft, "c1", 1'000'000, "order");
  join.add(Side::kRight, "c1", 1'000'000, "click");
  (void)join.take_matches();
  // A left row waits for right rows up to t + 0; a right row for left rows up to s + 600 s.
  join.expire(1'000'000);
  EXPECT_EQ(join.buffered(Side::kLeft), 1u);
  join.expire(1'000'001);
  EXPECT_EQ(join.buffered(Side::kLeft), 0u);
  EXPECT_EQ(join.buffered(Side::kRight), 1u);
  join.expire(1'600'000);
  EXPECT_EQ(join.buffered(Side::kRight), 1u);
  join.add(Side::kLeft, "c1", 1'600'000, "order-at-the-edge");
  EXPECT_EQ(pairs(join), (std::vector<std::string>{"order-at-the-edge+click"}));
  join.expire(1'600'001);
  EXPECT_EQ(join.buffered(Side::kRight), 0u);
  join.expire(kNoTimestamp);  // no watermark yet: nothing to do
}

TEST(IntervalJoinTest, CheckpointAndRestoreGiveTheSameMatchesAsNoInterruption) {
  auto feed_first = [](IntervalJoin& join) {
    join.add(Side::kRight, "c1", 100, "r1");
    join.add(Side::kRight, "c1", 100, "r2");  // same key and time: both kept, in order
    join.add(Side::kLeft, "c2", 200, "l1");
    join.add(Side::kRight, std::string("k\0ey", 4), 150, "r-binary-key");
  };
  auto feed_second = [](IntervalJoin& join) {
    join.add(Side::kLeft, "c1", 150, "l2");
    join.add(Side::kRight, "c2", 190, "r3");
    join.add(Side::kLeft, std::string("k\0ey", 4), 160, "l3");
  };
  IntervalJoin straight(IntervalJoinSpec{-100, 0});
  feed_first(straight);
  (void)straight.take_matches();
  feed_second(straight);
  std::vector<std::string> expected = pairs(straight);
  ASSERT_EQ(expected, (std::vector<std::string>{"l2+r1", "l2+r2", "l1+r3", "l3+r-binary-key"}));

  IntervalJoin first(IntervalJoinSpec{-100, 0});
  feed_first(first);
  StateEntries entries = first.checkpoint_entries();
  IntervalJoin restored(IntervalJoinSpec{-100, 0});
  ASSERT_TRUE(restored.restore_entries(entries).is_ok());
  EXPECT_EQ(restored.buffered(Side::kRight), 3u);
  feed_second(restored);
  EXPECT_EQ(pairs(restored), expected);
  EXPECT_EQ(restored.checkpoint_entries(), straight.checkpoint_entries());
}

// Applies `delta` to `entries` as StateStore::checkpoint_delta does to live/.
StateEntries applied(StateEntries entries, const StateDelta& delta) {
  std::map<std::string, std::string> state(entries.begin(), entries.end());
  for (const std::string& key : delta.deletes) state.erase(key);
  for (const auto& [key, value] : delta.puts) state[key] = value;
  return StateEntries(state.begin(), state.end());
}

TEST(IntervalJoinTest, ChangesOnTopOfTheLastCheckpointMakeTheWholeState) {
  IntervalJoin join(IntervalJoinSpec{-100, 0});
  join.add(Side::kRight, "c1", 100, "r1");
  join.add(Side::kLeft, "c2", 200, "l1");
  StateEntries stored = join.checkpoint_entries();
  join.forget_changes();
  // Between checkpoints: rows added, rows expired, and a row added and expired again.
  join.add(Side::kRight, "c2", 190, "r2");
  join.add(Side::kLeft, "c3", 210, "short-lived");
  join.add(Side::kLeft, "c4", 400, "l2");
  join.expire(305);  // left rows with t + 0 < 305 go; right rows with s - 100 < 305 go (all of them)
  StateDelta delta;
  join.save_changes(delta);
  EXPECT_LT(delta.puts.size(), join.checkpoint_entries().size() + 1);
  stored = applied(stored, delta);
  EXPECT_EQ(stored, join.checkpoint_entries());
  // Nothing changed: only the spec and sequence entries.
  StateDelta nothing;
  join.save_changes(nothing);
  EXPECT_EQ(nothing.puts.size(), 2u);
  EXPECT_TRUE(nothing.deletes.empty());
  EXPECT_EQ(applied(stored, nothing), join.checkpoint_entries());
  // After a restore the next changes are on top of the restored state.
  IntervalJoin restored(IntervalJoinSpec{-100, 0});
  ASSERT_TRUE(restored.restore_entries(stored).is_ok());
  restored.add(Side::kRight, "c4", 390, "r3");
  StateDelta after;
  restored.save_changes(after);
  EXPECT_EQ(after.puts.size(), 3u) << "spec, sequence and the one new row";
  EXPECT_EQ(applied(stored, after), restored.checkpoint_entries());
}

TEST(IntervalJoinTest, RefusesStateOfAnotherIntervalOrDamagedEntries) {
  IntervalJoin join(IntervalJoinSpec{-100, 0});
  join.add(Side::kLeft, "k", 1, "l");
  StateEntries entries = join.checkpoint_entries();
  IntervalJoin other(IntervalJoinSpec{-200, 0});
  Status refused = other.restore_entries(entries);
  EXPECT_EQ(refused.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.message().find("[-100 ms, 0 ms]"), std::string::npos) << refused.message();

  StateEntries damaged = entries;
  for (auto& [key, value] : damaged) {
    if (key[0] == 'L') key.pop_back();
  }
  EXPECT_EQ(IntervalJoin(IntervalJoinSpec{-100, 0}).restore_entries(damaged).code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace loch::pipeline
