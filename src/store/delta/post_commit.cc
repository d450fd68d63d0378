#include "store/delta/post_commit.h"

namespace loch::delta {

Result<PostCommitOutcome> run_post_commit_hooks(const std::filesystem::path&, sql::Connection&, TableVersion,
                                                const Metadata&) {
  // Checkpoints and log cleanup are added by the checkpoint writer.
  return PostCommitOutcome{};
}

}  // namespace loch::delta
