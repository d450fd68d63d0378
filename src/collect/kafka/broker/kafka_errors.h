// Kafka's numeric error codes that the broker answers (the protocol guide's
// "Error Codes" table); the values are the wire values.
#pragma once

#include <cstdint>

#include "common/status.h"

namespace loch::kafka {

enum class KafkaError : int16_t {
  kNone = 0,
  kUnknownServerError = -1,
  kOffsetOutOfRange = 1,
  kCorruptMessage = 2,
  kUnknownTopicOrPartition = 3,
  kInvalidFetchSize = 4,
  kLeaderNotAvailable = 5,
  kNotLeaderOrFollower = 6,
  kRequestTimedOut = 7,
  kMessageTooLarge = 10,
  kCoordinatorNotAvailable = 15,
  kInvalidTopicException = 17,
  kRecordListTooLarge = 18,
  kNotEnoughReplicas = 19,
  kInvalidRequiredAcks = 21,
  kInvalidTimestamp = 32,
  kUnsupportedVersion = 35,
  kTopicAlreadyExists = 36,
  kInvalidPartitions = 37,
  kInvalidReplicationFactor = 38,
  kInvalidReplicaAssignment = 39,
  kInvalidConfig = 40,
  kInvalidRequest = 42,
  kUnsupportedForMessageFormat = 43,
  kPolicyViolation = 44,
  kKafkaStorageError = 56,
  // Idempotent producers and transactions.
  kCoordinatorLoadInProgress = 14,
  kNotCoordinator = 16,
  kOutOfOrderSequenceNumber = 45,
  kDuplicateSequenceNumber = 46,
  kInvalidProducerEpoch = 47,
  kInvalidTxnState = 48,
  kInvalidProducerIdMapping = 49,
  kInvalidTransactionTimeout = 50,
  kConcurrentTransactions = 51,
  kUnknownProducerId = 59,
  kProducerFenced = 90,
  kTransactionalIdNotFound = 105,
  kUnknownTopicId = 100,
  kInvalidRecord = 87,
};

constexpr int16_t wire(KafkaError error) { return static_cast<int16_t>(error); }

// The error a produce answers for a failed append (see PartitionLog::append).
KafkaError produce_error_for(const Status& status);

}  // namespace loch::kafka
