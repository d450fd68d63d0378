#include "process/pipeline/deduplicator.h"

#include "process/pipeline/state_codec.h"

namespace loch::pipeline {

bool Deduplicator::first_seen(const std::string& id, TimestampMs event_time_ms) {
  TimestampMs expiry = event_time_ms + ttl_ms_;
  auto [it, inserted] = seen_.try_emplace(id, expiry);
  if (!inserted) return false;
  by_expiry_.emplace(expiry, id);
  return true;
}

void Deduplicator::on_watermark(TimestampMs watermark) {
  while (!by_expiry_.empty() && by_expiry_.begin()->first < watermark) {
    seen_.erase(by_expiry_.begin()->second);
    by_expiry_.erase(by_expiry_.begin());
  }
}

void Deduplicator::clear() {
  seen_.clear();
  by_expiry_.clear();
}

// Key: 'd' id-bytes. Value: i64(expiry).
void Deduplicator::save(std::vector<std::pair<std::string, std::string>>& entries) const {
  for (const auto& [id, expiry] : seen_) {
    StateEncoder key;
    key.u8('d');
    key.tail(id);
    StateEncoder value;
    value.i64(expiry);
    entries.emplace_back(key.take(), value.take());
  }
}

Status Deduplicator::load_entry(std::string_view key, std::string_view value) {
  if (key.empty() || key[0] != 'd') return Status::internal("dedup state: key does not start with 'd'");
  std::string id(key.substr(1));
  StateDecoder v(value, "dedup state value");
  LOCH_ASSIGN_OR_RETURN(TimestampMs expiry, v.i64());
  if (!v.at_end()) return Status::corruption("dedup state: trailing bytes after the expiry of '" + id + "'");
  by_expiry_.emplace(expiry, id);
  seen_[std::move(id)] = expiry;
  return Status::ok();
}

}  // namespace loch::pipeline
