// Kafka's numeric error codes, as far as the group coordinator answers them.
//
// The values are the wire values of Kafka's `Errors` enum (the protocol guide's
// "Error Codes" table), so the broker copies them into responses unchanged.
#pragma once

#include <cstdint>
#include <string_view>

namespace loch::kafka::groups {

enum class ErrorCode : int16_t {
  kNone = 0,
  kUnknownServerError = -1,
  kUnknownTopicOrPartition = 3,
  kOffsetMetadataTooLarge = 12,
  kCoordinatorLoadInProgress = 14,
  kCoordinatorNotAvailable = 15,
  kNotCoordinator = 16,
  kIllegalGeneration = 22,
  kInconsistentGroupProtocol = 23,
  kInvalidGroupId = 24,
  kUnknownMemberId = 25,
  kInvalidSessionTimeout = 26,
  kRebalanceInProgress = 27,
  kInvalidCommitOffsetSize = 28,
  kGroupAuthorizationFailed = 30,
  kInvalidRequest = 42,
  kNonEmptyGroup = 68,
  kGroupIdNotFound = 69,
  kMemberIdRequired = 79,
  kGroupMaxSizeReached = 81,
  kFencedInstanceId = 82,
  kGroupSubscribedToTopic = 86,
  kUnstableOffsetCommit = 88,
};

// The wire value, for the broker's response structs.
constexpr int16_t wire_code(ErrorCode code) { return static_cast<int16_t>(code); }

// Kafka's name for the code ("UNKNOWN_MEMBER_ID"), for logs and test messages.
std::string_view error_name(ErrorCode code);

}  // namespace loch::kafka::groups
