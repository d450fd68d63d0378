#include "store/delta/conflict_checker.h"

#include <fstream>
#include <sstream>

#include "store/delta/file_paths.h"
#include "store/delta/log_segment.h"

namespace loch::delta {

namespace fs = std::filesystem;
using nlohmann::json;

Result<WinningCommit> read_winning_commit(const fs::path& table_root, TableVersion version) {
  const fs::path path = table_root / "_delta_log" / commit_file_name(version);
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::io_error("cannot read " + path.string());
  WinningCommit winner;
  winner.version = version;
  std::string line;
  size_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    json object = json::parse(line, nullptr, false);
    if (object.is_discarded()) {
      return Status::corruption(path.filename().string() + ": line " + std::to_string(line_number) + " is not JSON");
    }
    auto action = parse_action(object);
    if (!action.is_ok()) return action.status().with_context(path.filename().string());
    if (action->commit_info) {
      const json& info = *action->commit_info;
      if (info.contains("operation") && info["operation"].is_string()) winner.operation = info["operation"];
      if (info.contains("isBlindAppend") && info["isBlindAppend"].is_boolean()) {
        winner.blind_append = info["isBlindAppend"].get<bool>();
      }
    }
    if (action->protocol) winner.changes_protocol = true;
    if (action->metadata) winner.changes_metadata = true;
    if (action->add) winner.adds.push_back(std::move(*action->add));
    if (action->remove) winner.removes.push_back(std::move(*action->remove));
    if (action->txn) winner.txns.push_back(std::move(*action->txn));
    if (action->domain_metadata) winner.domains.push_back(std::move(*action->domain_metadata));
  }
  return winner;
}

namespace {

std::string key_of(const fs::path& table_root, const std::string& log_path) {
  auto path = resolve_data_path(table_root, log_path);
  return path.is_ok() ? path->string() : log_path;
}

}  // namespace

Status check_conflict(const StagedChanges& mine, const WinningCommit& winner, const fs::path& table_root) {
  auto conflict = [&](const std::string& reason) {
    return Status::conflict("concurrent commit: version " + std::to_string(winner.version.value()) +
                            (winner.operation.empty() ? std::string() : " (" + winner.operation + ")") +
                            " was committed first and " + reason + "; retry the statement");
  };
  if (winner.changes_protocol) return conflict("changed the table's protocol");
  if (winner.changes_metadata) return conflict("changed the table's metadata (schema, properties or partitioning)");
  // A file this transaction read or removes is gone: its rows may have
  // changed (concurrent delete-read / delete-delete).
  std::set<std::string> mine_removed;
  for (const auto& remove : *mine.removes) mine_removed.insert(key_of(table_root, remove.path));
  for (const auto& remove : winner.removes) {
    const std::string key = key_of(table_root, remove.path);
    if (mine_removed.contains(key)) return conflict("removed file " + remove.path + " that this transaction also removes");
    if (mine.read->files.contains(key)) return conflict("removed file " + remove.path + " that this transaction read");
  }
  // New data this transaction should have seen: under WriteSerializable a
  // blind append may be ordered after a reader, anything else may not.
  bool winner_adds_data = false;
  for (const auto& add : winner.adds) winner_adds_data = winner_adds_data || add.data_change;
  if (winner_adds_data && !winner.blind_append && !mine.read->predicates.empty()) {
    return conflict("added data that this transaction's read (" + mine.read->predicates.front() + ") should have seen");
  }
  // A schema or property change (ALTER TABLE, constraints) must have been
  // checked against every row, including rows added concurrently.
  if (winner_adds_data && mine.changes_metadata_or_protocol) {
    return conflict("added data while this transaction changed the table's metadata");
  }
  for (const auto& txn : winner.txns) {
    for (const auto& own : *mine.txns) {
      if (own.app_id == txn.app_id) return conflict("committed transaction id appId " + txn.app_id);
    }
  }
  for (const auto& domain : winner.domains) {
    for (const auto& own : *mine.domains) {
      if (own.domain == domain.domain) return conflict("changed domain metadata " + domain.domain);
    }
  }
  return Status::ok();
}

}  // namespace loch::delta
