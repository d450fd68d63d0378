#include "collect/kafka/txn/transaction_coordinator.h"

#include <limits>

#include <spdlog/spdlog.h>

namespace loch::kafka::txn {
namespace {

bool is_prepare(TxnState state) { return state == TxnState::kPrepareCommit || state == TxnState::kPrepareAbort; }

}  // namespace

TransactionCoordinator::TransactionCoordinator(Options options, TransactionStateStore& store, ProducerIdAllocator& ids,
                                               TransactionEffects effects, Clock clock)
    : options_(options), store_(store), ids_(ids), effects_(std::move(effects)), clock_(std::move(clock)) {}

Status TransactionCoordinator::load() {
  std::lock_guard lock(mutex_);
  std::map<std::string, TxnMetadata> replayed;
  LOCH_RETURN_IF_ERROR(store_.replay([&](TxnMetadata txn) { replayed[txn.transactional_id] = std::move(txn); },
                                     [&](const std::string& expired) { replayed.erase(expired); }));
  txns_ = std::move(replayed);
  int completed = 0;
  for (auto& [id, txn] : txns_) {
    if (!is_prepare(txn.state)) continue;
    // Decided before the crash: the markers (or some of them) may be
    // missing; write them all and record the outcome.
    if (TxnError error = complete(txn); error != TxnError::kNone) {
      return Status::io_error("cannot complete transaction '" + id + "' found " +
                              std::string(txn_state_name(txn.state)) + " in __transaction_state");
    }
    ++completed;
  }
  if (!txns_.empty()) {
    spdlog::info("kafka: {} transactional id(s) loaded from __transaction_state, {} prepared transaction(s) completed",
                 txns_.size(), completed);
  }
  loaded_ = true;
  return Status::ok();
}

Status TransactionCoordinator::persist(TxnMetadata& txn, TxnState state, TxnRecordDurability durability) {
  TxnMetadata updated = txn;
  updated.state = state;
  updated.last_update_ms = clock_();
  LOCH_RETURN_IF_ERROR(store_.append(updated, durability));
  // A durable record carries every record appended before it.
  unsynced_records_ = durability == TxnRecordDurability::kLater;
  txn = std::move(updated);
  return Status::ok();
}

TxnError TransactionCoordinator::check_producer(const TxnMetadata* txn, int64_t producer_id,
                                                int16_t producer_epoch) const {
  if (!loaded_) return TxnError::kCoordinatorLoadInProgress;
  if (txn == nullptr || txn->producer_id != producer_id) return TxnError::kInvalidProducerIdMapping;
  if (producer_epoch != txn->producer_epoch) return TxnError::kProducerFenced;
  return TxnError::kNone;
}

TxnError TransactionCoordinator::complete(TxnMetadata& txn) {
  const bool commit = txn.state == TxnState::kPrepareCommit;
  const ControlType type = commit ? ControlType::kCommit : ControlType::kAbort;
  auto failed = [&](const TopicPartition& tp, const Status& s) {
    spdlog::error("kafka: transaction '{}': cannot write the {} marker to {}-{}: {}", txn.transactional_id,
                  commit ? "COMMIT" : "ABORT", tp.topic, tp.partition, s.message());
    return TxnError::kKafkaStorageError;
  };
  // Every marker is appended first, then all are fsynced together: one
  // fsync's wait for the whole transaction, not one per partition.
  std::vector<TopicPartition> marked;
  for (const TopicPartition& tp : txn.partitions) {
    if (effects_.partition_exists && !effects_.partition_exists(tp)) continue;  // deleted since: nothing to mark
    if (Status s = effects_.append_marker(tp, txn.producer_id, txn.producer_epoch, type); !s.is_ok()) {
      return failed(tp, s);
    }
    marked.push_back(tp);
  }
  // The outcome is recorded (CompleteX), and the offsets committed, only
  // after every marker is on disk.
  if (!marked.empty() && effects_.sync_partitions) {
    if (Status s = effects_.sync_partitions(marked); !s.is_ok()) return failed(marked.front(), s);
  }
  if (commit) {
    for (const auto& [group, offsets] : txn.pending_offsets) {
      if (offsets.empty()) continue;
      if (Status s = effects_.commit_offsets(group, offsets); !s.is_ok()) {
        spdlog::error("kafka: transaction '{}': cannot commit the offsets of group {}: {}", txn.transactional_id, group,
                      s.message());
        return TxnError::kKafkaStorageError;
      }
    }
  }
  TxnMetadata done = txn;
  done.partitions.clear();
  done.pending_offsets.clear();
  done.start_ms = -1;
  // Not waited for: lost in a crash, the PrepareX record before it has
  // load() write the (already durable) markers again, which changes nothing.
  if (Status s = persist(done, commit ? TxnState::kCompleteCommit : TxnState::kCompleteAbort, TxnRecordDurability::kLater);
      !s.is_ok()) {
    spdlog::error("kafka: transaction '{}': cannot record its completion: {}", txn.transactional_id, s.message());
    return TxnError::kKafkaStorageError;
  }
  txn = std::move(done);
  return TxnError::kNone;
}

TxnError TransactionCoordinator::abort_with_bumped_epoch(TxnMetadata& txn) {
  TxnMetadata aborting = txn;
  // The markers carry the new epoch: each partition then refuses the old
  // one, fencing a zombie producer still sending.
  aborting.producer_epoch = static_cast<int16_t>(txn.producer_epoch + 1);
  if (Status s = persist(aborting, TxnState::kPrepareAbort); !s.is_ok()) return TxnError::kKafkaStorageError;
  txn = aborting;
  return complete(txn);
}

InitProducerIdResult TransactionCoordinator::init_producer_id(const std::string& transactional_id, int32_t timeout_ms,
                                                              int64_t producer_id, int16_t producer_epoch) {
  InitProducerIdResult result;
  std::lock_guard lock(mutex_);
  if (!loaded_) {
    result.error = TxnError::kCoordinatorLoadInProgress;
    return result;
  }
  if (timeout_ms <= 0 || timeout_ms > options_.max_timeout_ms) {
    result.error = TxnError::kInvalidTransactionTimeout;
    return result;
  }
  auto it = txns_.find(transactional_id);
  if (it == txns_.end()) {
    auto id = ids_.next();
    if (!id.is_ok()) {
      result.error = TxnError::kKafkaStorageError;
      return result;
    }
    TxnMetadata txn;
    txn.transactional_id = transactional_id;
    txn.producer_id = *id;
    txn.producer_epoch = 0;
    txn.timeout_ms = timeout_ms;
    if (!persist(txn, TxnState::kEmpty).is_ok()) {
      result.error = TxnError::kKafkaStorageError;
      return result;
    }
    it = txns_.emplace(transactional_id, std::move(txn)).first;
  } else {
    TxnMetadata& txn = it->second;
    if (producer_id >= 0 && (producer_id != txn.producer_id || producer_epoch != txn.producer_epoch)) {
      result.error = producer_id != txn.producer_id ? TxnError::kInvalidProducerIdMapping : TxnError::kProducerFenced;
      return result;
    }
    TxnError error = TxnError::kNone;
    if (is_prepare(txn.state)) error = complete(txn);
    else if (txn.state == TxnState::kOngoing) error = abort_with_bumped_epoch(txn);
    if (error != TxnError::kNone) {
      result.error = error;
      return result;
    }
    TxnMetadata bumped = txn;
    if (bumped.producer_epoch >= std::numeric_limits<int16_t>::max() - 1) {
      // Epochs exhausted: a new producer id starts again at 0.
      auto id = ids_.next();
      if (!id.is_ok()) {
        result.error = TxnError::kKafkaStorageError;
        return result;
      }
      bumped.producer_id = *id;
      bumped.producer_epoch = 0;
    } else {
      ++bumped.producer_epoch;
    }
    bumped.timeout_ms = timeout_ms;
    if (!persist(bumped, TxnState::kEmpty).is_ok()) {
      result.error = TxnError::kKafkaStorageError;
      return result;
    }
    txn = std::move(bumped);
  }
  result.producer_id = it->second.producer_id;
  result.producer_epoch = it->second.producer_epoch;
  return result;
}

TxnError TransactionCoordinator::begin_if_needed(TxnMetadata& txn) {
  if (is_prepare(txn.state)) return TxnError::kConcurrentTransactions;
  if (txn.state != TxnState::kOngoing) {
    txn.partitions.clear();
    txn.pending_offsets.clear();
    txn.start_ms = clock_();
  }
  return TxnError::kNone;
}

std::map<TopicPartition, TxnError> TransactionCoordinator::add_partitions(const std::string& transactional_id,
                                                                          int64_t producer_id, int16_t producer_epoch,
                                                                          const std::vector<TopicPartition>& partitions) {
  std::map<TopicPartition, TxnError> result;
  auto answer_all = [&](TxnError error) {
    for (const TopicPartition& tp : partitions) result[tp] = error;
    return result;
  };
  std::lock_guard lock(mutex_);
  auto it = txns_.find(transactional_id);
  TxnMetadata* txn = it == txns_.end() ? nullptr : &it->second;
  if (TxnError error = check_producer(txn, producer_id, producer_epoch); error != TxnError::kNone) return answer_all(error);
  bool refused = false;
  for (const TopicPartition& tp : partitions) {
    bool exists = !effects_.partition_exists || effects_.partition_exists(tp);
    result[tp] = exists ? TxnError::kNone : TxnError::kUnknownTopicOrPartition;
    refused = refused || !exists;
  }
  if (refused) {
    for (auto& [tp, error] : result) {
      if (error == TxnError::kNone) error = TxnError::kOperationNotAttempted;
    }
    return result;
  }
  TxnMetadata updated = *txn;
  if (TxnError error = begin_if_needed(updated); error != TxnError::kNone) return answer_all(error);
  bool changed = txn->state != TxnState::kOngoing;
  for (const TopicPartition& tp : partitions) changed = updated.partitions.insert(tp).second || changed;
  if (changed && !persist(updated, TxnState::kOngoing).is_ok()) return answer_all(TxnError::kKafkaStorageError);
  *txn = std::move(updated);
  return result;
}

TxnError TransactionCoordinator::add_offsets(const std::string& transactional_id, int64_t producer_id,
                                             int16_t producer_epoch, const std::string& group) {
  std::lock_guard lock(mutex_);
  auto it = txns_.find(transactional_id);
  TxnMetadata* txn = it == txns_.end() ? nullptr : &it->second;
  if (TxnError error = check_producer(txn, producer_id, producer_epoch); error != TxnError::kNone) return error;
  TxnMetadata updated = *txn;
  if (TxnError error = begin_if_needed(updated); error != TxnError::kNone) return error;
  updated.pending_offsets[group];  // the group takes part, with no offsets yet
  if (!persist(updated, TxnState::kOngoing).is_ok()) return TxnError::kKafkaStorageError;
  *txn = std::move(updated);
  return TxnError::kNone;
}

TxnError TransactionCoordinator::txn_offset_commit(const std::string& transactional_id, int64_t producer_id,
                                                   int16_t producer_epoch, const std::string& group,
                                                   const std::map<TopicPartition, PendingOffset>& offsets) {
  std::lock_guard lock(mutex_);
  auto it = txns_.find(transactional_id);
  TxnMetadata* txn = it == txns_.end() ? nullptr : &it->second;
  if (TxnError error = check_producer(txn, producer_id, producer_epoch); error != TxnError::kNone) return error;
  // AddOffsetsToTxn comes first: without it the group is not part of the
  // transaction and its offsets would never be committed.
  if (txn->state != TxnState::kOngoing || !txn->pending_offsets.contains(group)) return TxnError::kInvalidTxnState;
  TxnMetadata updated = *txn;
  for (const auto& [tp, offset] : offsets) updated.pending_offsets[group][tp] = offset;
  if (!persist(updated, TxnState::kOngoing).is_ok()) return TxnError::kKafkaStorageError;
  *txn = std::move(updated);
  return TxnError::kNone;
}

TxnError TransactionCoordinator::end_txn(const std::string& transactional_id, int64_t producer_id,
                                         int16_t producer_epoch, bool commit) {
  std::lock_guard lock(mutex_);
  auto it = txns_.find(transactional_id);
  TxnMetadata* txn = it == txns_.end() ? nullptr : &it->second;
  if (TxnError error = check_producer(txn, producer_id, producer_epoch); error != TxnError::kNone) return error;
  switch (txn->state) {
    case TxnState::kOngoing: {
      if (!persist(*txn, commit ? TxnState::kPrepareCommit : TxnState::kPrepareAbort).is_ok()) {
        return TxnError::kKafkaStorageError;
      }
      return complete(*txn);
    }
    case TxnState::kPrepareCommit:
    case TxnState::kPrepareAbort:
      // A completion that failed half way: the same decision retries it.
      if (commit != (txn->state == TxnState::kPrepareCommit)) return TxnError::kInvalidTxnState;
      return complete(*txn);
    case TxnState::kCompleteCommit: return commit ? TxnError::kNone : TxnError::kInvalidTxnState;  // a retried EndTxn
    case TxnState::kCompleteAbort: return commit ? TxnError::kInvalidTxnState : TxnError::kNone;
    case TxnState::kEmpty: return TxnError::kInvalidTxnState;
  }
  return TxnError::kInvalidTxnState;
}

void TransactionCoordinator::tick() {
  std::lock_guard lock(mutex_);
  if (!loaded_) return;
  if (unsynced_records_) {
    // A completion record waits at most one tick for the disk, so that a
    // crash soon after cannot replay a long-finished transaction's offsets.
    if (Status s = store_.sync(); s.is_ok()) unsynced_records_ = false;
    else spdlog::error("kafka: cannot fsync __transaction_state: {}; tried again at the next tick", s.message());
  }
  const int64_t now = clock_();
  for (auto& [id, txn] : txns_) {
    if (txn.state != TxnState::kOngoing || txn.start_ms < 0 || now - txn.start_ms <= txn.timeout_ms) continue;
    spdlog::info("kafka: transaction '{}' (producer {} epoch {}) open for {} ms, over its timeout of {} ms: aborting",
                 id, txn.producer_id, txn.producer_epoch, now - txn.start_ms, txn.timeout_ms);
    if (TxnError error = abort_with_bumped_epoch(txn); error != TxnError::kNone) {
      spdlog::error("kafka: transaction '{}': the timeout abort failed; tried again at the next tick", id);
    }
  }
  for (auto it = txns_.begin(); it != txns_.end();) {
    const TxnMetadata& txn = it->second;
    const bool idle = txn.state == TxnState::kEmpty || txn.state == TxnState::kCompleteCommit ||
                      txn.state == TxnState::kCompleteAbort;
    if (!idle || now - txn.last_update_ms < options_.transactional_id_expiration_ms) {
      ++it;
      continue;
    }
    // Not waited for: lost in a crash, the id comes back and expires again.
    if (Status s = store_.append_tombstone(it->first); !s.is_ok()) {
      spdlog::error("kafka: transactional id '{}' could not expire: {}", it->first, s.message());
      ++it;
      continue;
    }
    spdlog::info("kafka: transactional id '{}' (producer {}) idle for {} ms: expired (transactional.id.expiration.ms)",
                 it->first, txn.producer_id, now - txn.last_update_ms);
    unsynced_records_ = true;
    it = txns_.erase(it);
  }
}

std::vector<TxnMetadata> TransactionCoordinator::list() const {
  std::lock_guard lock(mutex_);
  std::vector<TxnMetadata> out;
  for (const auto& [id, txn] : txns_) out.push_back(txn);
  return out;
}

std::optional<TxnMetadata> TransactionCoordinator::describe(const std::string& transactional_id) const {
  std::lock_guard lock(mutex_);
  auto it = txns_.find(transactional_id);
  if (it == txns_.end()) return std::nullopt;
  return it->second;
}

}  // namespace loch::kafka::txn
