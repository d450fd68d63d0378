// SnapshotCache: snapshots kept between statements of a session.
//
// Log files never change once written (a commit is put-if-absent, a
// checkpoint is written whole), so a snapshot is a function of the files of
// its log segment. The cache lists the log on every load (new commits are
// seen at once) and reuses a snapshot only when the segment's files have the
// same names, sizes and modification times; a table deleted and recreated
// at the same path therefore misses.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "store/delta/snapshot.h"

namespace loch::delta {

class SnapshotCache {
 public:
  explicit SnapshotCache(size_t capacity = 32) : capacity_(capacity) {}

  // As Snapshot::load, reusing a cached snapshot when the files match.
  Result<std::shared_ptr<const Snapshot>> load(const std::filesystem::path& table_root, sql::Connection& connection,
                                               const SnapshotRequest& request = {});

  size_t hits() const { return hits_; }

 private:
  struct Entry {
    std::string signature;
    std::shared_ptr<const Snapshot> snapshot;
    uint64_t last_used = 0;
  };

  size_t capacity_;
  std::mutex mutex_;  // guards entries_, clock_, hits_
  std::map<std::pair<std::string, int64_t>, Entry> entries_;  // (root, version)
  uint64_t clock_ = 0;
  size_t hits_ = 0;
};

}  // namespace loch::delta
