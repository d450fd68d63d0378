// LogSegment: which files of _delta_log make up one version of a table.
//
// The log directory holds commits (<v>.json), classic checkpoints
// (<v>.checkpoint.parquet), multi-part checkpoints
// (<v>.checkpoint.<part>.<parts>.parquet), UUID-named v2 checkpoints
// (<v>.checkpoint.<uuid>.json|parquet), log compaction files
// (<x>.<y>.compacted.json), checksums (<v>.crc) and _last_checkpoint
// (PROTOCOL.md "Delta Log Entries" ... "Last Checkpoint File"; grammar in
// doc/delta-log.md). A version is the newest complete checkpoint at or before
// it plus every commit after that checkpoint, which must be contiguous.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/strong_types.h"

namespace loch::delta {

struct CheckpointFiles {
  TableVersion version;
  enum class Kind { kClassic, kMultiPart, kV2Json, kV2Parquet } kind = Kind::kClassic;
  std::vector<std::filesystem::path> parts;  // one file except for multi-part
};

struct CommitFile {
  TableVersion version;  // the newest version the file covers
  std::filesystem::path path;
  // A log compaction file <first>.<version>.compacted.json stands for the
  // commits first..version; for a plain commit first == version.
  TableVersion first;
};

struct CompactionFile {
  TableVersion first;
  TableVersion last;
  std::filesystem::path path;
};

// Everything found in _delta_log, by kind.
struct LogListing {
  std::filesystem::path log_dir;
  std::map<int64_t, std::filesystem::path> commits;
  std::map<int64_t, std::vector<CheckpointFiles>> checkpoints;  // complete candidates per version
  std::vector<CompactionFile> compactions;
  std::optional<int64_t> last_checkpoint_hint;  // from _last_checkpoint, when it parses

  // The newest version the listing can reconstruct.
  std::optional<TableVersion> latest_version() const;
};

// Lists table_root/_delta_log. NotFound if it does not exist.
Result<LogListing> list_log(const std::filesystem::path& table_root);

struct LogSegment {
  TableVersion version;
  std::optional<CheckpointFiles> checkpoint;
  // Newest first: replay order. Where a log compaction file covers a run of
  // commits after the checkpoint, it replaces them (PROTOCOL.md "Log
  // Compaction Files": it holds their reconciled actions).
  std::vector<CommitFile> commits_newest_first;
};

// The files for `version` (the latest when not given). Fails naming the
// version when a commit is missing or the version does not exist.
Result<LogSegment> build_segment(const LogListing& listing, std::optional<TableVersion> version);

// The file name of commit `version`: 20 zero-padded digits + ".json".
std::string commit_file_name(TableVersion version);

}  // namespace loch::delta
