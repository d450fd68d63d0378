#include "store/delta/post_commit.h"

#include "store/delta/checkpoint_writer.h"
#include "store/delta/transaction.h"
#include "store/delta/writer_protocol.h"

namespace loch::delta {

Result<PostCommitOutcome> run_post_commit_hooks(const std::filesystem::path& table_root, sql::Connection& connection,
                                                TableVersion version, const Metadata& metadata) {
  PostCommitOutcome outcome;
  int64_t interval = 10;
  auto configured = metadata.configuration.find("delta.checkpointInterval");
  if (configured != metadata.configuration.end()) {
    try {
      interval = std::stoll(configured->second);
    } catch (...) {
      return Status::invalid_argument("delta.checkpointInterval '" + configured->second + "' is not a number");
    }
  }
  if (interval <= 0 || version.value() == 0 || version.value() % interval != 0) return outcome;
  // A v2-checkpoint table needs checkpoints loch does not write; its log
  // stays readable without them.
  auto policy = metadata.configuration.find("delta.checkpointPolicy");
  if (policy != metadata.configuration.end() && policy->second == "v2") return outcome;
  LOCH_ASSIGN_OR_RETURN(auto summary, write_checkpoint(table_root, connection, version));
  (void)summary;
  outcome.checkpoint_written = true;
  // Log cleanup runs after a checkpoint, as in Delta, unless turned off.
  auto cleanup = metadata.configuration.find("delta.enableExpiredLogCleanup");
  if (cleanup == metadata.configuration.end() || cleanup->second != "false") {
    LOCH_ASSIGN_OR_RETURN(outcome.log_files_deleted, clean_expired_log(table_root, metadata, now_ms()));
  }
  return outcome;
}

}  // namespace loch::delta
