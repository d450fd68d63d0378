// RESTORE TABLE t TO VERSION AS OF n | TIMESTAMP AS OF '...'
// (maintenance.h, doc/delta-dml.md "RESTORE").
//
// A new commit whose snapshot equals the old version's: files live then and
// not now are added back (dataChange = true), files live now and not then
// are removed, and the old metaData comes back. The protocol never goes
// down (PROTOCOL.md: writers must not downgrade), so it stays the newer one
// when it differs. A file VACUUM already deleted makes RESTORE fail before
// anything is written, naming the file.
#include <map>

#include "store/delta/file_paths.h"
#include "store/delta/maintenance.h"
#include "store/delta/snapshot.h"
#include "store/delta/transaction.h"
#include "store/sql/database.h"

namespace loch::delta {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The replay key of a logical file: its path and deletion vector.
std::string file_key(const LiveFile& file) {
  return file.absolute_path.lexically_normal().string() + "#" +
         (file.add.deletion_vector ? file.add.deletion_vector->unique_id() : std::string());
}

}  // namespace

Result<std::string> execute_restore(const RestoreStatement& statement, sql::Connection& connection) {
  const std::string what = "RESTORE " + statement.target.display_name;
  auto begun = Transaction::begin(statement.target.root, connection);
  if (!begun.is_ok()) return begun.status().with_context(what);
  Transaction txn = std::move(begun).value();
  const Snapshot& current = *txn.read_snapshot();
  SnapshotRequest request;
  if (statement.version) request.version = TableVersion(*statement.version);
  if (statement.timestamp) {
    LOCH_ASSIGN_OR_RETURN(int64_t ms, parse_timestamp_ms(*statement.timestamp));
    request.timestamp_ms = ms;
  }
  auto old = Snapshot::load(statement.target.root, connection, request);
  if (!old.is_ok()) return old.status().with_context(what);
  if (old->version().value() > current.version().value()) {
    return Status::invalid_argument(what + ": version " + std::to_string(old->version().value()) +
                                    " is newer than the latest, " + std::to_string(current.version().value()));
  }

  std::map<std::string, const LiveFile*> now;
  for (const auto& file : current.files()) now.emplace(file_key(file), &file);
  std::map<std::string, const LiveFile*> then;
  for (const auto& file : old->files()) then.emplace(file_key(file), &file);

  int64_t restored = 0, removed = 0, restored_bytes = 0, removed_bytes = 0;
  std::vector<const LiveFile*> read;
  for (const auto& [key, file] : then) {
    if (now.contains(key)) continue;
    std::error_code ec;
    if (!fs::exists(file->absolute_path, ec)) {
      return Status::not_found(what + ": data file " + file->absolute_path.string() + " of version " +
                               std::to_string(old->version().value()) + " was deleted (by VACUUM?); cannot restore");
    }
    FileAction add = file->add;
    add.data_change = true;
    add.stats_parsed.reset();
    add.deletion_timestamp.reset();
    txn.add_file(std::move(add));
    ++restored;
    restored_bytes += file->add.size;
  }
  for (const auto& [key, file] : now) {
    if (then.contains(key)) continue;
    txn.remove_file(remove_for(file->add));
    read.push_back(file);
    ++removed;
    removed_bytes += file->add.size;
  }
  txn.record_read_files(read);
  if (old->metadata().schema_string != current.metadata().schema_string ||
      old->metadata().configuration != current.metadata().configuration ||
      old->metadata().partition_columns != current.metadata().partition_columns) {
    txn.set_metadata(old->metadata());
  }
  json parameters = {{"version", statement.version ? std::to_string(*statement.version) : std::string()},
                     {"timestamp", statement.timestamp.value_or("")}};
  json metrics = {{"numRestoredFiles", std::to_string(restored)},
                  {"numRemovedFiles", std::to_string(removed)},
                  {"restoredFilesSize", std::to_string(restored_bytes)},
                  {"removedFilesSize", std::to_string(removed_bytes)},
                  {"tableSizeAfterRestore", std::to_string([&] {
                     int64_t total = 0;
                     for (const auto& file : old->files()) total += file.add.size;
                     return total;
                   }())},
                  {"numOfFilesAfterRestore", std::to_string(old->files().size())}};
  txn.set_operation(CommitOperation{"RESTORE", parameters, metrics});
  auto committed = txn.commit();
  if (!committed.is_ok()) return committed.status().with_context(what);
  return "SELECT " + std::to_string(committed->version.value()) + "::BIGINT AS version, " +
         std::to_string(old->version().value()) + "::BIGINT AS restored_version, " + std::to_string(restored) +
         "::BIGINT AS num_restored_files, " + std::to_string(removed) + "::BIGINT AS num_removed_files";
}

}  // namespace loch::delta
