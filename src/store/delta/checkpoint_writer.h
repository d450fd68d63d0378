// Writing classic checkpoints and cleaning up expired log files
// (PROTOCOL.md "Checkpoints", "Checkpoint Schema", "Last Checkpoint File",
// "Metadata Cleanup"; doc/delta-writer.md "Checkpoints").
//
// A checkpoint of version v is `_delta_log/<v>.checkpoint.parquet`: one row
// per action of the reconciled state (protocol, metaData, txn,
// domainMetadata, every live add with dataChange false, and the remove
// tombstones younger than delta.deletedFileRetentionDuration), with the
// spec's columns (stats as a JSON string). DuckDB writes the Parquet to a
// temporary name; it is fsynced and renamed into place, then
// `_last_checkpoint` is replaced atomically. A crash leaves either no
// checkpoint or a complete one.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "common/result.h"
#include "common/strong_types.h"
#include "store/delta/actions.h"

namespace loch::sql {
class Connection;
}

namespace loch::delta {

struct CheckpointSummary {
  TableVersion version;
  int64_t actions = 0;    // rows written
  int64_t add_files = 0;  // live files
  int64_t size_in_bytes = 0;
};

// Writes the checkpoint of `version` (which must exist).
Result<CheckpointSummary> write_checkpoint(const std::filesystem::path& table_root, sql::Connection& connection,
                                           TableVersion version);

// Deletes commit files (and checkpoints, checksums) older than
// delta.logRetentionDuration (default 30 days) that the newest checkpoint at
// or before the cutoff makes unnecessary: only versions below that
// checkpoint go, so every version from the checkpoint on stays readable.
// Returns how many files were deleted.
Result<int> clean_expired_log(const std::filesystem::path& table_root, const Metadata& metadata, int64_t now_ms);

// A Delta interval property ("interval 30 days", "interval 1 week",
// "168 hours") in milliseconds.
Result<int64_t> parse_interval_ms(const std::string& text);

}  // namespace loch::delta
