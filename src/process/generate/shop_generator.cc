#include "process/generate/shop_generator.h"

#include <algorithm>
#include <cstdio>

#include "collect/decode/text_encoding.h"

namespace loch::generate {
namespace {

const char* const kCategories[] = {"books", "music", "garden", "toys", "kitchen", "sports", "electronics", "fashion"};
const char* const kPages[] = {"home", "search", "product", "cart", "checkout"};
const char* const kTiers[] = {"bronze", "silver", "gold"};
const char* const kCities[] = {"Lisbon", "Oslo", "Lyon", "Turin", "Leeds", "Graz", "Porto", "Gent"};

// "2026-01-01T00:00:00.000Z"
std::string iso_time(int64_t ms) {
  int64_t days = ms >= 0 ? ms / 86'400'000 : (ms - 86'399'999) / 86'400'000;
  int64_t in_day = ms - days * 86'400'000;
  // Civil from days (Howard Hinnant's algorithm, public domain description).
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp + (mp < 10 ? 3 : -9);
  y += m <= 2 ? 1 : 0;
  char text[128];
  std::snprintf(text, sizeof text, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%03lldZ", static_cast<long long>(y),
                static_cast<long long>(m), static_cast<long long>(d), static_cast<long long>(in_day / 3'600'000),
                static_cast<long long>(in_day / 60'000 % 60), static_cast<long long>(in_day / 1000 % 60),
                static_cast<long long>(in_day % 1000));
  return text;
}

std::string quoted(std::string_view text) {
  std::string out;
  decode::append_json_string(text, out);
  return out;
}

}  // namespace

Status ShopOptions::validate() const {
  auto fraction = [](const char* name, double f) -> Status {
    if (!(f >= 0 && f <= 1)) return Status::invalid_argument(std::string(name) + " must be between 0 and 1");
    return Status::ok();
  };
  LOCH_RETURN_IF_ERROR(fraction("late fraction", late_fraction));
  LOCH_RETURN_IF_ERROR(fraction("out-of-order fraction", out_of_order_fraction));
  LOCH_RETURN_IF_ERROR(fraction("duplicate fraction", duplicate_fraction));
  LOCH_RETURN_IF_ERROR(fraction("customer change fraction", customer_change_fraction));
  if (late_fraction + out_of_order_fraction + duplicate_fraction + customer_change_fraction > 1) {
    return Status::invalid_argument("late + out-of-order + duplicate + customer change fractions exceed 1");
  }
  if (customers <= 0 || products <= 0) return Status::invalid_argument("customers and products must be positive");
  if (!(events_per_second > 0)) return Status::invalid_argument("events per second must be positive");
  if (late_by_ms <= disorder_ms) {
    return Status::invalid_argument("late-by (" + std::to_string(late_by_ms) + " ms) must exceed the disorder (" +
                                    std::to_string(disorder_ms) + " ms), or late and out-of-order events mix");
  }
  return Status::ok();
}

ShopGenerator::ShopGenerator(ShopOptions options) : options_(std::move(options)), rng_(options_.seed) {}

ShopGenerator::Customer ShopGenerator::new_customer(int64_t id) {
  Customer c;
  c.id = id;
  c.email = "customer" + std::to_string(id) + "@example.com";
  c.tier = kTiers[pick(3)];
  c.city = kCities[pick(8)];
  return c;
}

std::string ShopGenerator::customer_json(const Customer& c) const {
  return "{\"id\":" + std::to_string(c.id) + ",\"email\":" + quoted(c.email) + ",\"tier\":" + quoted(c.tier) +
         ",\"city\":" + quoted(c.city) + "}";
}

ShopEvent ShopGenerator::customer_event(const char* op, const std::optional<Customer>& before,
                                        const std::optional<Customer>& after, int64_t event_time) {
  ShopEvent e;
  e.kind = ShopEvent::Kind::kCustomer;
  e.topic = options_.topic_prefix + "customers";
  int64_t id = after ? after->id : before->id;
  e.key = "{\"id\":" + std::to_string(id) + "}";
  e.event_time_ms = event_time;
  e.value = "{\"before\":" + (before ? customer_json(*before) : "null") +
            ",\"after\":" + (after ? customer_json(*after) : "null") + ",\"op\":\"" + op +
            "\",\"source\":{\"db\":\"shop\",\"table\":\"customers\",\"lsn\":" + std::to_string(lsn_++) +
            ",\"ts_ms\":" + std::to_string(event_time) + "},\"ts_ms\":" + std::to_string(event_time) + "}";
  return e;
}

std::vector<ShopEvent> ShopGenerator::snapshot() {
  std::vector<ShopEvent> events;
  for (int64_t i = 0; i < options_.customers; ++i) {
    Customer c = new_customer(next_customer_id_++);
    customers_.push_back(c);
    events.push_back(customer_event("r", std::nullopt, c, options_.start_time_ms));
  }
  return events;
}

ShopEvent ShopGenerator::click(int64_t event_time) {
  ShopEvent e;
  e.kind = ShopEvent::Kind::kClick;
  e.topic = options_.topic_prefix + "clicks";
  int64_t customer = customers_.empty() ? 0 : customers_[static_cast<size_t>(pick(static_cast<int64_t>(customers_.size())))].id;
  std::string session = "s" + std::to_string(customer) + "-" + std::to_string(event_time / 1'800'000);
  int64_t product = pick(options_.products) + 1;
  const char* page = kPages[pick(5)];
  e.key = session;
  e.event_time_ms = event_time;
  e.value = "{\"event_id\":\"c" + std::to_string(next_click_++) + "\",\"session_id\":" + quoted(session) +
            ",\"customer_id\":" + std::to_string(customer) + ",\"page\":\"" + page + "\",\"product_id\":" +
            std::to_string(product) + ",\"category\":\"" + kCategories[product % 8] + "\",\"event_time\":\"" +
            iso_time(event_time) + "\"}";
  return e;
}

ShopEvent ShopGenerator::order(int64_t event_time) {
  ShopEvent e;
  e.kind = ShopEvent::Kind::kOrder;
  e.topic = options_.topic_prefix + "orders";
  int64_t customer = customers_.empty() ? 0 : customers_[static_cast<size_t>(pick(static_cast<int64_t>(customers_.size())))].id;
  int64_t product = pick(options_.products) + 1;
  int64_t quantity = pick(4) + 1;
  int64_t unit_cents = 199 + (product * 7919) % 9800;  // a stable price per product
  std::string id = "o" + std::to_string(next_order_++);
  char amount[32];
  std::snprintf(amount, sizeof amount, "%.2f", static_cast<double>(quantity * unit_cents) / 100.0);
  char unit[32];
  std::snprintf(unit, sizeof unit, "%.2f", static_cast<double>(unit_cents) / 100.0);
  e.key = id;
  e.event_time_ms = event_time;
  e.value = "{\"order_id\":\"" + id + "\",\"customer_id\":" + std::to_string(customer) + ",\"product_id\":" +
            std::to_string(product) + ",\"category\":\"" + kCategories[product % 8] + "\",\"quantity\":" +
            std::to_string(quantity) + ",\"unit_price\":" + unit + ",\"amount\":" + amount + ",\"ordered_at\":\"" +
            iso_time(event_time) + "\"}";
  return e;
}

ShopEvent ShopGenerator::customer_change(int64_t event_time) {
  double roll = uniform();
  if (customers_.size() < 2 || roll < 0.2) {  // a new customer
    Customer c = new_customer(next_customer_id_++);
    customers_.push_back(c);
    return customer_event("c", std::nullopt, c, event_time);
  }
  size_t index = static_cast<size_t>(pick(static_cast<int64_t>(customers_.size())));
  Customer before = customers_[index];
  if (roll < 0.3) {  // a delete, then its tombstone
    customers_.erase(customers_.begin() + static_cast<long>(index));
    ShopEvent deleted = customer_event("d", before, std::nullopt, event_time);
    ShopEvent tombstone = deleted;
    tombstone.value.reset();
    pending_tombstone_ = tombstone;
    return deleted;
  }
  Customer after = before;
  if (roll < 0.6) after.tier = kTiers[(std::find(std::begin(kTiers), std::end(kTiers), before.tier) - std::begin(kTiers) + 1) % 3];
  else if (roll < 0.8) {
    // Another city than the current one: an update always changes the row.
    auto current = std::find(std::begin(kCities), std::end(kCities), before.city) - std::begin(kCities);
    after.city = kCities[(current + 1 + pick(7)) % 8];
  }
  else after.email = "customer" + std::to_string(before.id) + "+" + std::to_string(lsn_) + "@example.com";
  customers_[index] = after;
  return customer_event("u", before, after, event_time);
}

ShopEvent ShopGenerator::next() {
  if (pending_tombstone_) {
    ShopEvent tombstone = std::move(*pending_tombstone_);
    pending_tombstone_.reset();
    return tombstone;
  }
  int64_t now = options_.start_time_ms +
                static_cast<int64_t>(static_cast<double>(sequence_++) * 1000.0 / options_.events_per_second);
  double roll = uniform();
  double late = options_.late_fraction;
  double disorder = late + options_.out_of_order_fraction;
  double duplicate = disorder + options_.duplicate_fraction;
  double change = duplicate + options_.customer_change_fraction;
  if (roll >= duplicate && roll < change) return customer_change(now);
  if (roll >= disorder && roll < duplicate && !recent_.empty()) {
    ShopEvent copy = recent_[static_cast<size_t>(pick(static_cast<int64_t>(recent_.size())))];
    copy.duplicate = true;
    copy.late = false;
    copy.out_of_order = false;
    return copy;
  }
  int64_t event_time = now;
  bool is_late = roll < late;
  bool is_disordered = !is_late && roll < disorder;
  if (is_late) event_time = now - options_.late_by_ms - pick(options_.late_by_ms);
  if (is_disordered) event_time = now - 1 - pick(options_.disorder_ms);
  ShopEvent e = uniform() < 0.85 ? click(event_time) : order(event_time);
  e.late = is_late;
  e.out_of_order = is_disordered;
  // Duplicates repeat recent on-time events, so a duplicate is never also late.
  // The last 64 on-time events, so that a duplicate is never far behind (not late).
  if (!is_late) {
    if (recent_.size() < kRecentEvents) recent_.push_back(e);
    else recent_[recent_next_++ % kRecentEvents] = e;
  }
  return e;
}

std::string reference_line(const ShopEvent& event) {
  std::string line = "{\"topic\":" + quoted(event.topic) + ",\"key\":" + (event.key ? quoted(*event.key) : "null") +
                     ",\"value\":" + (event.value ? *event.value : "null") +
                     ",\"event_time_ms\":" + std::to_string(event.event_time_ms) +
                     ",\"late\":" + (event.late ? "true" : "false") +
                     ",\"out_of_order\":" + (event.out_of_order ? "true" : "false") +
                     ",\"duplicate\":" + (event.duplicate ? "true" : "false") + "}";
  return line;
}

}  // namespace loch::generate
