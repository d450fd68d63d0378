// RecordContract: what the produce path asks before appending a batch to a
// topic that has a data contract (doc/registry-contracts.md). The broker
// only knows this interface; collect/contracts implements it with the
// schema registry, and `loch serve` plugs it in.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collect/kafka/log/partition_log.h"
#include "common/status.h"

namespace loch::kafka {

// Where write_dead_letters appended: the produce path's acks=all answer
// waits for `log` on disk below `end`, through the broker's group commit
// (LogSyncer) with the partition's own batches, not an fsync of its own.
struct DeadLettersWritten {
  std::shared_ptr<PartitionLog> log;
  int64_t end = -1;  // one past the last dead letter's offset
};

// A record that broke the contract: its index in the producer's batch and why.
struct RecordViolation {
  int32_t batch_index = 0;
  std::string reason;
};

struct ContractDecision {
  enum class Action {
    kAppend,   // append the batch as the producer sent it (no contract, or every record passed)
    kReplace,  // append `kept` instead: the batch without the records for the dead-letter topic
    kSkip,     // every record is for the dead-letter topic and the batch has no producer id: nothing to append
    kReject,   // policy reject: the partition's produce fails with INVALID_RECORD
    kFail,     // the check itself failed (`status`: unreadable batch, registry not ready)
  };
  Action action = Action::kAppend;
  // kReplace: the rebuilt batch. Of a plain producer it numbers the kept
  // records 0..n-1; of an idempotent or transactional producer it keeps the
  // producer id, epoch, base sequence and lastOffsetDelta (so the sequence
  // range) of the original, the kept records keep their offset deltas, and
  // it may hold no record at all (`keeps_offset_range`: OffsetGaps::kAllowed).
  std::string kept;
  bool keeps_offset_range = false;
  // kReplace / kSkip: appends the diverted records to the dead-letter topic
  // without waiting for the disk, and sets *dead_letters_written. The
  // produce path calls it exactly once, right before it appends `kept`
  // (under the partition's producer-state lock, hence no fsync here), and
  // only if the batch is not a duplicate of one already appended.
  std::function<Status()> write_dead_letters;
  std::shared_ptr<DeadLettersWritten> dead_letters_written = std::make_shared<DeadLettersWritten>();
  std::vector<RecordViolation> violations;  // kReject (and the diverted ones for kReplace / kSkip)
  Status status = Status::ok();            // kFail
};

class RecordContract {
 public:
  virtual ~RecordContract() = default;
  // Called for each batch of a produce request before it is appended.
  // Writes nothing: dead letters are written by the decision's
  // write_dead_letters. Thread-safe.
  virtual ContractDecision check_batch(const std::string& topic, int32_t partition, std::string_view batch) = 0;
};

}  // namespace loch::kafka
