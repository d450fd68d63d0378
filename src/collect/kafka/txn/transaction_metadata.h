// The transaction coordinator's record of one transactional.id, and its byte
// form in __transaction_state (doc/kafka-transactions.md,
// "__transaction_state records"): one record per change, keyed by the
// transactional id, so compaction keeps the latest state of each.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "common/result.h"

namespace loch::kafka::txn {

// Kafka's TransactionState values, as stored.
enum class TxnState : int8_t {
  kEmpty = 0,
  kOngoing = 1,
  kPrepareCommit = 2,
  kPrepareAbort = 3,
  kCompleteCommit = 4,
  kCompleteAbort = 5,
};
std::string_view txn_state_name(TxnState state);  // Kafka's names: "Ongoing", "PrepareCommit", ...

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  auto operator<=>(const TopicPartition&) const = default;
};

struct PendingOffset {
  int64_t offset = 0;
  int32_t leader_epoch = -1;
  std::optional<std::string> metadata;
  bool operator==(const PendingOffset&) const = default;
};

struct TxnMetadata {
  std::string transactional_id;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t timeout_ms = 60000;
  TxnState state = TxnState::kEmpty;
  std::set<TopicPartition> partitions;  // written to in the current transaction
  // Offsets sent with TxnOffsetCommit, by group: committed to
  // __consumer_offsets only when the transaction commits.
  std::map<std::string, std::map<TopicPartition, PendingOffset>> pending_offsets;
  int64_t start_ms = -1;  // when the current transaction began (its first AddPartitions/AddOffsets)
  int64_t last_update_ms = -1;
  bool operator==(const TxnMetadata&) const = default;
};

std::string encode_txn_key(std::string_view transactional_id);
Result<std::string> decode_txn_key(std::string_view key);
std::string encode_txn_value(const TxnMetadata& txn);
// `transactional_id` comes from the key.
Result<TxnMetadata> decode_txn_value(std::string_view transactional_id, std::string_view value);

}  // namespace loch::kafka::txn
