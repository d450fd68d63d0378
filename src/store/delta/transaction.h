// Transaction: one atomic commit to a Delta table (PROTOCOL.md "Delta
// Transaction Log Protocol", "Writer Requirements"; doc/delta-writer.md).
//
// A commit is a chain of steps, each a value:
//
//   begin (read snapshot) -> stage actions + record what was read
//     -> commit(): conflict check against every commit newer than the
//        read version -> put-if-absent of _delta_log/<version>.json
//     -> post-commit hooks (checkpoint every delta.checkpointInterval
//        commits, expired log cleanup).
//
// Atomicity comes from the file system: the commit file is written to a
// temporary name, fsynced, then link()ed to its final name, which fails if
// another writer created that version first (no lock service, works across
// threads and processes). The loser reads the winning commits, decides per
// the conflict rules below whether its own actions still hold, and retries
// at the next version or fails with a Conflict naming the winning version.
//
// Conflict rules (Delta's WriteSerializable level; doc/delta-writer.md):
//   - a winner that changed metaData or protocol conflicts with everything;
//   - a winner that removed a file this transaction read or removes
//     conflicts (concurrent delete/read, delete/delete);
//   - a winner that added data files conflicts when this transaction read
//     the table (record_read_*), unless the winner was a blind append and
//     this transaction only reads files; blind appends commute with each
//     other and are retried;
//   - a winner with a txn action of the same appId, or domainMetadata of
//     the same domain, conflicts.
//
// A Transaction is used by one thread; separate Transactions may commit to
// the same table concurrently from any thread or process.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "common/strong_types.h"
#include "store/delta/actions.h"
#include "store/delta/snapshot.h"

namespace loch::sql {
class Connection;
}

namespace loch::delta {

// What a transaction writes into commitInfo (PROTOCOL.md "Commit
// Provenance Information"): e.g. {"WRITE", {"mode": "Append"},
// {"numFiles": "3", "numOutputRows": "1000"}}. Delta writes parameter and
// metric values as strings; loch does the same.
struct CommitOperation {
  std::string name = "WRITE";
  nlohmann::json parameters = nlohmann::json::object();
  nlohmann::json metrics = nlohmann::json::object();
};

struct CommitOptions {
  // Attempts at put-if-absent before giving up with a Conflict; each lost
  // race that the conflict rules allow is retried at the next version.
  int max_attempts = 10000;
  // Run the post-commit hooks (checkpoint, log cleanup).
  bool post_commit_hooks = true;
};

// The outcome of a successful commit.
struct CommitResult {
  TableVersion version;  // the version this transaction created
  int attempts = 1;      // 1 when no other writer got in the way
  bool checkpoint_written = false;
};

class Transaction {
 public:
  // Starts a transaction on an existing table at its latest version (the
  // read snapshot). NotFound when `table_root` has no _delta_log.
  static Result<Transaction> begin(const std::filesystem::path& table_root, sql::Connection& connection);
  // Starts a transaction that creates the table: it commits version 0 and
  // must stage metaData and protocol. Fails with AlreadyExists (naming the
  // table) at commit if version 0 exists by then.
  static Transaction begin_create(const std::filesystem::path& table_root, sql::Connection& connection);
  // Starts at the latest version, or as begin_create when there is no table.
  static Result<Transaction> begin_or_create(const std::filesystem::path& table_root, sql::Connection& connection);

  Transaction(Transaction&&) noexcept;
  Transaction& operator=(Transaction&&) noexcept;
  ~Transaction();

  const std::filesystem::path& table_root() const;
  // The snapshot this transaction started from; null when it creates the table.
  const Snapshot* read_snapshot() const;
  // -1 when creating the table.
  int64_t read_version() const;

  // The metaData / protocol the commit will leave in force: the staged ones,
  // else the read snapshot's.
  const Metadata& metadata() const;
  const Protocol& protocol() const;

  // --- What was read (conflict detection) ---------------------------------
  // The files whose rows decided this transaction's output (e.g. a DELETE's
  // candidates). A concurrent remove of any of them is a conflict.
  void record_read_files(const std::vector<const LiveFile*>& files);
  void record_read_file(const std::string& log_path);
  // The transaction depends on the whole table's contents (a predicate that
  // could match rows anywhere): any concurrent non-blind data add conflicts.
  // `predicate` is for commitInfo.readPredicates and error messages.
  void record_read_predicate(const std::string& predicate);

  // --- Staged actions -----------------------------------------------------
  // An add action; its stats must be set (the writer requirement: every
  // add of loch carries numRecords, minValues, maxValues, nullCount).
  void add_file(FileAction add);
  // A remove action: `remove.path` as the live add wrote it, with its
  // partitionValues, size, stats and deletionVector copied so that the
  // remove carries extended file metadata (see remove_for()).
  void remove_file(FileAction remove);
  void set_metadata(Metadata metadata);
  void set_protocol(Protocol protocol);
  // Idempotent writes (PROTOCOL.md "Transaction Identifiers"): a streaming
  // writer records (appId, version) in the same commit as its data; after a
  // restart it reads snapshot.transactions() to skip what was committed.
  void set_transaction_id(const std::string& app_id, int64_t version);
  void set_domain_metadata(DomainMetadata domain);
  void set_operation(CommitOperation operation);

  const std::vector<FileAction>& staged_adds() const;
  const std::vector<FileAction>& staged_removes() const;

  // Commits the staged actions as the next version. Errors:
  //   Conflict  a concurrent commit makes this one invalid; the message names
  //             the winning version and the reason;
  //   AlreadyExists  begin_create and the table exists;
  //   IOError   the log could not be written (nothing was committed).
  // A Transaction commits at most once.
  Result<CommitResult> commit(const CommitOptions& options = {});

 private:
  struct State;
  explicit Transaction(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// A remove action for a live file: extended file metadata copied from the
// add, deletionTimestamp now, dataChange as given.
FileAction remove_for(const FileAction& add, bool data_change = true);

// The current time in milliseconds since the epoch (modificationTime,
// deletionTimestamp, commitInfo.timestamp).
int64_t now_ms();

}  // namespace loch::delta
