#include "process/pipeline/event_time_engine.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <random>

namespace loch::pipeline {
namespace {
namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/loch-pipeline-test-XXXXXX";
    path_ = mkdtemp(pattern);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

Event make_event(int32_t partition, TimestampMs t, std::string key, std::string id, double amount) {
  Event e;
  e.source = {"orders", partition};
  e.event_time_ms = t;
  e.key = std::move(key);
  e.dedup_id = std::move(id);
  e.inputs = {AggregateInput{amount, 0, false}, AggregateInput{amount, stable_hash(e.dedup_id), false}};
  return e;
}

EventTimeSpec shop_spec() {
  EventTimeSpec spec;
  spec.watermark = {.allowed_lateness_ms = 2000, .idle_timeout_ms = 5000};
  spec.dedup_ttl_ms = 60'000;
  spec.aggregation = WindowedAggregationSpec{
      WindowSpec::tumbling(10'000), {AggregateKind::kSum, AggregateKind::kCountDistinct}, EmitMode::kFinal};
  return spec;
}

// Orders over 3 partitions, mostly in order, with late, duplicate and
// out-of-order events, deterministic for a seed.
std::vector<Event> orders(int count, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<Event> events;
  TimestampMs clock = 1'700'000'000'000;
  for (int i = 0; i < count; ++i) {
    clock += rng() % 400;
    TimestampMs t = clock;
    if (rng() % 20 == 0) t -= 1000 + rng() % 10'000;  // out of order, sometimes beyond the lateness
    std::string id = "o" + std::to_string(i);
    if (i > 0 && rng() % 25 == 0) id = "o" + std::to_string(i - 1 - static_cast<int>(rng() % std::min(i, 5)));
    events.push_back(make_event(static_cast<int32_t>(rng() % 3), t, "cat" + std::to_string(rng() % 4), id,
                                static_cast<double>(rng() % 100)));
  }
  return events;
}

// What a run produced, as comparable text: verdicts and results in order.
struct Transcript {
  std::vector<std::string> lines;
  void verdict(size_t index, const EventOutcome& outcome) {
    if (outcome.verdict == Verdict::kAccepted) return;
    lines.push_back(std::to_string(index) + (outcome.verdict == Verdict::kLate ? " late " : " dup ") +
                    std::to_string(outcome.watermark_ms));
  }
  void results(std::vector<WindowResult> results) {
    for (const WindowResult& r : results) {
      if (r.values.size() < 2) {  // a withdrawn session
        lines.push_back(r.key + " [" + std::to_string(r.bounds.start) + "," + std::to_string(r.bounds.end) + ") retract");
        continue;
      }
      lines.push_back(r.key + " [" + std::to_string(r.bounds.start) + "," + std::to_string(r.bounds.end) +
                      ") sum=" + std::to_string(r.values[0].number) +
                      " distinct=" + std::to_string(r.values[1].number));
    }
  }
};

constexpr size_t kBatch = 100;

// Runs events [from, to) in batches of kBatch; processing time is the
// batch number times 1 s, so idle handling replays identically.
void run_batches(EventTimeEngine& engine, const std::vector<Event>& events, size_t from, size_t to,
                 Transcript& transcript) {
  for (size_t i = from; i < to; ++i) {
    TimestampMs now = static_cast<TimestampMs>(i / kBatch) * 1000;
    transcript.verdict(i, engine.process(events[i], now));
    if ((i + 1) % kBatch == 0) {
      engine.end_batch();
      transcript.results(engine.take_results());
    }
  }
}

TEST(EventTimeEngine, LateEventsAreReturnedWithTheReasonAndTheWatermark) {
  auto engine = EventTimeEngine::create(shop_spec());
  ASSERT_TRUE(engine.is_ok()) << engine.status().to_string();
  EXPECT_EQ(engine->process(make_event(0, 10'000, "a", "1", 1), 0).verdict, Verdict::kAccepted);
  EXPECT_EQ(engine->watermark(), 8000);
  EventOutcome on_time = engine->process(make_event(0, 8000, "a", "2", 1), 0);
  EXPECT_EQ(on_time.verdict, Verdict::kAccepted);
  EventOutcome late = engine->process(make_event(0, 7999, "a", "3", 1), 0);
  EXPECT_EQ(late.verdict, Verdict::kLate);
  EXPECT_EQ(late.watermark_ms, 8000);
  EXPECT_NE(late.reason.find("1 ms before the watermark 8000 ms"), std::string::npos) << late.reason;
  EXPECT_NE(late.reason.find("allowed lateness 2000 ms"), std::string::npos) << late.reason;
}

TEST(EventTimeEngine, DuplicatesWithinTheTtlAreFlaggedAndForgottenAfterIt) {
  EventTimeSpec spec = shop_spec();
  spec.dedup_ttl_ms = 5000;
  auto engine = EventTimeEngine::create(spec);
  ASSERT_TRUE(engine.is_ok());
  EXPECT_EQ(engine->process(make_event(0, 1000, "a", "x", 1), 0).verdict, Verdict::kAccepted);
  EventOutcome dup = engine->process(make_event(0, 1500, "a", "x", 1), 0);
  EXPECT_EQ(dup.verdict, Verdict::kDuplicate);
  EXPECT_NE(dup.reason.find("'x'"), std::string::npos);
  // Watermark 6001 - 2000 = 4001 is not past 1000 + 5000: still remembered.
  engine->process(make_event(0, 6001, "a", "y", 1), 0);
  EXPECT_EQ(engine->process(make_event(0, 6001, "a", "x", 1), 0).verdict, Verdict::kDuplicate);
  // Watermark 8001 - 2000 = 6001 > 6000: forgotten.
  engine->process(make_event(0, 8001, "a", "z", 1), 0);
  EXPECT_EQ(engine->process(make_event(0, 8001, "a", "x", 1), 0).verdict, Verdict::kAccepted);
}

TEST(EventTimeEngine, EventsWithoutAggregationOnlyGetVerdicts) {
  EventTimeSpec spec;
  spec.watermark.allowed_lateness_ms = 0;
  auto engine = EventTimeEngine::create(spec);
  ASSERT_TRUE(engine.is_ok());
  engine->process(make_event(0, 100, "a", "", 1), 0);
  EXPECT_EQ(engine->process(make_event(0, 99, "a", "", 1), 0).verdict, Verdict::kLate);
  EXPECT_TRUE(engine->take_results().empty());
}

TEST(EventTimeEngine, InvalidSpecIsRefused) {
  EventTimeSpec spec = shop_spec();
  spec.watermark.allowed_lateness_ms = -1;
  EXPECT_EQ(EventTimeEngine::create(spec).status().code(), StatusCode::kInvalidArgument);
  spec = shop_spec();
  spec.aggregation->window = WindowSpec::hopping(10, 20);
  EXPECT_EQ(EventTimeEngine::create(spec).status().code(), StatusCode::kInvalidArgument);
}

TEST(EventTimeEngine, EveryEventIsCountedOnceAsAcceptedLateOrDuplicate) {
  std::vector<Event> events = orders(3000, 7);
  auto engine = EventTimeEngine::create(shop_spec());
  ASSERT_TRUE(engine.is_ok());
  double accepted_sum = 0;
  int late = 0, duplicates = 0;
  for (const Event& e : events) {
    EventOutcome outcome = engine->process(e, 0);
    if (outcome.verdict == Verdict::kAccepted) accepted_sum += e.inputs[0].number;
    late += outcome.verdict == Verdict::kLate;
    duplicates += outcome.verdict == Verdict::kDuplicate;
  }
  engine->on_processing_time(1'000'000);  // every partition idle: the watermark follows the newest
  double window_sum = 0;
  for (const WindowResult& r : engine->take_results()) window_sum += r.values[0].number;
  EXPECT_GT(late, 0);
  EXPECT_GT(duplicates, 0);
  // Windows still open hold the rest; close them by a far event.
  engine->process(make_event(0, 1'900'000'000'000, "z", "end", 0), 2'000'000);
  for (const WindowResult& r : engine->take_results()) window_sum += r.values[0].number;
  EXPECT_EQ(window_sum, accepted_sum);
}

TEST(EventTimeEngine, ReplayFromACheckpointGivesTheSameOutput) {
  std::vector<Event> events = orders(2000, 42);
  TempDir dir;
  auto store = StateStore::open(dir.path() / "state" / "gold_revenue");
  ASSERT_TRUE(store.is_ok()) << store.status().to_string();

  // The uninterrupted run, checkpointing at versions 1..4 after batches 5, 10, 15, 19.
  auto engine = EventTimeEngine::create(shop_spec());
  ASSERT_TRUE(engine.is_ok());
  Transcript full;
  std::vector<size_t> transcript_at_version(5, 0);
  const size_t checkpoint_after[] = {500, 1000, 1500, 1900};
  size_t from = 0;
  for (int v = 1; v <= 4; ++v) {
    run_batches(*engine, events, from, checkpoint_after[v - 1], full);
    ASSERT_TRUE(engine->checkpoint(**store, TableVersion(v)).is_ok());
    transcript_at_version[v] = full.lines.size();
    from = checkpoint_after[v - 1];
  }
  run_batches(*engine, events, from, events.size(), full);
  ASSERT_GT(full.lines.size(), 50u);
  store->reset();  // the process "dies": RocksDB's lock is released

  // A crash-like restart from the newest checkpoint, and one from an older
  // one (its commit happened, the next did not): both replay to the same end.
  for (int v : {4, 2}) {
    auto reopened = StateStore::open(dir.path() / "state" / "gold_revenue");
    ASSERT_TRUE(reopened.is_ok()) << reopened.status().to_string();
    auto restarted = EventTimeEngine::create(shop_spec());
    ASSERT_TRUE(restarted.is_ok());
    Status restored = restarted->restore(**reopened, TableVersion(v));
    ASSERT_TRUE(restored.is_ok()) << restored.to_string();
    Transcript replay;
    replay.lines.assign(full.lines.begin(), full.lines.begin() + static_cast<long>(transcript_at_version[v]));
    run_batches(*restarted, events, checkpoint_after[v - 1], events.size(), replay);
    EXPECT_EQ(replay.lines, full.lines) << "replay from checkpoint " << v;
  }
  // Restoring 2 dropped 3 and 4, which belong to commits that never happened
  // (1 went when 4 was made: two older checkpoints are kept by default).
  auto reopened = StateStore::open(dir.path() / "state" / "gold_revenue");
  ASSERT_TRUE(reopened.is_ok());
  auto versions = (*reopened)->checkpoints();
  ASSERT_TRUE(versions.is_ok());
  EXPECT_EQ(*versions, (std::vector<TableVersion>{TableVersion(2)}));
}

TEST(EventTimeEngine, CheckpointOfAnotherSpecIsRefused) {
  TempDir dir;
  auto store = StateStore::open(dir.path());
  ASSERT_TRUE(store.is_ok());
  auto engine = EventTimeEngine::create(shop_spec());
  ASSERT_TRUE(engine.is_ok());
  engine->process(make_event(0, 1000, "a", "1", 1), 0);
  ASSERT_TRUE(engine->checkpoint(**store, TableVersion(7)).is_ok());
  EventTimeSpec other = shop_spec();
  other.aggregation->window = WindowSpec::tumbling(60'000);
  auto changed = EventTimeEngine::create(other);
  ASSERT_TRUE(changed.is_ok());
  Status status = changed->restore(**store, TableVersion(7));
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("tumbling(10000)"), std::string::npos) << status.to_string();
}

TEST(StateStore, KeepsTheNewestCheckpointsAndFindsNoneThatWasNotMade) {
  TempDir dir;
  auto store = StateStore::open(dir.path(), {.keep_older_checkpoints = 1});
  ASSERT_TRUE(store.is_ok());
  for (int v = 10; v <= 13; ++v) {
    StateEntries entries{{"a" + std::to_string(v), "value"}};
    ASSERT_TRUE((*store)->checkpoint(TableVersion(v), entries).is_ok());
  }
  auto versions = (*store)->checkpoints();
  ASSERT_TRUE(versions.is_ok());
  EXPECT_EQ(*versions, (std::vector<TableVersion>{TableVersion(12), TableVersion(13)}));
  // Each checkpoint holds exactly what it was given, not what came before.
  auto entries = (*store)->restore(TableVersion(12));
  ASSERT_TRUE(entries.is_ok());
  EXPECT_EQ(*entries, (StateEntries{{"a12", "value"}}));
  EXPECT_EQ((*store)->restore(TableVersion(11)).status().code(), StatusCode::kNotFound);
}

TEST(StateStore, InterruptedCheckpointLeftoversAreRemovedOnOpen) {
  TempDir dir;
  fs::create_directories(dir.path() / "checkpoints" / "tmp-00000000000000000005");
  auto store = StateStore::open(dir.path());
  ASSERT_TRUE(store.is_ok());
  EXPECT_FALSE(fs::exists(dir.path() / "checkpoints" / "tmp-00000000000000000005"));
  auto versions = (*store)->checkpoints();
  ASSERT_TRUE(versions.is_ok());
  EXPECT_TRUE(versions->empty());
}

TEST(StateStore, DeltaCheckpointsApplyOnTopOfThePreviousOne) {
  TempDir dir;
  auto store = StateStore::open(dir.path(), {.keep_older_checkpoints = 5});
  ASSERT_TRUE(store.is_ok());
  ASSERT_TRUE((*store)->checkpoint(TableVersion(1), StateEntries{{"a", "1"}, {"b", "2"}}).is_ok());
  StateDelta delta{.puts = {{"b", "3"}, {"c", "4"}}, .deletes = {"a", "never-written"}};
  ASSERT_TRUE((*store)->checkpoint_delta(TableVersion(2), delta).is_ok());
  auto two = (*store)->restore(TableVersion(2));
  ASSERT_TRUE(two.is_ok()) << two.status().to_string();
  EXPECT_EQ(*two, (StateEntries{{"b", "3"}, {"c", "4"}}));
  auto one = (*store)->restore(TableVersion(1));
  ASSERT_TRUE(one.is_ok());
  EXPECT_EQ(*one, (StateEntries{{"a", "1"}, {"b", "2"}}));
  StateDelta bad{.puts = {{std::string(1, '\0'), "x"}}, .deletes = {}};
  EXPECT_EQ((*store)->checkpoint_delta(TableVersion(3), bad).code(), StatusCode::kInternal);
}

// A batch (run_batches) spans about 20 s of event time: dedup ids expire
// after about 6 batches and windows close within one or two, so that the
// deltas hold deletes as well as puts, and are smaller than the state.
EventTimeSpec short_lived_spec(WindowSpec window, EmitMode emit) {
  EventTimeSpec spec;
  spec.watermark = {.allowed_lateness_ms = 2000, .idle_timeout_ms = 5000};
  spec.dedup_ttl_ms = 120'000;
  spec.aggregation = WindowedAggregationSpec{window, {AggregateKind::kSum, AggregateKind::kCountDistinct}, emit};
  return spec;
}

std::string describe_entries(const StateEntries& entries) {
  std::string out;
  for (const auto& [key, value] : entries) out += std::to_string(key.size()) + ":" + key + "=" + std::to_string(value.size()) + "\n";
  return out;
}

TEST(EventTimeEngine, IncrementalCheckpointsRestoreToTheStateAtTheirVersion) {
  const std::vector<EventTimeSpec> specs = {
      short_lived_spec(WindowSpec::tumbling(10'000), EmitMode::kFinal),
      short_lived_spec(WindowSpec::hopping(20'000, 5'000), EmitMode::kUpdates),
      short_lived_spec(WindowSpec::session(2'000), EmitMode::kUpdates),
  };
  std::vector<Event> events = orders(3000, 7);
  for (const EventTimeSpec& spec : specs) {
    SCOPED_TRACE(spec.describe());
    TempDir dir;
    auto store = StateStore::open(dir.path(), {.keep_older_checkpoints = 100});
    ASSERT_TRUE(store.is_ok());
    auto engine = EventTimeEngine::create(spec);
    ASSERT_TRUE(engine.is_ok());
    Transcript transcript;
    std::vector<StateEntries> state_at(1);
    size_t deltas = 0, deletes = 0, delta_puts = 0, state_sizes = 0;
    for (size_t from = 0, v = 1; from < events.size(); from += kBatch, ++v) {
      run_batches(*engine, events, from, from + kBatch, transcript);
      ASSERT_TRUE(engine->checkpoint(**store, TableVersion(static_cast<int64_t>(v))).is_ok());
      const CheckpointWrite& write = engine->last_checkpoint_write();
      EXPECT_EQ(write.whole, v == 1) << "checkpoint " << v;
      state_at.push_back(engine->state_entries());
      if (!write.whole) {
        ++deltas;
        deletes += write.deletes;
        delta_puts += write.puts;
        state_sizes += state_at.back().size();
      }
    }
    EXPECT_GT(deletes, 100u);                 // expired ids and closed windows were deleted
    EXPECT_LT(delta_puts * 2, state_sizes);   // deltas are smaller than the state
    EXPECT_GT(deltas, 20u);
    // Every checkpoint reads back as the state it was made from, and a fresh
    // engine restored from it holds exactly that state.
    for (size_t v = 1; v < state_at.size(); ++v) {
      auto entries = (*store)->restore(TableVersion(static_cast<int64_t>(state_at.size() - v)));
      ASSERT_TRUE(entries.is_ok()) << entries.status().to_string();
      size_t version = state_at.size() - v;
      ASSERT_EQ(describe_entries(*entries), describe_entries(state_at[version])) << "checkpoint " << version;
      ASSERT_EQ(*entries, state_at[version]) << "checkpoint " << version;
      auto restored = EventTimeEngine::create(spec);
      ASSERT_TRUE(restored.is_ok());
      ASSERT_TRUE(restored->restore(**store, TableVersion(static_cast<int64_t>(version))).is_ok());
      EXPECT_EQ(restored->state_entries(), state_at[version]) << "checkpoint " << version;
    }
  }
}

// Checkpoint N+1 is written, its commit does not happen (crash); the restart
// restores N and goes on with other events: checkpoint N+1, written again,
// must hold none of the first N+1's changes, with the store reopened or not.
TEST(EventTimeEngine, CheckpointAfterARestoreHoldsNoneOfTheDroppedCheckpoint) {
  EventTimeSpec spec = short_lived_spec(WindowSpec::tumbling(3'000), EmitMode::kFinal);
  std::vector<Event> events = orders(1500, 11);
  std::vector<Event> other = orders(1500, 12);
  for (bool reopen : {false, true}) {
    SCOPED_TRACE(reopen ? "store reopened" : "same store");
    TempDir dir;
    auto store = StateStore::open(dir.path());
    ASSERT_TRUE(store.is_ok());
    auto engine = EventTimeEngine::create(spec);
    ASSERT_TRUE(engine.is_ok());
    Transcript transcript;
    for (int v = 1; v <= 10; ++v) {
      run_batches(*engine, events, static_cast<size_t>(v - 1) * kBatch, static_cast<size_t>(v) * kBatch, transcript);
      ASSERT_TRUE(engine->checkpoint(**store, TableVersion(v)).is_ok());
    }
    // Checkpoint 11 is written; its commit never happens.
    run_batches(*engine, events, 1000, 1100, transcript);
    ASSERT_TRUE(engine->checkpoint(**store, TableVersion(11)).is_ok());
    EXPECT_FALSE(engine->last_checkpoint_write().whole);
    if (reopen) {
      store->reset();
      store = StateStore::open(dir.path());
      ASSERT_TRUE(store.is_ok());
    }
    auto restarted = EventTimeEngine::create(spec);
    ASSERT_TRUE(restarted.is_ok());
    ASSERT_TRUE(restarted->restore(**store, TableVersion(10)).is_ok());
    // The replay reads other events (as if the source had changed), so that
    // any entry of the dropped checkpoint 11 left in live/ would show.
    Transcript replay;
    for (size_t i = 1000; i < 1200; ++i) other[i].dedup_id = "x" + other[i].dedup_id;
    run_batches(*restarted, other, 1000, 1100, replay);
    ASSERT_TRUE(restarted->checkpoint(**store, TableVersion(11)).is_ok());
    EXPECT_TRUE(restarted->last_checkpoint_write().whole);
    auto entries = (*store)->restore(TableVersion(11));
    ASSERT_TRUE(entries.is_ok());
    EXPECT_EQ(*entries, restarted->state_entries());
    // ...and the delta after it is right too.
    run_batches(*restarted, other, 1100, 1200, replay);
    ASSERT_TRUE(restarted->checkpoint(**store, TableVersion(12)).is_ok());
    EXPECT_FALSE(restarted->last_checkpoint_write().whole);
    entries = (*store)->restore(TableVersion(12));
    ASSERT_TRUE(entries.is_ok());
    EXPECT_EQ(*entries, restarted->state_entries());
  }
}

// The restart after a clean stop (or a crash after the commit): live/ is
// still the checkpoint restored, so the first checkpoint after the restart
// is a delta, and it reads back as the engine's state.
TEST(EventTimeEngine, ARestoreOfTheCheckpointLiveHoldsIsFollowedByADelta) {
  EventTimeSpec spec = short_lived_spec(WindowSpec::tumbling(3'000), EmitMode::kFinal);
  std::vector<Event> events = orders(1500, 13);
  TempDir dir;
  auto store = StateStore::open(dir.path());
  ASSERT_TRUE(store.is_ok());
  auto engine = EventTimeEngine::create(spec);
  ASSERT_TRUE(engine.is_ok());
  Transcript transcript;
  for (int v = 1; v <= 5; ++v) {
    run_batches(*engine, events, static_cast<size_t>(v - 1) * kBatch, static_cast<size_t>(v) * kBatch, transcript);
    ASSERT_TRUE(engine->checkpoint(**store, TableVersion(v)).is_ok());
  }
  store->reset();
  store = StateStore::open(dir.path());
  ASSERT_TRUE(store.is_ok());
  EXPECT_TRUE((*store)->live_holds(TableVersion(5)));
  EXPECT_FALSE((*store)->live_holds(TableVersion(4)));
  auto restarted = EventTimeEngine::create(spec);
  ASSERT_TRUE(restarted.is_ok());
  ASSERT_TRUE(restarted->restore(**store, TableVersion(5)).is_ok());
  EXPECT_EQ(restarted->state_entries(), engine->state_entries());
  run_batches(*restarted, events, 5 * kBatch, 6 * kBatch, transcript);
  ASSERT_TRUE(restarted->checkpoint(**store, TableVersion(6)).is_ok());
  EXPECT_FALSE(restarted->last_checkpoint_write().whole) << "live/ was checkpoint 5: a delta suffices";
  auto entries = (*store)->restore(TableVersion(6));
  ASSERT_TRUE(entries.is_ok()) << entries.status().to_string();
  EXPECT_EQ(*entries, restarted->state_entries());
  // An older checkpoint restored: live/ is not it, the next one is whole.
  auto older = EventTimeEngine::create(spec);
  ASSERT_TRUE(older.is_ok());
  ASSERT_TRUE(older->restore(**store, TableVersion(4)).is_ok());
  ASSERT_TRUE(older->checkpoint(**store, TableVersion(5)).is_ok());
  EXPECT_TRUE(older->last_checkpoint_write().whole);
  entries = (*store)->restore(TableVersion(5));
  ASSERT_TRUE(entries.is_ok());
  EXPECT_EQ(*entries, older->state_entries());
}

}  // namespace
}  // namespace loch::pipeline
