#include "collect/kafka/txn/producer_states.h"

#include <spdlog/spdlog.h>

#include "collect/kafka/log/record.h"

namespace loch::kafka::txn {
namespace {

// Builds `table` from every batch of `log`. A marker whose record cannot be
// read counts as an abort: the conservative reading for read_committed.
void rebuild(ProducerStateTable& table, PartitionLog& log) {
  table = ProducerStateTable();
  Status status = log.visit_batch_headers(log.log_start_offset(), [&](const RecordBatchHeader& header) {
    if (header.producer_id < 0) return true;
    std::optional<ControlType> marker;
    if (header.is_control()) {
      marker = ControlType::kAbort;
      auto read = log.read(Offset(header.base_offset), header.total_size());
      if (read.is_ok()) {
        auto type = read_marker_type(read->bytes);
        if (type.is_ok()) marker = *type;
        else spdlog::warn("kafka: {} marker at offset {}: {}", log.dir(), header.base_offset, type.status().message());
      }
    }
    table.on_append(header, marker);
    return true;
  });
  if (!status.is_ok()) spdlog::error("kafka: rebuilding producer state of {}: {}", log.dir(), status.message());
}

}  // namespace

std::string encode_marker_batch(int64_t producer_id, int16_t producer_epoch, int32_t coordinator_epoch,
                                ControlType type, int64_t timestamp_ms) {
  RecordBatchHeader header;
  header.magic = RecordBatchHeader::kMagicV2;
  header.attributes = RecordBatchHeader::kTransactionalFlag | RecordBatchHeader::kControlFlag;
  header.last_offset_delta = 0;
  header.base_timestamp = timestamp_ms;
  header.max_timestamp = timestamp_ms;
  header.producer_id = producer_id;
  header.producer_epoch = producer_epoch;
  header.base_sequence = -1;
  header.partition_leader_epoch = 0;
  std::string key(4, '\0');
  put_be16(key.data(), 0);  // version
  put_be16(key.data() + 2, static_cast<uint16_t>(type));
  std::string value(6, '\0');
  put_be16(value.data(), 0);  // version
  put_be32(value.data() + 2, static_cast<uint32_t>(coordinator_epoch));
  Record record;
  record.key = std::move(key);
  record.value = std::move(value);
  return encode_record_batch(header, {record});
}

Result<ControlType> read_marker_type(std::string_view batch) {
  auto header = RecordBatchHeader::parse(batch);
  if (!header.is_ok()) return header.status();
  if (batch.size() > header->total_size()) batch = batch.substr(0, header->total_size());
  auto records = decode_records(batch);
  if (!records.is_ok()) return records.status();
  if (records->empty() || !records->front().key || records->front().key->size() < 4) {
    return Status::corruption("control batch without a 4-byte control record key");
  }
  int16_t type = static_cast<int16_t>(get_be16(records->front().key->data() + 2));
  if (type != 0 && type != 1) return Status::corruption("control record type " + std::to_string(type));
  return static_cast<ControlType>(type);
}

std::pair<std::shared_ptr<ProducerStates::Slot>, std::unique_lock<std::mutex>> ProducerStates::slot_for(
    const std::string& topic, int32_t partition, const std::shared_ptr<PartitionLog>& log) {
  std::shared_ptr<Slot> slot;
  {
    std::lock_guard lock(mutex_);
    auto& entry = slots_[{topic, partition}];
    if (!entry) entry = std::make_shared<Slot>();
    slot = entry;
  }
  std::unique_lock lock(slot->mutex);
  // Same address but a dead weak pointer: a new log allocated where a
  // deleted one was.
  if (slot->log != log.get() || slot->log_alive.expired()) {
    rebuild(slot->table, *log);
    slot->log = log.get();
    slot->log_alive = log;
  }
  return {std::move(slot), std::move(lock)};
}

ProducedAppend ProducerStates::append(const std::string& topic, int32_t partition,
                                      const std::shared_ptr<PartitionLog>& log, std::string_view batch,
                                      Durability durability, const BatchRewrite& rewrite) {
  ProducedAppend out;
  auto header = RecordBatchHeader::parse(batch);
  if (!header.is_ok() || header->producer_id < 0) {
    // Plain producers have no state: the log's own checks are all there is
    // (and a retry is a new batch, as it is for Kafka).
    if (rewrite.before_append) {
      if (Status s = rewrite.before_append(); !s.is_ok()) {
        out.status = s;
        return out;
      }
    }
    auto appended = log->append(batch, durability, rewrite.gaps);
    if (appended.is_ok()) out.result = *appended;
    else out.status = appended.status();
    return out;
  }
  if (header->is_control()) {
    // CORRUPT_MESSAGE: only the coordinator writes markers.
    out.status = Status::corruption("a producer may not write control batches");
    return out;
  }
  {
    auto [slot, lock] = slot_for(topic, partition, log);
    AppendCheck check = slot->table.check(*header);
    out.verdict = check.verdict;
    out.message = std::move(check.message);
    if (check.verdict == AppendVerdict::kDuplicate) {
      out.result.base_offset = Offset(check.duplicate_of.first_offset);
      out.result.last_offset = Offset(check.duplicate_of.last_offset);
      out.result.log_start_offset = log->log_start_offset();
      spdlog::info("kafka: duplicate batch from producer {} epoch {} sequence {} to {}-{}: answered with offsets {}..{}",
                   header->producer_id, header->producer_epoch, header->base_sequence, topic, partition,
                   check.duplicate_of.first_offset, check.duplicate_of.last_offset);
    } else if (check.verdict == AppendVerdict::kAppend) {
      // Dead letters first: once the batch is in the log a retry is a
      // duplicate and would never write them again. (A crash between the
      // two makes the retry write them twice: at least once, never lost.)
      if (rewrite.before_append) {
        if (Status s = rewrite.before_append(); !s.is_ok()) {
          out.status = s;
          return out;
        }
      }
      // Appended without waiting so that the lock is not held over the
      // fsync; acks=all waits for it below.
      auto appended = log->append(batch, Durability::kNoWait, rewrite.gaps);
      if (!appended.is_ok()) {
        out.status = appended.status();
        return out;
      }
      out.result = *appended;
      header->base_offset = appended->base_offset.value();
      slot->table.on_append(*header);
    } else {
      return out;
    }
  }
  if (durability == Durability::kSyncBeforeReturn && log->flush_policy() == FlushPolicy::kEveryBatch) {
    // acks=all: the answer (also to a retry whose original is still being
    // written) waits until the batch is on disk; under flush.policy=interval
    // it waits for nothing, as a plain producer's does. (The broker passes
    // kNoWait and waits through its LogSyncer instead, without blocking.)
    if (Status s = log->flush_through(out.result.last_offset.value() + 1); !s.is_ok()) out.status = s;
  }
  return out;
}

Result<AppendResult> ProducerStates::append_marker(const std::string& topic, int32_t partition,
                                                   const std::shared_ptr<PartitionLog>& log, int64_t producer_id,
                                                   int16_t producer_epoch, int32_t coordinator_epoch,
                                                   ControlType type) {
  std::string batch = encode_marker_batch(producer_id, producer_epoch, coordinator_epoch, type, system_clock_ms());
  AppendResult result;
  {
    auto [slot, lock] = slot_for(topic, partition, log);
    auto appended = log->append(batch, Durability::kNoWait);
    if (!appended.is_ok()) return appended.status();
    result = *appended;
    auto header = RecordBatchHeader::parse(batch);
    if (!header.is_ok()) return header.status();
    header->base_offset = appended->base_offset.value();
    slot->table.on_append(*header, type);
  }
  return result;
}

size_t ProducerStates::expire_producers(int64_t now_ms, int64_t expiration_ms) {
  std::vector<std::shared_ptr<Slot>> slots;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [partition, slot] : slots_) slots.push_back(slot);
  }
  size_t dropped = 0;
  for (const auto& slot : slots) {
    std::lock_guard lock(slot->mutex);
    dropped += slot->table.expire_producers(now_ms, expiration_ms);
  }
  return dropped;
}

StableView ProducerStates::stable_view(const std::string& topic, int32_t partition,
                                       const std::shared_ptr<PartitionLog>& log, int64_t from) {
  StableView view;
  auto [slot, lock] = slot_for(topic, partition, log);
  int64_t high_watermark = log->high_watermark().value();
  auto first_unstable = slot->table.first_unstable_offset();
  view.last_stable_offset = first_unstable ? std::min(*first_unstable, high_watermark) : high_watermark;
  slot->table.forget_below(log->log_start_offset().value());
  view.aborted = slot->table.aborted_overlapping(from, view.last_stable_offset);
  return view;
}

void ProducerStates::inspect(const std::string& topic, int32_t partition, const std::shared_ptr<PartitionLog>& log,
                             const std::function<void(const ProducerStateTable&)>& visit) {
  auto [slot, lock] = slot_for(topic, partition, log);
  visit(slot->table);
}

}  // namespace loch::kafka::txn
