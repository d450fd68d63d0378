// RecordContract: what the produce path asks before appending a batch to a
// topic that has a data contract (doc/registry-contracts.md). The broker
// only knows this interface; collect/contracts implements it with the
// schema registry, and `loch serve` plugs it in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collect/kafka/log/partition_log.h"
#include "common/status.h"

namespace loch::kafka {

// A record that broke the contract: its index in the producer's batch and why.
struct RecordViolation {
  int32_t batch_index = 0;
  std::string reason;
};

struct ContractDecision {
  enum class Action {
    kAppend,   // append the batch as the producer sent it (no contract, or every record passed)
    kReplace,  // append `kept` instead: the batch without the records sent to the dead-letter topic
    kSkip,     // every record went to the dead-letter topic: nothing to append
    kReject,   // policy reject: the partition's produce fails with INVALID_RECORD
    kFail,     // the check itself failed (`status`: DLQ write error, unreadable batch)
  };
  Action action = Action::kAppend;
  std::string kept;                        // kReplace
  std::vector<RecordViolation> violations;  // kReject (and the diverted ones for kReplace / kSkip)
  Status status = Status::ok();            // kFail
};

class RecordContract {
 public:
  virtual ~RecordContract() = default;
  // Called for each batch of a produce request before it is appended.
  // Records diverted to the dead-letter topic are durable there (with
  // `durability`) before this returns, so a batch that is then appended
  // loses nothing. Thread-safe.
  virtual ContractDecision check_batch(const std::string& topic, int32_t partition, std::string_view batch,
                                       Durability durability) = 0;
};

}  // namespace loch::kafka
