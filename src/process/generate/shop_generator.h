// ShopGenerator: the streaming-first shop's events, deterministic for a
// seed: a clickstream, orders, and a customers table under change data
// capture (Debezium JSON change events, with the snapshot first). Chosen
// fractions of events are late (event time far behind: beyond any sensible
// allowed lateness), out of order (slightly behind: within it), duplicates
// (an earlier click or order sent again, byte for byte) and customer
// changes (updates, deletes with their tombstone, new customers).
//
// Event times advance by 1000 / events_per_second ms per event from
// start_time_ms, so the events' own clock does not depend on how fast they
// are produced. Every event also carries what it is (late, duplicate, ...)
// for the reference file, never in the record itself.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "common/result.h"

namespace loch::generate {

struct ShopOptions {
  uint64_t seed = 1;
  int64_t customers = 1000;             // in the initial snapshot
  int64_t products = 200;
  double events_per_second = 1000;      // of event time
  int64_t start_time_ms = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
  double late_fraction = 0.01;
  int64_t late_by_ms = 300'000;         // a late event is at least this far behind
  double out_of_order_fraction = 0.05;
  int64_t disorder_ms = 2'000;          // an out-of-order event is at most this far behind
  double duplicate_fraction = 0.02;
  double customer_change_fraction = 0.01;
  std::string topic_prefix = "shop.";   // topics <prefix>clicks, <prefix>orders, <prefix>customers

  Status validate() const;
};

struct ShopEvent {
  enum class Kind { kClick, kOrder, kCustomer };
  Kind kind = Kind::kClick;
  std::string topic;
  std::optional<std::string> key;
  std::optional<std::string> value;  // no value: a Debezium tombstone
  int64_t event_time_ms = 0;         // also the record timestamp
  bool late = false;
  bool out_of_order = false;
  bool duplicate = false;
};

class ShopGenerator {
 public:
  explicit ShopGenerator(ShopOptions options);

  // The customers' snapshot (Debezium op "r"), produced before any event.
  std::vector<ShopEvent> snapshot();
  // The next event (a customer delete is followed by its tombstone on the
  // next call).
  ShopEvent next();

  const ShopOptions& options() const { return options_; }

 private:
  struct Customer {
    int64_t id = 0;
    std::string email;
    std::string tier;
    std::string city;
  };

  ShopEvent click(int64_t event_time);
  ShopEvent order(int64_t event_time);
  ShopEvent customer_change(int64_t event_time);
  ShopEvent customer_event(const char* op, const std::optional<Customer>& before,
                           const std::optional<Customer>& after, int64_t event_time);
  std::string customer_json(const Customer& c) const;
  Customer new_customer(int64_t id);
  double uniform() { return std::uniform_real_distribution<double>(0, 1)(rng_); }
  int64_t pick(int64_t n) { return static_cast<int64_t>(rng_() % static_cast<uint64_t>(n)); }

  ShopOptions options_;
  std::mt19937_64 rng_;
  int64_t sequence_ = 0;       // events generated so far
  int64_t next_order_ = 1;
  int64_t next_click_ = 1;
  int64_t next_customer_id_ = 1;
  int64_t lsn_ = 1'000;
  std::vector<Customer> customers_;       // current rows
  static constexpr size_t kRecentEvents = 64;
  std::vector<ShopEvent> recent_;  // ring of the last on-time clicks and orders, for duplicates
  size_t recent_next_ = 0;
  std::optional<ShopEvent> pending_tombstone_;
};

// Each event as one JSON line of the reference file:
// {"topic","key","value" (the record's JSON, or null),"event_time_ms","late","out_of_order","duplicate"}.
std::string reference_line(const ShopEvent& event);

}  // namespace loch::generate
