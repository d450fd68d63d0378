// Operator state in RocksDB, checkpointed per Delta version.
//
// Layout under the pipeline's state directory (<data-dir>/state/<pipeline>/):
//   live/                         the RocksDB database the next checkpoint is written to
//   checkpoints/<20-digit N>/     a RocksDB checkpoint (hard links) of live/ as of version N
//
// checkpoint(N, entries) replaces the content of live/ by `entries` in one
// synced write batch; checkpoint_delta(N, delta) applies only the entries put
// and deleted since the previous checkpoint, so that its cost follows what
// changed, not the size of the state. Either then snapshots live/ as
// checkpoints/N (created under a temporary name and renamed, so a crash leaves
// either the whole checkpoint or none). N is the Delta version the matching output WILL be committed
// with: the pipeline checkpoints first and commits after, so that on restart
// it restores the checkpoint equal to the table's version, and a checkpoint
// newer than the table (its commit never happened) is discarded.
//
// The working state lives in memory (the operators' hash maps); entries are
// the byte strings of doc/pipelines.md. A delta is only right on top of the
// content the caller last wrote through this same store object, or on top of
// a restored checkpoint that live/ still holds: after open() live/ may hold a
// newer, uncommitted checkpoint's delta (a crash between checkpoint and
// commit). So live/ keeps, in the same write as the entries, the version it
// was last written for (a key outside the entries' range); restore(N) then
// tells whether live/ is checkpoint N (live_holds). Otherwise the first
// checkpoint of a store object must be a whole one (EventTimeEngine tracks
// this with id()). Not thread-safe: one pipeline thread owns it.
#pragma once

#include <cstdint>
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
class WriteBatch;
}

namespace loch::pipeline {

using StateEntries = std::vector<std::pair<std::string, std::string>>;

// The changes of the state since the previous checkpoint: entries added or
// updated, and keys removed (expired dedup ids, closed windows).
struct StateDelta {
  StateEntries puts;
  std::vector<std::string> deletes;
};

struct StateStoreOptions {
  // Checkpoints kept besides the newest; older ones are deleted after each
  // checkpoint. A restart restores the table's version, which is the newest
  // or (after a crash between checkpoint and commit) the one before.
  int keep_older_checkpoints = 2;
  // A checkpoint copies live/'s WAL when it is smaller than this, and
  // flushes the memtable to an SST file otherwise (RocksDB's
  // log_size_for_flush; 0: always flush). Both are durable: the WAL is
  // written synced.
  uint64_t wal_copy_limit_bytes = 0;
};

class StateStore {
 public:
  static Result<std::unique_ptr<StateStore>> open(std::filesystem::path dir, StateStoreOptions options = {});
  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  // The whole state as checkpoint `version`.
  Status checkpoint(TableVersion version, const StateEntries& entries);
  // Checkpoint `version` as the previous checkpoint written through this
  // object plus `delta`. Deletes are applied before puts.
  Status checkpoint_delta(TableVersion version, const StateDelta& delta);

  // The entries of checkpoint `version`, sorted by key; NotFound if there is
  // none. Deletes the checkpoints newer than `version`: they belong to
  // commits that did not happen and would be replayed differently.
  Result<StateEntries> restore(TableVersion version);
  // Whether live/ holds exactly checkpoint `version` (it was the last one
  // written to it): a delta may then follow its restore. False for state
  // written before live/ recorded its version.
  bool live_holds(TableVersion version) const;

  // Versions with a checkpoint, ascending.
  Result<std::vector<TableVersion>> checkpoints() const;

  const std::filesystem::path& dir() const { return dir_; }
  // Unique per store object of the process: lets a writer of deltas know
  // that live/ holds what it wrote last, not what a previous process left.
  uint64_t id() const { return id_; }

 private:
  StateStore(std::filesystem::path dir, StateStoreOptions options, rocksdb::DB* live);
  std::filesystem::path checkpoint_dir(TableVersion version) const;
  Status prune_older_checkpoints();
  Status write_and_snapshot(TableVersion version, rocksdb::WriteBatch& batch);

  std::filesystem::path dir_;
  StateStoreOptions options_;
  std::unique_ptr<rocksdb::DB> live_;
  uint64_t id_;
};

}  // namespace loch::pipeline
