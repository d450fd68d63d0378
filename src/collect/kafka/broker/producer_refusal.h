// The Produce error for a batch the producer-state checks refused
// (txn::ProducerStates::append), as Kafka 3.x answers it.
#pragma once

#include <optional>

#include "collect/kafka/broker/kafka_errors.h"
#include "collect/kafka/txn/producer_state.h"

namespace loch::kafka {

// nullopt for a batch that was appended or is a duplicate (answered with
// its original offsets and no error, as Kafka does since 2.x).
inline std::optional<KafkaError> producer_refusal(txn::AppendVerdict verdict) {
  switch (verdict) {
    case txn::AppendVerdict::kAppend:
    case txn::AppendVerdict::kDuplicate: return std::nullopt;
    case txn::AppendVerdict::kOutOfOrderSequence: return KafkaError::kOutOfOrderSequenceNumber;
    case txn::AppendVerdict::kInvalidProducerEpoch: return KafkaError::kInvalidProducerEpoch;
  }
  return KafkaError::kUnknownServerError;
}

}  // namespace loch::kafka
