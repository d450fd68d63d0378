#include "store/delta/checkpoint_action_cache.h"

#include <algorithm>

namespace loch::delta {

CheckpointActionCache& CheckpointActionCache::shared() {
  static CheckpointActionCache cache;
  return cache;
}

std::optional<std::string> CheckpointActionCache::key_of(const std::vector<std::filesystem::path>& files) {
  std::string key;
  for (const auto& file : files) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(file, ec);
    if (ec) return std::nullopt;
    const auto modified = std::filesystem::last_write_time(file, ec);
    if (ec) return std::nullopt;
    key += file.string() + '\x1f' + std::to_string(size) + '\x1f' +
           std::to_string(modified.time_since_epoch().count()) + '\x1e';
  }
  return key;
}

std::shared_ptr<const CheckpointActionCache::Actions> CheckpointActionCache::find(const std::string& key) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return nullptr;
  it->second.last_used = ++clock_;
  return it->second.actions;
}

void CheckpointActionCache::put(const std::string& key, std::shared_ptr<const Actions> actions) {
  if (actions->size() > max_actions_) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (auto existing = entries_.find(key); existing != entries_.end()) {
    actions_ -= existing->second.actions->size();
    entries_.erase(existing);
  }
  actions_ += actions->size();
  entries_[key] = Entry{std::move(actions), ++clock_};
  while (entries_.size() > capacity_ || actions_ > max_actions_) {
    auto oldest = std::min_element(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) {
      return a.second.last_used < b.second.last_used;
    });
    actions_ -= oldest->second.actions->size();
    entries_.erase(oldest);
  }
}

}  // namespace loch::delta
