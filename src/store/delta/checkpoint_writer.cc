#include "store/delta/checkpoint_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>

#include "store/delta/action_json.h"
#include "store/delta/commit_file.h"
#include "store/delta/file_paths.h"
#include "store/delta/log_segment.h"
#include "store/delta/snapshot.h"
#include "store/sql/database.h"

namespace loch::delta {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// The checkpoint columns (PROTOCOL.md "Checkpoint Schema"), as DuckDB types
// for read_json; Parquet gets the same names and nesting.
constexpr const char* kDeletionVectorType =
    "STRUCT(storageType VARCHAR, pathOrInlineDv VARCHAR, \"offset\" INTEGER, sizeInBytes INTEGER, cardinality BIGINT)";

std::string checkpoint_columns() {
  const std::string dv = kDeletionVectorType;
  return "{txn: 'STRUCT(appId VARCHAR, version BIGINT, lastUpdated BIGINT)', "
         "add: 'STRUCT(path VARCHAR, partitionValues MAP(VARCHAR, VARCHAR), size BIGINT, modificationTime BIGINT, "
         "dataChange BOOLEAN, stats VARCHAR, tags MAP(VARCHAR, VARCHAR), deletionVector " + dv +
         ", baseRowId BIGINT, defaultRowCommitVersion BIGINT)', "
         "remove: 'STRUCT(path VARCHAR, deletionTimestamp BIGINT, dataChange BOOLEAN, extendedFileMetadata BOOLEAN, "
         "partitionValues MAP(VARCHAR, VARCHAR), size BIGINT, stats VARCHAR, deletionVector " + dv +
         ", baseRowId BIGINT, defaultRowCommitVersion BIGINT)', "
         "metaData: 'STRUCT(id VARCHAR, name VARCHAR, description VARCHAR, format STRUCT(provider VARCHAR, options "
         "MAP(VARCHAR, VARCHAR)), schemaString VARCHAR, partitionColumns VARCHAR[], configuration MAP(VARCHAR, VARCHAR), "
         "createdTime BIGINT)', "
         "protocol: 'STRUCT(minReaderVersion INTEGER, minWriterVersion INTEGER, readerFeatures VARCHAR[], "
         "writerFeatures VARCHAR[])', "
         "domainMetadata: 'STRUCT(domain VARCHAR, configuration VARCHAR, removed BOOLEAN)'}";
}

Result<std::vector<json>> json_lines(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::io_error("cannot read " + path.string());
  std::vector<json> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    json parsed = json::parse(line, nullptr, false);
    if (parsed.is_discarded()) return Status::corruption(path.filename().string() + ": a line is not JSON");
    out.push_back(std::move(parsed));
  }
  return out;
}

std::string file_key(const fs::path& root, const FileAction& file) {
  auto path = resolve_data_path(root, file.path);
  return (path.is_ok() ? path->string() : file.path) + '\x1f' +
         (file.deletion_vector ? file.deletion_vector->unique_id() : "");
}

// Remove actions not cancelled by a newer add, newest first, from the
// segment's commits and its checkpoint.
Result<std::vector<FileAction>> tombstones(const ResolvedSegment& resolved, sql::Connection& connection) {
  std::set<std::string> seen;
  std::vector<FileAction> removes;
  auto consider = [&](const json& object) -> Status {
    if (!object.contains("add") && !object.contains("remove")) return Status::ok();
    LOCH_ASSIGN_OR_RETURN(Action action, parse_action(object));
    const FileAction* file = action.add ? &*action.add : (action.remove ? &*action.remove : nullptr);
    if (!file) return Status::ok();
    if (seen.insert(file_key(resolved.root, *file)).second && action.remove) removes.push_back(*action.remove);
    return Status::ok();
  };
  for (const auto& commit : resolved.segment.commits_newest_first) {
    LOCH_ASSIGN_OR_RETURN(auto lines, json_lines(commit.path));
    for (const auto& object : lines) LOCH_RETURN_IF_ERROR(consider(object));
  }
  const auto& checkpoint = resolved.segment.checkpoint;
  if (checkpoint && (checkpoint->kind == CheckpointFiles::Kind::kClassic ||
                     checkpoint->kind == CheckpointFiles::Kind::kMultiPart)) {
    std::string list;
    for (const auto& part : checkpoint->parts) list += (list.empty() ? "" : ", ") + sql_string_literal(part.string());
    auto has_remove = connection.query("SELECT 1 FROM (DESCRIBE SELECT * FROM read_parquet([" + list +
                                       "])) WHERE column_name = 'remove'");
    if (!has_remove.is_ok()) return has_remove.status();
    auto chunk = has_remove->next_chunk();
    if (chunk.is_ok() && *chunk && (*chunk)->size() > 0) {
      LOCH_ASSIGN_OR_RETURN(auto result, connection.query("SELECT CAST(to_json(t.remove) AS VARCHAR) FROM read_parquet([" +
                                                          list + "]) AS t WHERE t.remove IS NOT NULL"));
      while (true) {
        LOCH_ASSIGN_OR_RETURN(auto rows, result.next_chunk());
        if (!rows) break;
        for (size_t row = 0; row < rows->size(); ++row) {
          json remove = json::parse(rows->column(0).string_at(row), nullptr, false);
          if (remove.is_object()) LOCH_RETURN_IF_ERROR(consider(json{{"remove", remove}}));
        }
      }
    }
  }
  return removes;
}

