// CheckpointActionCache: the actions of checkpoint (and sidecar) Parquet
// files, read once per process.
//
// A checkpoint is written whole under a name holding its version and never
// changes after (PROTOCOL.md "Checkpoints"), so what a snapshot load read
// from it serves every later load of the same table until the next
// checkpoint. A pipeline loads its sink table's snapshot at every commit,
// and reading even a checkpoint of a few files through DuckDB (a DESCRIBE
// and two queries) cost 5-7 ms of each. Entries are keyed by every file's
// path, size and modification time, so a table deleted and written again at
// the same path misses. Memory is bounded by actions, not entries: the least
// recently used entries go while more than `max_actions` actions are kept
// (a checkpoint of more is not kept at all), and at most `capacity` entries.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "store/delta/actions.h"

namespace loch::delta {

class CheckpointActionCache {
 public:
  using Actions = std::vector<Action>;

  explicit CheckpointActionCache(size_t capacity = 16, size_t max_actions = 1'000'000)
      : capacity_(capacity), max_actions_(max_actions) {}

  // The process's cache, used by Snapshot::load.
  static CheckpointActionCache& shared();

  // The key of `files` as they are on disk now; nullopt when one cannot be
  // looked at (the load then reads them and reports why).
  static std::optional<std::string> key_of(const std::vector<std::filesystem::path>& files);

  std::shared_ptr<const Actions> find(const std::string& key);
  void put(const std::string& key, std::shared_ptr<const Actions> actions);

 private:
  struct Entry {
    std::shared_ptr<const Actions> actions;
    uint64_t last_used = 0;
  };

  size_t capacity_;
  size_t max_actions_;
  std::mutex mutex_;  // guards entries_, actions_ and clock_
  std::map<std::string, Entry> entries_;
  size_t actions_ = 0;  // over all entries
  uint64_t clock_ = 0;
};

}  // namespace loch::delta
