// VACUUM (maintenance.h, doc/delta-dml.md "VACUUM").
//
// A file under the table directory is deleted when no version within the
// retention period may need it:
//   - it is not referenced by the latest snapshot (data files and their
//     deletion vector files);
//   - no remove action still in the log tombstoned it after the retention
//     cutoff (a reader time-travelling within retention still needs it);
//   - it was last modified before the cutoff (a writer still running may be
//     about to commit it; files of killed writers age out like this).
// _delta_log and names starting with '_' or '.' are never touched, as in
// Spark. Retention is the RETAIN clause, else the table's
// delta.deletedFileRetentionDuration, else 7 days; under 168 hours is
// refused unless the session turned the check off.
#include <sys/stat.h>

#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "store/delta/file_paths.h"
#include "store/delta/maintenance.h"
#include "store/delta/snapshot.h"
#include "store/delta/transaction.h"
#include "store/sql/database.h"

namespace loch::delta {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr double kMinimumRetentionHours = 168;

// "interval 7 days", "interval 36 hours", "1 week" as hours.
std::optional<double> interval_hours(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (text.starts_with("interval")) text = text.substr(8);
  double amount = 0;
  char unit[32] = {0};
  if (std::sscanf(text.c_str(), " %lf %31s", &amount, unit) != 2) return std::nullopt;
  std::string u(unit);
  if (u.starts_with("week")) return amount * 168;
  if (u.starts_with("day")) return amount * 24;
  if (u.starts_with("hour")) return amount;
  if (u.starts_with("minute")) return amount / 60;
  if (u.starts_with("second")) return amount / 3600;
  return std::nullopt;
}

Result<bool> retention_check_enabled(sql::Connection& connection) {
  LOCH_ASSIGN_OR_RETURN(auto result,
                        connection.query(std::string("SELECT getvariable('") + kRetentionCheckVariable + "')::BOOLEAN"));
  LOCH_ASSIGN_OR_RETURN(auto chunk, result.next_chunk());
  if (!chunk || chunk->size() == 0 || !chunk->column(0).is_valid(0)) return true;
  return chunk->column(0).values<bool>()[0];
}

std::string normal(const fs::path& path) { return path.lexically_normal().string(); }

// Paths of remove actions in the log's JSON commits whose
// deletionTimestamp is at or after `cutoff_ms` (their DV files too).
Status collect_recent_tombstones(const fs::path& root, int64_t cutoff_ms, std::set<std::string>& keep) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root / "_delta_log", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() != 25 || !name.ends_with(".json")) continue;
    std::ifstream file(entry.path());
    std::string line;
    while (std::getline(file, line)) {
      if (line.find("\"remove\"") == std::string::npos) continue;
      json object = json::parse(line, nullptr, false);
      if (!object.is_object() || !object.contains("remove")) continue;
      auto parsed = parse_action(object);
      if (!parsed.is_ok() || !parsed->remove) continue;
      const FileAction& remove = *parsed->remove;
      if (remove.deletion_timestamp.value_or(0) < cutoff_ms) continue;
      if (auto path = resolve_data_path(root, remove.path); path.is_ok()) keep.insert(normal(*path));
      if (remove.deletion_vector && remove.deletion_vector->storage_type != 'i') {
        if (auto path = remove.deletion_vector->absolute_path(root); path.is_ok()) keep.insert(normal(*path));
      }
    }
  }
  return Status::ok();
}

bool is_hidden(const fs::path& relative) {
  for (const auto& part : relative) {
    const std::string text = part.string();
    if (text.starts_with("_") || text.starts_with(".")) return true;
  }
  return false;
}

}  // namespace

