#include "collect/kafka/broker/fetch_sessions.h"

#include <chrono>


namespace loch::kafka {
namespace {

constexpr int16_t kFetchSessionIdNotFound = 70;
constexpr int16_t kInvalidFetchSessionEpoch = 71;

}  // namespace

FetchSessionCache::FetchSessionCache(Options options)
    : options_(std::move(options)), random_(std::random_device{}()) {}

int64_t FetchSessionCache::now_ms() const {
  if (options_.clock) return options_.clock();
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

size_t FetchSessionCache::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

int32_t FetchSessionCache::make_room_and_pick_id(int64_t now) {
  if (options_.max_sessions == 0) return 0;
  if (sessions_.size() >= options_.max_sessions) {
    auto oldest = sessions_.begin();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
      if (it->second.last_used_ms < oldest->second.last_used_ms) oldest = it;
    }
    if (now - oldest->second.last_used_ms < options_.eviction_idle_ms) return 0;
    sessions_.erase(oldest);
  }
  std::uniform_int_distribution<int32_t> ids(1, INT32_MAX);
  for (;;) {
    int32_t id = ids(random_);
    if (!sessions_.contains(id)) return id;
  }
}

FetchSessionStart FetchSessionCache::start(FetchRequest& request) {
  std::lock_guard lock(mutex_);
  const int64_t now = now_ms();
  FetchSessionStart start;
  if (request.session_epoch <= 0) {
    // Full fetch: a session it names is closed; epoch 0 opens a new one.
    if (request.session_id != 0) sessions_.erase(request.session_id);
    if (request.session_epoch < 0 || request.topics.empty()) return start;
    const int32_t id = make_room_and_pick_id(now);
    if (id == 0) return start;
    Session& session = sessions_[id];
    session.last_used_ms = now;
    for (const auto& topic : request.topics) {
      for (const auto& partition : topic.partitions) {
        session.partitions[{topic.topic, partition.partition}].fetch = partition;
      }
    }
    start.session_id = id;
    return start;
  }

  auto found = sessions_.find(request.session_id);
  if (found == sessions_.end()) {
    start.error_code = kFetchSessionIdNotFound;
    return start;
  }
  Session& session = found->second;
  if (request.session_epoch != session.next_epoch) {
    start.error_code = kInvalidFetchSessionEpoch;
    return start;
  }
  session.next_epoch = session.next_epoch == INT32_MAX ? 1 : session.next_epoch + 1;
  session.last_used_ms = now;
  for (const auto& topic : request.topics) {
    for (const auto& partition : topic.partitions) {
      session.partitions[{topic.topic, partition.partition}].fetch = partition;
    }
  }
  for (const auto& forgotten : request.forgotten_topics_data) {
    for (int32_t partition : forgotten.partitions) session.partitions.erase({forgotten.topic, partition});
  }
  request.topics.clear();
  for (const auto& [key, cached] : session.partitions) {
    if (request.topics.empty() || request.topics.back().topic != key.first) {
      request.topics.emplace_back();
      request.topics.back().topic = key.first;
    }
    request.topics.back().partitions.push_back(cached.fetch);
  }
  start.session_id = request.session_id;
  start.incremental = true;
  return start;
}

std::vector<bool> FetchSessionCache::respond(const FetchSessionStart& start, const FetchResponse& response,
                                             const std::vector<size_t>& records_bytes) {
  std::vector<bool> keep;
  std::lock_guard lock(mutex_);
  auto found = start.session_id == 0 ? sessions_.end() : sessions_.find(start.session_id);
  size_t index = 0;
  for (const auto& topic : response.responses) {
    for (const auto& data : topic.partitions) {
      const size_t bytes = index < records_bytes.size() ? records_bytes[index] : 0;
      ++index;
      if (found == sessions_.end()) {
        keep.push_back(true);
        continue;
      }
      auto cached = found->second.partitions.find({topic.topic, data.partition_index});
      if (cached == found->second.partitions.end()) {  // forgotten meanwhile
        keep.push_back(!start.incremental);
        continue;
      }
      CachedPartition& c = cached->second;
      bool changed = bytes > 0 || data.error_code != 0 || c.high_watermark != data.high_watermark ||
                     c.last_stable_offset != data.last_stable_offset || c.log_start_offset != data.log_start_offset;
      // After an error the next answer carries the partition again, whatever it holds.
      c.high_watermark = data.error_code != 0 ? -1 : data.high_watermark;
      c.last_stable_offset = data.last_stable_offset;
      c.log_start_offset = data.log_start_offset;
      keep.push_back(!start.incremental || changed);
    }
  }
  return keep;
}

}  // namespace loch::kafka
