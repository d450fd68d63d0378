// The produce path's call into the topic's data contract (record_contract.h):
// one call per batch, before the batch is appended.
#pragma once

#include <string>
#include <string_view>

#include "collect/kafka/broker/broker.h"
#include "collect/kafka/protocol/messages/produce_response.h"

namespace loch::kafka {

enum class ContractStep {
  kAppend,   // append `batch` (possibly rewritten: it then points into `kept`)
  kSkip,     // nothing left to append: every record went to the dead-letter topic
  kRefused,  // `out` holds the error (INVALID_RECORD with record_errors, or the failure); stop this partition
};

ContractStep apply_record_contract(Broker& broker, const std::string& topic, int32_t partition, std::string_view& batch,
                                   Durability durability, std::string& kept,
                                   ProduceResponse::PartitionProduceResponse& out);

}  // namespace loch::kafka
