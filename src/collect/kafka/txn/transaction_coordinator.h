// TransactionCoordinator: Kafka's transaction coordinator for the single
// node (KIP-98), as logic over injected effects: the transaction log
// (TransactionStateStore, __transaction_state), the marker writer, the
// producer id source and the group coordinator's offset commit.
//
// State machine per transactional.id (TxnState): Empty/Complete* --AddPartitions
// or AddOffsets--> Ongoing --EndTxn--> PrepareCommit|PrepareAbort --markers
// written--> CompleteCommit|CompleteAbort. Every transition is written to
// the transaction log before it is answered. Unlike Kafka, EndTxn returns
// only after the markers are on disk (Kafka answers after PrepareX and
// writes markers in the background, making the next AddPartitions wait
// with CONCURRENT_TRANSACTIONS): a client sees the same outcomes, a little
// later. What EndTxn waits for is two fsyncs: PrepareX (the decision), then
// the markers of every partition (appended first, then fsynced in
// parallel). CompleteX is appended without waiting: the next record of the
// log (or tick()) makes it durable, and if a crash loses it the PrepareX
// before it makes load() write the markers again, which changes nothing.
//
// Fencing: InitProducerId for a known transactional.id bumps the epoch;
// an Ongoing transaction of the old epoch is aborted first, its markers
// carrying the new epoch, so the old producer's batches and requests are
// refused (PRODUCER_FENCED / INVALID_PRODUCER_EPOCH). A transaction open
// longer than its transaction.timeout.ms is aborted the same way by tick().
//
// Recovery (load): the log is replayed, PrepareCommit/PrepareAbort
// transactions are completed (markers written again: a marker is
// idempotent for consumers, a second one after the first is ignored);
// Ongoing ones keep their start time and are aborted by tick() once
// timed out.
//
// Threading: every public method may be called from any thread; one mutex
// serialises them (markers and log appends happen under it).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "collect/kafka/txn/producer_id_allocator.h"
#include "collect/kafka/txn/producer_state.h"
#include "collect/kafka/txn/transaction_metadata.h"
#include "common/result.h"

namespace loch::kafka::txn {

// Kafka's error codes the coordinator answers (their wire values).
enum class TxnError : int16_t {
  kNone = 0,
  kUnknownTopicOrPartition = 3,
  kCoordinatorLoadInProgress = 14,
  kCoordinatorNotAvailable = 15,
  kInvalidProducerEpoch = 47,
  kInvalidTxnState = 48,
  kInvalidProducerIdMapping = 49,
  kInvalidTransactionTimeout = 50,
  kConcurrentTransactions = 51,
  kOperationNotAttempted = 55,
  kKafkaStorageError = 56,
  kProducerFenced = 90,
};

// When an appended transaction record must be on disk.
enum class TxnRecordDurability {
  kBeforeReturn,  // durable when append returns: the coordinator answers on it
  kLater,         // durable with the next kBeforeReturn record or sync() (one log, in order)
};

// The transaction log: __transaction_state in the broker, a vector in tests.
class TransactionStateStore {
 public:
  virtual ~TransactionStateStore() = default;
  virtual Status append(const TxnMetadata& txn, TxnRecordDurability durability) = 0;
  // Makes every record appended so far durable.
  virtual Status sync() = 0;
  // A tombstone for an expired transactional id (durable as kLater).
  virtual Status append_tombstone(const std::string& transactional_id) = 0;
  // Every record in log order: `visit` for a state, `forget` for a tombstone.
  virtual Status replay(const std::function<void(TxnMetadata)>& visit,
                        const std::function<void(const std::string&)>& forget) = 0;
};

struct TransactionEffects {
  // Appends a COMMIT/ABORT marker to a partition, without waiting for the disk.
  std::function<Status(const TopicPartition&, int64_t producer_id, int16_t producer_epoch, ControlType)> append_marker;
  // Makes what was appended to these partitions durable (one fsync each, in parallel).
  std::function<Status(const std::vector<TopicPartition>&)> sync_partitions;
  // Commits a transaction's offsets of one group to __consumer_offsets.
  std::function<Status(const std::string& group, const std::map<TopicPartition, PendingOffset>&)> commit_offsets;
  std::function<bool(const TopicPartition&)> partition_exists;
};

struct InitProducerIdResult {
  TxnError error = TxnError::kNone;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
};

class TransactionCoordinator {
 public:
  using Clock = std::function<int64_t()>;
  struct Options {
    int32_t max_timeout_ms = 900000;  // transaction.max.timeout.ms
    // transactional.id.expiration.ms: an id with no transaction open and no
    // request for this long is forgotten (a tombstone in the log); its next
    // InitProducerId starts afresh with a new producer id.
    int64_t transactional_id_expiration_ms = 604800000;
  };

  TransactionCoordinator(Options options, TransactionStateStore& store, ProducerIdAllocator& ids,
                         TransactionEffects effects, Clock clock);

  // Replays the log and completes prepared transactions. Until it succeeds
  // every request answers COORDINATOR_LOAD_IN_PROGRESS.
  Status load();

  // `producer_id`/`producer_epoch` are -1 unless the client re-initialises
  // (InitProducerId v3+, KIP-360).
  InitProducerIdResult init_producer_id(const std::string& transactional_id, int32_t timeout_ms,
                                        int64_t producer_id, int16_t producer_epoch);
  // Per-partition errors; all-or-nothing as Kafka: when one partition is
  // refused, the others answer OPERATION_NOT_ATTEMPTED.
  std::map<TopicPartition, TxnError> add_partitions(const std::string& transactional_id, int64_t producer_id,
                                                    int16_t producer_epoch, const std::vector<TopicPartition>& partitions);
  TxnError add_offsets(const std::string& transactional_id, int64_t producer_id, int16_t producer_epoch,
                       const std::string& group);
  TxnError txn_offset_commit(const std::string& transactional_id, int64_t producer_id, int16_t producer_epoch,
                             const std::string& group, const std::map<TopicPartition, PendingOffset>& offsets);
  TxnError end_txn(const std::string& transactional_id, int64_t producer_id, int16_t producer_epoch, bool commit);

  // Aborts transactions open longer than their timeout, expires idle
  // transactional ids, and makes records appended without waiting since
  // the last tick durable.
  void tick();

  std::vector<TxnMetadata> list() const;
  std::optional<TxnMetadata> describe(const std::string& transactional_id) const;

 private:
  TxnError check_producer(const TxnMetadata* txn, int64_t producer_id, int16_t producer_epoch) const;
  Status persist(TxnMetadata& txn, TxnState state,
                 TxnRecordDurability durability = TxnRecordDurability::kBeforeReturn);
  // Writes the markers (and commits offsets), then records CompleteX.
  TxnError complete(TxnMetadata& txn);
  TxnError begin_if_needed(TxnMetadata& txn);
  TxnError abort_with_bumped_epoch(TxnMetadata& txn);

  const Options options_;
  TransactionStateStore& store_;
  ProducerIdAllocator& ids_;
  const TransactionEffects effects_;
  const Clock clock_;

  mutable std::mutex mutex_;
  bool loaded_ = false;                        // guarded by mutex_
  bool unsynced_records_ = false;              // guarded by mutex_: a kLater record not yet known durable
  std::map<std::string, TxnMetadata> txns_;    // guarded by mutex_
};

}  // namespace loch::kafka::txn