int64_t config_interval_ms(const Metadata& metadata, const std::string& key, const std::string& fallback) {
  auto it = metadata.configuration.find(key);
  auto parsed = parse_interval_ms(it == metadata.configuration.end() ? fallback : it->second);
  if (parsed.is_ok()) return *parsed;
  return parse_interval_ms(fallback).value();
}

Status fsync_file(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::from_errno("open " + path.string(), errno);
  const int synced = ::fsync(fd);
  const int sync_errno = errno;
  ::close(fd);
  if (synced != 0) return Status::from_errno("fsync " + path.string(), sync_errno);
  return Status::ok();
}

int64_t mtime_ms(const fs::path& path) {
  std::error_code ec;
  auto time = fs::last_write_time(path, ec);
  if (ec) return 0;
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::file_clock::to_sys(time).time_since_epoch())
      .count();
}

}  // namespace

Result<int64_t> parse_interval_ms(const std::string& text) {
  std::istringstream in(text);
  std::string word;
  in >> word;
  std::string lowered = word;
  for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lowered == "interval") in >> word;
  int64_t amount = 0;
  try {
    size_t used = 0;
    amount = std::stoll(word, &used);
    if (used != word.size()) throw std::invalid_argument("trailing");
  } catch (...) {
    return Status::invalid_argument("not an interval: '" + text + "' (expected e.g. 'interval 30 days')");
  }
  std::string unit;
  in >> unit;
  for (char& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!unit.empty() && unit.back() == 's') unit.pop_back();
  static const std::map<std::string, int64_t> scale = {
      {"millisecond", 1},        {"second", 1000},         {"minute", 60'000},
      {"hour", 3'600'000},       {"day", 86'400'000},      {"week", 604'800'000}};
  auto it = scale.find(unit);
  if (it == scale.end()) return Status::invalid_argument("not an interval unit in '" + text + "'");
  return amount * it->second;
}

