#include "store/delta/snapshot_cache.h"

namespace loch::delta {
namespace {

// Names, sizes and modification times of a segment's files.
std::string signature_of(const LogSegment& segment) {
  std::string signature;
  auto add = [&](const std::filesystem::path& path) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    const auto time = std::filesystem::last_write_time(path, ec);
    signature += path.filename().string() + ':' + std::to_string(size) + ':' +
                 std::to_string(time.time_since_epoch().count()) + ';';
  };
  for (const auto& commit : segment.commits_newest_first) add(commit.path);
  if (segment.checkpoint) {
    for (const auto& part : segment.checkpoint->parts) add(part);
  }
  return signature;
}

}  // namespace

Result<std::shared_ptr<const Snapshot>> SnapshotCache::load(const std::filesystem::path& table_root,
                                                            sql::Connection& connection,
                                                            const SnapshotRequest& request) {
  LOCH_ASSIGN_OR_RETURN(ResolvedSegment resolved, resolve_segment(table_root, request));
  const std::string signature = signature_of(resolved.segment);
  const auto key = std::make_pair(resolved.root.string(), resolved.segment.version.value());
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it != entries_.end() && it->second.signature == signature) {
      it->second.last_used = ++clock_;
      ++hits_;
      return it->second.snapshot;
    }
  }
  LOCH_ASSIGN_OR_RETURN(Snapshot snapshot, Snapshot::load(resolved, connection));
  auto shared = std::make_shared<const Snapshot>(std::move(snapshot));
  std::lock_guard lock(mutex_);
  if (entries_.size() >= capacity_ && !entries_.contains(key)) {
    auto oldest = entries_.begin();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->second.last_used < oldest->second.last_used) oldest = it;
    }
    entries_.erase(oldest);
  }
  entries_[key] = Entry{signature, shared, ++clock_};
  return shared;
}

}  // namespace loch::delta
