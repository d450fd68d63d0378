// Operator state in RocksDB, checkpointed per Delta version.
//
// Layout under the pipeline's state directory (<data-dir>/state/<pipeline>/):
//   live/                         the RocksDB database the next checkpoint is written to
//   checkpoints/<20-digit N>/     a RocksDB checkpoint (hard links) of live/ as of version N
//
// checkpoint(N, entries) replaces the content of live/ by `entries` in one
// synced write batch, then snapshots it as checkpoints/N (created under a
// temporary name and renamed, so a crash leaves either the whole checkpoint
// or none). N is the Delta version the matching output WILL be committed
// with: the pipeline checkpoints first and commits after, so that on restart
// it restores the checkpoint equal to the table's version, and a checkpoint
// newer than the table (its commit never happened) is discarded.
//
// The working state lives in memory (the operators' hash maps) and is written
// whole at each checkpoint; entries are the byte strings of
// doc/pipelines.md. Not thread-safe: one pipeline thread owns it.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "common/strong_types.h"

namespace rocksdb {
class DB;
}

namespace loch::pipeline {

using StateEntries = std::vector<std::pair<std::string, std::string>>;

struct StateStoreOptions {
  // Checkpoints kept besides the newest; older ones are deleted after each
  // checkpoint. A restart restores the table's version, which is the newest
  // or (after a crash between checkpoint and commit) the one before.
  int keep_older_checkpoints = 2;
};

class StateStore {
 public:
  static Result<std::unique_ptr<StateStore>> open(std::filesystem::path dir, StateStoreOptions options = {});
  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  Status checkpoint(TableVersion version, const StateEntries& entries);

  // The entries of checkpoint `version`, sorted by key; NotFound if there is
  // none. Deletes the checkpoints newer than `version`: they belong to
  // commits that did not happen and would be replayed differently.
  Result<StateEntries> restore(TableVersion version);

  // Versions with a checkpoint, ascending.
  Result<std::vector<TableVersion>> checkpoints() const;

  const std::filesystem::path& dir() const { return dir_; }

 private:
  StateStore(std::filesystem::path dir, StateStoreOptions options, rocksdb::DB* live);
  std::filesystem::path checkpoint_dir(TableVersion version) const;
  Status prune_older_checkpoints();

  std::filesystem::path dir_;
  StateStoreOptions options_;
  std::unique_ptr<rocksdb::DB> live_;
};

}  // namespace loch::pipeline
