// Logical conflict detection between a transaction that lost the race for
// a version and the commit that won it (doc/delta-writer.md "Conflicts";
// the rules are Delta's WriteSerializable isolation, summarized in
// transaction.h).
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "common/strong_types.h"
#include "store/delta/actions.h"

namespace loch::delta {

// What a transaction read: data files (absolute paths) and predicates over
// the whole table.
struct ReadSet {
  std::set<std::string> files;
  std::vector<std::string> predicates;
};

// The commit that took the version a transaction wanted.
struct WinningCommit {
  TableVersion version;
  std::string operation;  // from commitInfo, "" when absent
  bool blind_append = false;
  bool changes_protocol = false;
  bool changes_metadata = false;
  std::vector<FileAction> adds;
  std::vector<FileAction> removes;
  std::vector<Txn> txns;
  std::vector<DomainMetadata> domains;
};

// Reads and parses commit `version` of the table.
Result<WinningCommit> read_winning_commit(const std::filesystem::path& table_root, TableVersion version);

// The losing transaction's staged changes (borrowed).
struct StagedChanges {
  const ReadSet* read;
  const std::vector<FileAction>* adds;
  const std::vector<FileAction>* removes;
  bool changes_metadata_or_protocol;
  const std::vector<Txn>* txns;
  const std::vector<DomainMetadata>* domains;
};

// ok when `mine` may be committed after `winner`; otherwise a Conflict
// naming the winning version, its operation and the reason.
Status check_conflict(const StagedChanges& mine, const WinningCommit& winner, const std::filesystem::path& table_root);

}  // namespace loch::delta
