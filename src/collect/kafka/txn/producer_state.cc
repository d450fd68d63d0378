#include "collect/kafka/txn/producer_state.h"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

namespace loch::kafka::txn {
namespace {

bool in_sequence(int32_t last, int32_t next) {
  return next == (last == std::numeric_limits<int32_t>::max() ? 0 : last + 1);
}

}  // namespace

int32_t last_sequence_of(int32_t first, int32_t last_offset_delta) {
  int64_t last = int64_t{first} + last_offset_delta;
  if (last > std::numeric_limits<int32_t>::max()) last -= int64_t{std::numeric_limits<int32_t>::max()} + 1;
  return static_cast<int32_t>(last);
}

AppendCheck ProducerStateTable::check(const RecordBatchHeader& batch) const {
  AppendCheck out;
  if (batch.producer_id < 0) return out;  // neither idempotent nor transactional
  auto it = producers_.find(batch.producer_id);
  if (it == producers_.end()) return out;  // unknown here (new, or its batches are gone): any sequence
  const ProducerEntry& entry = it->second;
  if (batch.producer_epoch < entry.epoch) {
    out.verdict = AppendVerdict::kInvalidProducerEpoch;
    out.message = fmt::format("producer {} epoch {} is older than the current epoch {}", batch.producer_id,
                              batch.producer_epoch, entry.epoch);
    return out;
  }
  const int32_t first = batch.base_sequence;
  if (batch.producer_epoch > entry.epoch) {
    // A new epoch starts its sequences at 0.
    if (first != 0 && entry.epoch != -1) {
      out.verdict = AppendVerdict::kOutOfOrderSequence;
      out.message = fmt::format("producer {} starts epoch {} at sequence {}, expected 0", batch.producer_id,
                                batch.producer_epoch, first);
    }
    return out;
  }
  const int32_t last = last_sequence_of(first, batch.last_offset_delta);
  for (const BatchMetadata& seen : entry.batches) {
    if (seen.first_sequence == first && seen.last_sequence == last) {
      out.verdict = AppendVerdict::kDuplicate;
      out.duplicate_of = seen;
      return out;
    }
  }
  if (!in_sequence(entry.last_sequence(), first)) {
    out.verdict = AppendVerdict::kOutOfOrderSequence;
    out.message = fmt::format("producer {} epoch {} sent sequence {} after {}", batch.producer_id,
                              batch.producer_epoch, first, entry.last_sequence());
  }
  return out;
}

void ProducerStateTable::on_append(const RecordBatchHeader& batch, std::optional<ControlType> marker) {
  if (batch.producer_id < 0) return;
  ProducerEntry& entry = producers_[batch.producer_id];
  if (batch.producer_epoch != entry.epoch) {
    // A new epoch (or a bump by the coordinator's marker) restarts sequences.
    entry.epoch = batch.producer_epoch;
    entry.batches.clear();
  }
  entry.last_timestamp = std::max(entry.last_timestamp, batch.max_timestamp);
  if (batch.is_control()) {
    if (entry.ongoing_txn_first_offset && marker == ControlType::kAbort) {
      aborted_.push_back(AbortedTxn{batch.producer_id, *entry.ongoing_txn_first_offset, batch.last_offset()});
    }
    entry.ongoing_txn_first_offset.reset();
    return;
  }
  if (batch.base_sequence >= 0) {
    entry.batches.push_back(BatchMetadata{batch.base_sequence,
                                          last_sequence_of(batch.base_sequence, batch.last_offset_delta),
                                          batch.base_offset, batch.last_offset()});
    if (entry.batches.size() > kRetainedBatches) entry.batches.pop_front();
  }
  if (batch.is_transactional() && !entry.ongoing_txn_first_offset) entry.ongoing_txn_first_offset = batch.base_offset;
}

std::optional<int64_t> ProducerStateTable::first_unstable_offset() const {
  std::optional<int64_t> first;
  for (const auto& [id, entry] : producers_) {
    if (entry.ongoing_txn_first_offset && (!first || *entry.ongoing_txn_first_offset < *first)) {
      first = entry.ongoing_txn_first_offset;
    }
  }
  return first;
}

std::vector<AbortedTxn> ProducerStateTable::aborted_overlapping(int64_t from, int64_t to_exclusive) const {
  std::vector<AbortedTxn> out;
  for (const AbortedTxn& txn : aborted_) {
    if (txn.last_offset >= from && txn.first_offset < to_exclusive) out.push_back(txn);
  }
  std::sort(out.begin(), out.end(), [](const AbortedTxn& a, const AbortedTxn& b) { return a.first_offset < b.first_offset; });
  return out;
}

size_t ProducerStateTable::expire_producers(int64_t now_ms, int64_t expiration_ms) {
  return std::erase_if(producers_, [&](const auto& entry) {
    const ProducerEntry& producer = entry.second;
    return !producer.ongoing_txn_first_offset && now_ms - producer.last_timestamp >= expiration_ms;
  });
}

void ProducerStateTable::forget_below(int64_t log_start_offset) {
  std::erase_if(aborted_, [&](const AbortedTxn& txn) { return txn.last_offset < log_start_offset; });
}

}  // namespace loch::kafka::txn
