// The produce path's call into the topic's data contract (record_contract.h):
// one call per batch, before the batch is appended.
#pragma once

#include <string>
#include <string_view>

#include "collect/kafka/broker/broker.h"
#include "collect/kafka/protocol/messages/produce_response.h"

namespace loch::kafka {

enum class ContractStep {
  kAppend,   // append `batch` (possibly rebuilt: it then points into `decision.kept`)
  kSkip,     // nothing to append: every record of a plain producer's batch is for the dead-letter topic
  kRefused,  // `out` holds the error (INVALID_RECORD with record_errors, or the failure); stop this partition
};

// `decision` receives the contract's answer: for kAppend and kSkip its
// write_dead_letters (if set) must run once before the batch is appended
// (or instead, for kSkip), and keeps_offset_range says how to append;
// dead_letters_written then says what an acks=all answer must wait for.
ContractStep apply_record_contract(Broker& broker, const std::string& topic, int32_t partition, std::string_view& batch,
                                   ContractDecision& decision,
                                   ProduceResponse::PartitionProduceResponse& out);

}  // namespace loch::kafka