Result<std::string> execute_vacuum(const VacuumStatement& statement, sql::Connection& connection) {
  const std::string what = "VACUUM " + statement.target.display_name;
  auto loaded = Snapshot::load(statement.target.root, connection);
  if (!loaded.is_ok()) return loaded.status().with_context(what);
  const Snapshot& snapshot = *loaded;
  const fs::path root = snapshot.table_root();

  double hours = kMinimumRetentionHours;
  if (auto it = snapshot.metadata().configuration.find("delta.deletedFileRetentionDuration");
      it != snapshot.metadata().configuration.end()) {
    auto parsed = interval_hours(it->second);
    if (!parsed) return Status::invalid_argument(what + ": cannot read delta.deletedFileRetentionDuration '" + it->second + "'");
    hours = *parsed;
  }
  if (statement.retain_hours) {
    if (*statement.retain_hours < 0) return Status::invalid_argument(what + ": RETAIN needs a number of hours >= 0");
    hours = *statement.retain_hours;
  }
  if (hours < kMinimumRetentionHours) {
    LOCH_ASSIGN_OR_RETURN(bool check, retention_check_enabled(connection));
    if (check) {
      return Status::invalid_argument(
          what + ": a retention of " + std::to_string(static_cast<int64_t>(hours)) +
          " hours is under the 168-hour (7-day) minimum; readers and writers of older versions may still need the "
          "files it would delete. To override, run SET loch.delta.retentionDurationCheck = false (Spark: "
          "spark.databricks.delta.retentionDurationCheck.enabled)");
    }
  }
  const int64_t cutoff_ms = now_ms() - static_cast<int64_t>(hours * 3600.0 * 1000.0);

  std::set<std::string> keep;
  for (const auto& file : snapshot.files()) {
    keep.insert(normal(file.absolute_path));
    if (file.add.deletion_vector && file.add.deletion_vector->storage_type != 'i') {
      if (auto path = file.add.deletion_vector->absolute_path(root); path.is_ok()) keep.insert(normal(*path));
    }
  }
  LOCH_RETURN_IF_ERROR(collect_recent_tombstones(root, cutoff_ms, keep));

  std::vector<fs::path> doomed;
  int64_t bytes = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return Status::io_error(what + ": listing " + root.string() + ": " + ec.message());
    const fs::path relative = it->path().lexically_relative(root);
    if (is_hidden(relative)) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file()) continue;
    if (keep.contains(normal(it->path()))) continue;
    struct stat info {};
    if (::stat(it->path().c_str(), &info) != 0) continue;
    const int64_t modified_ms = static_cast<int64_t>(info.st_mtim.tv_sec) * 1000 + info.st_mtim.tv_nsec / 1000000;
    if (modified_ms >= cutoff_ms) continue;
    bytes += static_cast<int64_t>(it->file_size(ec));
    doomed.push_back(it->path());
  }
  std::sort(doomed.begin(), doomed.end());

  std::string rows;
  for (const auto& path : doomed) {
    rows += (rows.empty() ? "(" : ", (") + sql_string_literal(path.string()) + ")";
  }
  if (statement.dry_run) {
    if (rows.empty()) return std::string("SELECT NULL::VARCHAR AS path LIMIT 0");
    return "SELECT path FROM (VALUES " + rows + ") AS files_to_delete(path) ORDER BY path";
  }
  for (const auto& path : doomed) {
    fs::remove(path, ec);
    if (ec) return Status::io_error(what + ": deleting " + path.string() + ": " + ec.message());
  }
  // Partition directories left empty go too (Spark does the same).
  std::vector<fs::path> directories;
  for (auto it = fs::recursive_directory_iterator(root, ec); it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (is_hidden(it->path().lexically_relative(root))) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_directory()) directories.push_back(it->path());
  }
  std::sort(directories.rbegin(), directories.rend());  // children before parents
  for (const auto& directory : directories) {
    if (fs::is_empty(directory, ec)) fs::remove(directory, ec);
  }
  return "SELECT " + sql_string_literal(root.string()) + " AS path, " + std::to_string(doomed.size()) +
         "::BIGINT AS num_files_deleted, " + std::to_string(bytes) + "::BIGINT AS size_in_bytes_deleted";
}

}  // namespace loch::delta
