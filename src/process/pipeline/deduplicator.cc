#include "process/pipeline/deduplicator.h"

#include "process/pipeline/state_codec.h"

namespace loch::pipeline {

bool Deduplicator::first_seen(const std::string& id, TimestampMs event_time_ms) {
  TimestampMs expiry = event_time_ms + ttl_ms_;
  auto [it, inserted] = seen_.try_emplace(id, expiry);
  if (!inserted) return false;
  by_expiry_.emplace(expiry, id);
  changed_.insert(id);
  return true;
}

void Deduplicator::on_watermark(TimestampMs watermark) {
  while (!by_expiry_.empty() && by_expiry_.begin()->first < watermark) {
    auto node = by_expiry_.extract(by_expiry_.begin());
    seen_.erase(node.mapped());
    changed_.insert(std::move(node.mapped()));
  }
}

void Deduplicator::clear() {
  seen_.clear();
  by_expiry_.clear();
  changed_.clear();
}

namespace {

// Key: 'd' id-bytes. Value: i64(expiry).
std::string entry_key(const std::string& id) {
  StateEncoder key;
  key.u8('d');
  key.tail(id);
  return key.take();
}

std::string entry_value(TimestampMs expiry) {
  StateEncoder value;
  value.i64(expiry);
  return value.take();
}

}  // namespace

void Deduplicator::save(std::vector<std::pair<std::string, std::string>>& entries) const {
  for (const auto& [id, expiry] : seen_) entries.emplace_back(entry_key(id), entry_value(expiry));
}

void Deduplicator::save_changes(StateDelta& delta) {
  for (const std::string& id : changed_) {
    auto it = seen_.find(id);
    if (it == seen_.end()) {
      delta.deletes.push_back(entry_key(id));
    } else {
      delta.puts.emplace_back(entry_key(id), entry_value(it->second));
    }
  }
  changed_.clear();
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
