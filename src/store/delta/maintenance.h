// Table maintenance statements (doc/delta-dml.md): OPTIMIZE (optimize.cc),
// VACUUM (vacuum.cc), RESTORE (restore.cc), and auto-compaction. Each
// returns the SELECT that shows its outcome to the user.
#pragma once

#include <filesystem>
#include <string>

#include "common/result.h"
#include "store/delta/dml_parser.h"

namespace loch::sql {
class Connection;
}

namespace loch::delta {

// The session variable VACUUM reads: false lets it use a retention under
// the 7-day minimum.
inline constexpr const char* kRetentionCheckVariable = "loch_delta_retention_duration_check";

struct OptimizeOutcome {
  int64_t files_removed = 0;
  int64_t files_added = 0;
  int64_t partitions_optimized = 0;
  std::optional<int64_t> version;  // none when there was nothing to compact
};

// Bin-packs the small files of each partition (those under
// delta.targetFileSize, 128 MiB by default, plus files with deletion
// vectors, whose deleted rows are purged) into files of about that size;
// with ZORDER BY, rewrites every file of each partition clustered by the
// columns' interleaved bits. Adds and removes carry dataChange = false.
Result<OptimizeOutcome> optimize_table(const OptimizeStatement& statement, sql::Connection& connection);
Result<std::string> execute_optimize(const OptimizeStatement& statement, sql::Connection& connection);

// Auto-compaction after a write (delta.autoOptimize.autoCompact, on unless
// set to false): an OPTIMIZE of the partitions that hold at least
// `min_small_files` files under half the target size (property
// delta.autoOptimize.minNumFiles, default 50). Returns the version written,
// if any.
Result<std::optional<int64_t>> auto_compact(const std::filesystem::path& table_root, sql::Connection& connection);

// The same compaction with the threshold given by the caller (a pipeline's
// sink.compact_min_files) rather than the table property.
Result<OptimizeOutcome> compact_small_files(const std::filesystem::path& table_root, const std::string& display_name,
                                            size_t min_small_files, sql::Connection& connection);

Result<std::string> execute_vacuum(const VacuumStatement& statement, sql::Connection& connection);
Result<std::string> execute_restore(const RestoreStatement& statement, sql::Connection& connection);

}  // namespace loch::delta
