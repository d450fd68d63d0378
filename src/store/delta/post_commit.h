// Post-commit hooks: what a writer does after its commit file exists
// (PROTOCOL.md "Checkpoints", "Metadata Cleanup"). They never undo the
// commit; a failing hook only leaves more log for readers to replay.
#pragma once

#include <filesystem>

#include "common/result.h"
#include "common/strong_types.h"
#include "store/delta/actions.h"

namespace loch::sql {
class Connection;
}

namespace loch::delta {

struct PostCommitOutcome {
  bool checkpoint_written = false;
  int log_files_deleted = 0;
};

// After commit `version`: a classic checkpoint when version is a multiple
// of delta.checkpointInterval (default 10), then expired log cleanup
// (delta.logRetentionDuration, default 30 days).
Result<PostCommitOutcome> run_post_commit_hooks(const std::filesystem::path& table_root, sql::Connection& connection,
                                                TableVersion version, const Metadata& metadata);

}  // namespace loch::delta
