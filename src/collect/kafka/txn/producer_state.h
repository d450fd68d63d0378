// ProducerStateTable: what one partition knows about the idempotent and
// transactional producers that wrote to it (Kafka's ProducerStateManager),
// so that the broker can
// - de-duplicate a retried batch: the last kRetainedBatches batches of each
//   producer are remembered, and a batch with the same epoch and sequence
//   range is answered with the offsets it got the first time;
// - refuse a batch whose sequence does not follow the producer's last one
//   (OUT_OF_ORDER_SEQUENCE_NUMBER) or whose epoch is older than the newest
//   one seen (INVALID_PRODUCER_EPOCH: a fenced zombie);
// - know the first offset of every open transaction (the last stable offset
//   is the smallest of them) and the transactions that ended in an abort
//   marker (Fetch's aborted_transactions for read_committed consumers).
//
// The table holds nothing the log does not: it is rebuilt by feeding it the
// log's batch headers in offset order (on_append), so it never needs a file
// of its own. Sequence rules follow Kafka 3.x (KIP-360): a producer the
// partition has no state for may start at any sequence.
//
// Threading: none; the broker keeps one per partition behind a mutex.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "collect/kafka/log/record_batch_header.h"

namespace loch::kafka::txn {

// Kafka keeps the metadata of the last five batches per producer
// (max.in.flight.requests.per.connection may be at most 5 with idempotence).
inline constexpr size_t kRetainedBatches = 5;

struct BatchMetadata {
  int32_t first_sequence = -1;
  int32_t last_sequence = -1;
  int64_t first_offset = -1;
  int64_t last_offset = -1;
};

struct ProducerEntry {
  int16_t epoch = -1;
  std::deque<BatchMetadata> batches;                 // newest last, at most kRetainedBatches
  std::optional<int64_t> ongoing_txn_first_offset;   // a transaction with data here, no marker yet
  int64_t last_timestamp = -1;                       // max timestamp of its last batch
  int32_t coordinator_epoch = -1;                    // from its last marker
  int32_t last_sequence() const { return batches.empty() ? -1 : batches.back().last_sequence; }
};

// A transaction that ended with an ABORT marker: its records lie in
// [first_offset, last_offset], last_offset being the marker's.
struct AbortedTxn {
  int64_t producer_id = -1;
  int64_t first_offset = -1;
  int64_t last_offset = -1;
};

enum class ControlType : int16_t { kAbort = 0, kCommit = 1 };

enum class AppendVerdict {
  kAppend,                // a new batch: append it
  kDuplicate,             // already appended: answer with `duplicate_of`
  kOutOfOrderSequence,    // OUT_OF_ORDER_SEQUENCE_NUMBER
  kInvalidProducerEpoch,  // INVALID_PRODUCER_EPOCH
};

struct AppendCheck {
  AppendVerdict verdict = AppendVerdict::kAppend;
  BatchMetadata duplicate_of;
  std::string message;  // why a batch is refused, for the error_message and the log
};

// The last sequence of a batch of `records` records starting at `first`;
// sequences wrap from INT32_MAX to 0 as in Kafka.
int32_t last_sequence_of(int32_t first, int32_t last_offset_delta);

class ProducerStateTable {
 public:
  // What to do with a batch a producer sent (not a control batch).
  AppendCheck check(const RecordBatchHeader& batch) const;

  // Records a batch now in the log (`batch.base_offset` is the assigned
  // one). Control batches need `marker`; a marker ends the producer's open
  // transaction here and adopts its epoch (the coordinator's bump on abort).
  void on_append(const RecordBatchHeader& batch, std::optional<ControlType> marker = std::nullopt);

  // The first offset of the oldest open transaction, if any: the last
  // stable offset is this, or the high watermark when there is none.
  std::optional<int64_t> first_unstable_offset() const;

  // Aborted transactions whose range overlaps [from, to_exclusive), ordered
  // by first offset (what Fetch v4+ answers for read_committed).
  std::vector<AbortedTxn> aborted_overlapping(int64_t from, int64_t to_exclusive) const;

  // Drops aborted transactions wholly below the log start offset (retention
  // and DeleteRecords removed their records).
  void forget_below(int64_t log_start_offset);

  // Kafka's producer.id.expiration.ms: drops the state of every producer
  // whose last batch here has a max timestamp at least `expiration_ms`
  // before `now_ms` and that has no open transaction here. If it writes
  // again it is a producer the partition has no state for (any sequence is
  // accepted, as above), and a retry of a batch older than its last five
  // could no longer be recognised: which is why the default is a day.
  // Returns how many producers were dropped.
  size_t expire_producers(int64_t now_ms, int64_t expiration_ms);

  const std::map<int64_t, ProducerEntry>& producers() const { return producers_; }

 private:
  std::map<int64_t, ProducerEntry> producers_;  // by producer id
  std::vector<AbortedTxn> aborted_;              // by marker offset, ascending
};

}  // namespace loch::kafka::txn
