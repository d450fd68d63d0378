// Snapshot: the state of a Delta table at one version.
//
// Loading replays the log segment newest to oldest (PROTOCOL.md "Action
// Reconciliation"): the first protocol and metaData seen win, the newest txn
// per appId and domainMetadata per domain win, and a file is live when its
// first action seen, keyed by (canonical path, deletion vector id), is an
// add. The protocol is checked as soon as it is found: a table that needs a
// reader feature loch does not support is refused, naming the feature.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/strong_types.h"
#include "store/delta/actions.h"
#include "store/delta/log_segment.h"
#include "store/delta/table_schema.h"

namespace loch::sql {
class Connection;
}

namespace loch::delta {

struct SnapshotRequest {
  std::optional<TableVersion> version;
  // Milliseconds since the epoch: the newest version committed at or before.
  std::optional<int64_t> timestamp_ms;
};

struct LiveFile {
  FileAction add;
  std::filesystem::path absolute_path;
};

// The log files of the version a request names, under the table's
// absolute, normal root.
struct ResolvedSegment {
  std::filesystem::path root;
  LogSegment segment;
};
Result<ResolvedSegment> resolve_segment(const std::filesystem::path& table_root, const SnapshotRequest& request);

class Snapshot {
 public:
  // `connection` reads checkpoint Parquet files (DuckDB's read_parquet).
  static Result<Snapshot> load(const std::filesystem::path& table_root, sql::Connection& connection,
                               const SnapshotRequest& request = {});
  static Result<Snapshot> load(const ResolvedSegment& resolved, sql::Connection& connection);

  const std::filesystem::path& table_root() const { return table_root_; }
  TableVersion version() const { return version_; }
  const Protocol& protocol() const { return protocol_; }
  const Metadata& metadata() const { return metadata_; }
  const TableSchema& schema() const { return schema_; }
  ColumnMappingMode column_mapping() const { return column_mapping_; }
  const std::vector<LiveFile>& files() const { return files_; }
  const std::map<std::string, Txn>& transactions() const { return transactions_; }
  const std::map<std::string, DomainMetadata>& domains() const { return domains_; }
  const std::optional<CheckpointFiles>& checkpoint() const { return checkpoint_; }

 private:
  friend class SnapshotBuilder;
  std::filesystem::path table_root_;
  TableVersion version_;
  Protocol protocol_;
  Metadata metadata_;
  TableSchema schema_;
  ColumnMappingMode column_mapping_ = ColumnMappingMode::kNone;
  std::vector<LiveFile> files_;
  std::map<std::string, Txn> transactions_;
  std::map<std::string, DomainMetadata> domains_;
  std::optional<CheckpointFiles> checkpoint_;
};

// Refuses a protocol whose reader requirements loch does not meet, naming
// every unsupported reader feature.
Status check_reader_protocol(const Protocol& protocol);

// One commit of the table's history, for DESCRIBE HISTORY and timestamps.
struct CommitSummary {
  TableVersion version;
  // inCommitTimestamp, else the commit file's modification time, raised to
  // one millisecond after the previous version's when it would go backwards.
  int64_t timestamp_ms = 0;
  nlohmann::json commit_info;  // null when the commit has none
};

// The commits still in the log, newest first (at most `limit`).
Result<std::vector<CommitSummary>> load_history(const std::filesystem::path& table_root, size_t limit = SIZE_MAX);

// Parses "2024-01-02", "2024-01-02 03:04:05[.ffffff]" or ISO 8601 with a
// zone into milliseconds since the epoch (UTC when no zone is given).
Result<int64_t> parse_timestamp_ms(const std::string& text);

}  // namespace loch::delta
