#include "process/generate/shop_generator.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include <nlohmann/json.hpp>

namespace loch::generate {
namespace {

using nlohmann::json;

std::vector<ShopEvent> run(ShopOptions options, int count) {
  ShopGenerator generator(options);
  std::vector<ShopEvent> events = generator.snapshot();
  for (int i = 0; i < count; ++i) events.push_back(generator.next());
  return events;
}

TEST(ShopGenerator, SameSeedSameEventsOtherSeedOthers) {
  ShopOptions options;
  options.customers = 10;
  auto a = run(options, 2000);
  auto b = run(options, 2000);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(reference_line(a[i]), reference_line(b[i])) << i;
  options.seed = 2;
  auto c = run(options, 2000);
  size_t same = 0;
  for (size_t i = 10; i < a.size(); ++i) same += reference_line(a[i]) == reference_line(c[i]);
  EXPECT_LT(same, 100u);
}

TEST(ShopGenerator, FractionsAreAsAskedAndFlagsMatchEventTimes) {
  ShopOptions options;
  options.customers = 50;
  options.late_fraction = 0.05;
  options.out_of_order_fraction = 0.10;
  options.duplicate_fraction = 0.05;
  options.customer_change_fraction = 0.02;
  const int kCount = 20'000;
  auto events = run(options, kCount);
  std::map<std::string, int> counts;
  int64_t max_time = 0;
  std::set<std::string> seen_values;
  for (const ShopEvent& e : events) {
    if (e.kind == ShopEvent::Kind::kCustomer) {
      ++counts["customer"];
      continue;
    }
    if (e.late) {
      ++counts["late"];
      EXPECT_LE(e.event_time_ms, max_time - options.late_by_ms);  // beyond any lateness below late_by
    } else if (e.duplicate) {
      ++counts["duplicate"];
      EXPECT_TRUE(seen_values.contains(*e.value)) << "a duplicate repeats an earlier record exactly";
      EXPECT_GE(e.event_time_ms, max_time - options.disorder_ms - 1000);
    } else {
      if (e.out_of_order) ++counts["out_of_order"];
      EXPECT_GE(e.event_time_ms, max_time - options.disorder_ms);
      EXPECT_TRUE(seen_values.insert(*e.value).second) << "an original event is new";
      max_time = std::max(max_time, e.event_time_ms);
    }
  }
  auto near = [&](const char* what, double fraction) {
    EXPECT_NEAR(counts[what], fraction * kCount, 0.2 * fraction * kCount + 20) << what;
  };
  near("late", 0.05);
  near("out_of_order", 0.10);
  near("duplicate", 0.05);
  EXPECT_GT(counts["customer"], 50 + 200);  // the snapshot and changes (deletes add tombstones)
}

TEST(ShopGenerator, CustomerChangesAreDebeziumEventsInLsnOrderWithTombstonesAfterDeletes) {
  ShopOptions options;
  options.customers = 5;
  options.customer_change_fraction = 0.5;
  options.late_fraction = options.duplicate_fraction = options.out_of_order_fraction = 0;
  auto events = run(options, 3000);
  int64_t last_lsn = 0;
  int deletes = 0;
  std::map<int64_t, bool> alive;
  for (size_t i = 0; i < events.size(); ++i) {
    const ShopEvent& e = events[i];
    if (e.kind != ShopEvent::Kind::kCustomer || !e.value) continue;
    json change = json::parse(*e.value);
    int64_t lsn = change["source"]["lsn"].get<int64_t>();
    EXPECT_GT(lsn, last_lsn);
    last_lsn = lsn;
    std::string op = change["op"];
    if (op == "r" || op == "c") {
      EXPECT_TRUE(change["before"].is_null());
      alive[change["after"]["id"].get<int64_t>()] = true;
    } else if (op == "u") {
      EXPECT_EQ(change["before"]["id"], change["after"]["id"]);
      EXPECT_NE(change["before"], change["after"]);
      EXPECT_TRUE(alive[change["after"]["id"].get<int64_t>()]);
    } else {
      ASSERT_EQ(op, "d");
      ++deletes;
      int64_t id = change["before"]["id"].get<int64_t>();
      EXPECT_TRUE(alive[id]);
      alive[id] = false;
      ASSERT_LT(i + 1, events.size());
      EXPECT_FALSE(events[i + 1].value.has_value()) << "a tombstone follows a delete";
      EXPECT_EQ(events[i + 1].key, e.key);
    }
  }
  EXPECT_GT(deletes, 10);
}

TEST(ShopGenerator, ReferenceLinesAreJson) {
  ShopOptions options;
  options.customers = 3;
  for (const ShopEvent& e : run(options, 500)) {
    json line = json::parse(reference_line(e));
    EXPECT_EQ(line["topic"].get<std::string>().rfind("shop.", 0), 0u);
    if (e.kind == ShopEvent::Kind::kOrder) {
      EXPECT_TRUE(line["value"]["amount"].is_number());
      EXPECT_EQ(line["value"]["ordered_at"].get<std::string>().size(), 24u);
    }
  }
}

TEST(ShopGenerator, BadOptionsAreRefused) {
  ShopOptions options;
  options.late_fraction = 1.5;
  EXPECT_FALSE(options.validate().is_ok());
  options = {};
  options.late_by_ms = 1000;
  options.disorder_ms = 2000;
  EXPECT_FALSE(options.validate().is_ok());
  EXPECT_TRUE(ShopOptions{}.validate().is_ok());
}

}  // namespace
}  // namespace loch::generate
