#include "collect/kafka/broker/kafka_errors.h"

namespace loch::kafka {

KafkaError produce_error_for(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk: return KafkaError::kNone;
    case StatusCode::kCorruption: return KafkaError::kCorruptMessage;
    case StatusCode::kNotSupported: return KafkaError::kUnsupportedForMessageFormat;
    case StatusCode::kInvalidArgument: return KafkaError::kMessageTooLarge;
    case StatusCode::kIOError: return KafkaError::kKafkaStorageError;
    case StatusCode::kAborted: return KafkaError::kNotLeaderOrFollower;  // topic deleted under us: retriable
    default: return KafkaError::kUnknownServerError;
  }
}

}  // namespace loch::kafka