Result<CheckpointSummary> write_checkpoint(const fs::path& table_root, sql::Connection& connection,
                                           TableVersion version) {
  SnapshotRequest request;
  request.version = version;
  LOCH_ASSIGN_OR_RETURN(ResolvedSegment resolved, resolve_segment(table_root, request));
  LOCH_ASSIGN_OR_RETURN(Snapshot snapshot, Snapshot::load(resolved, connection));
  LOCH_ASSIGN_OR_RETURN(auto removes, tombstones(resolved, connection));
  const int64_t retention = config_interval_ms(snapshot.metadata(), "delta.deletedFileRetentionDuration", "interval 1 week");
  const int64_t cutoff = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch()).count() - retention;

  CheckpointSummary summary{version, 0, 0, 0};
  std::string rows;
  auto row = [&](const json& action) {
    rows += action.dump() + "\n";
    ++summary.actions;
  };
  row(protocol_json(snapshot.protocol()));
  row(metadata_json(snapshot.metadata()));
  for (const auto& [app, txn] : snapshot.transactions()) row(txn_json(txn));
  for (const auto& [name, domain] : snapshot.domains()) row(domain_metadata_json(domain));
  for (const auto& file : snapshot.files()) {
    FileAction add = file.add;
    add.data_change = false;  // a checkpoint holds state, not changes
    if (!add.stats && add.stats_parsed) add.stats = add.stats_parsed->dump();
    row(add_json(add));
    ++summary.add_files;
  }
  for (const auto& remove : removes) {
    if (remove.deletion_timestamp.value_or(0) < cutoff) continue;  // expired tombstone
    FileAction tombstone = remove;
    tombstone.data_change = false;
    row(remove_json(tombstone));
  }

  const fs::path log_dir = resolved.root / "_delta_log";
  const std::string base = log_dir.string() + "/._loch_tmp." + std::to_string(version.value()) + "." +
                           std::to_string(::getpid()) + "." + std::to_string(summary.actions);
  const fs::path staged_json = base + ".checkpoint.json";
  const fs::path staged_parquet = base + ".checkpoint.parquet";
  {
    std::ofstream out(staged_json, std::ios::binary | std::ios::trunc);
    out << rows;
    if (!out) return Status::io_error("cannot write " + staged_json.string());
  }
  auto cleanup = [&] {
    std::error_code ec;
    fs::remove(staged_json, ec);
    fs::remove(staged_parquet, ec);
  };
  Status copied = connection.execute("COPY (SELECT * FROM read_json(" + sql_string_literal(staged_json.string()) +
                                     ", format = 'newline_delimited', columns = " + checkpoint_columns() +
                                     ")) TO " + sql_string_literal(staged_parquet.string()) +
                                     " (FORMAT parquet, COMPRESSION snappy)");
  if (!copied.is_ok()) {
    cleanup();
    return copied.with_context("checkpoint of version " + std::to_string(version.value()));
  }
  // Readers trust a checkpoint that exists: it must be whole on disk
  // before it has its name.
  Status synced = fsync_file(staged_parquet);
  const fs::path final_path = log_dir / (commit_file_name(version).substr(0, 20) + ".checkpoint.parquet");
  if (synced.is_ok() && ::rename(staged_parquet.c_str(), final_path.c_str()) != 0) {
    synced = Status::from_errno("rename to " + final_path.string(), errno);
  }
  cleanup();
  LOCH_RETURN_IF_ERROR(synced);
  LOCH_RETURN_IF_ERROR(sync_directory(log_dir));
  std::error_code ec;
  summary.size_in_bytes = static_cast<int64_t>(fs::file_size(final_path, ec));

  // _last_checkpoint only moves forward: a slower writer checkpointing an
  // older version must not point readers back.
  LOCH_ASSIGN_OR_RETURN(LogListing listing, list_log(resolved.root));
  if (listing.last_checkpoint_hint && *listing.last_checkpoint_hint > version.value()) return summary;
  json last = {{"version", version.value()},
               {"size", summary.actions},
               {"sizeInBytes", summary.size_in_bytes},
               {"numOfAddFiles", summary.add_files}};
  LOCH_RETURN_IF_ERROR(write_atomically(log_dir / "_last_checkpoint", last.dump() + "\n"));
  return summary;
}

Result<int> clean_expired_log(const fs::path& table_root, const Metadata& metadata, int64_t now_ms) {
  const int64_t retention = config_interval_ms(metadata, "delta.logRetentionDuration", "interval 30 days");
  const int64_t cutoff = now_ms - retention;
  LOCH_ASSIGN_OR_RETURN(LogListing listing, list_log(table_root));
  if (listing.checkpoints.empty()) return 0;
  // Versions below the newest checkpoint are not needed to read it or any
  // later version.
  const int64_t keep_from = listing.checkpoints.rbegin()->first;
  int deleted = 0;
  // Delete an unbroken run of the oldest expired versions, so that the log
  // never has a gap in the middle.
  std::map<int64_t, std::vector<fs::path>> by_version;
  for (const auto& [version, path] : listing.commits) by_version[version].push_back(path);
  for (const auto& [version, candidates] : listing.checkpoints) {
    for (const auto& checkpoint : candidates) {
      for (const auto& part : checkpoint.parts) by_version[version].push_back(part);
    }
  }
  for (const auto& [version, files] : by_version) {
    if (version >= keep_from) break;
    bool expired = true;
    for (const auto& file : files) expired = expired && mtime_ms(file) < cutoff;
    if (!expired) break;
    for (const auto& file : files) {
      std::error_code ec;
      if (fs::remove(file, ec)) ++deleted;
    }
    std::error_code ec;
    const fs::path crc = listing.log_dir / (commit_file_name(TableVersion(version)).substr(0, 20) + ".crc");
    if (fs::remove(crc, ec)) ++deleted;
  }
  return deleted;
}

}  // namespace loch::delta
