#include "collect/kafka/txn/transaction_state_topic.h"

#include <spdlog/spdlog.h>

#include "collect/kafka/log/record.h"
#include "collect/kafka/log/record_batch_header.h"

namespace loch::kafka::txn {
namespace {

constexpr size_t kReplayReadBytes = 1 << 20;

}  // namespace

Result<std::unique_ptr<TransactionStateTopic>> TransactionStateTopic::open(LogManager& logs) {
  if (!logs.describe_topic(kTransactionStateTopic)) {
    // Kafka's settings: compacted, 100 MiB segments
    // (transaction.state.log.segment.bytes) so that compaction gets to run.
    Status created = logs.create_topic(kTransactionStateTopic, 1,
                                       {{"cleanup.policy", "compact"}, {"segment.bytes", "104857600"}});
    if (!created.is_ok() && created.code() != StatusCode::kAlreadyExists) {
      return created.with_context(std::string("creating ") + kTransactionStateTopic);
    }
    spdlog::info("kafka: created {} (cleanup.policy=compact)", kTransactionStateTopic);
  }
  return std::unique_ptr<TransactionStateTopic>(new TransactionStateTopic(logs));
}

Status TransactionStateTopic::append(const TxnMetadata& txn, TxnRecordDurability durability) {
  auto log = logs_.partition(kTransactionStateTopic, PartitionId(0));
  if (!log) return Status::not_found(std::string(kTransactionStateTopic) + "-0 does not exist");
  RecordBatchHeader header;
  header.magic = RecordBatchHeader::kMagicV2;
  header.partition_leader_epoch = -1;
  header.base_timestamp = txn.last_update_ms;
  header.max_timestamp = txn.last_update_ms;
  header.last_offset_delta = 0;
  Record record;
  record.key = encode_txn_key(txn.transactional_id);
  record.value = encode_txn_value(txn);
  // kBeforeReturn: the coordinator answers the producer once this returns,
  // so on disk first (under the default flush.policy, as acks=all).
  auto appended = log->append(encode_record_batch(header, {record}), Durability::kNoWait);
  if (appended.is_ok() && durability == TxnRecordDurability::kBeforeReturn &&
      log->flush_policy() == FlushPolicy::kEveryBatch) {
    if (Status s = log->flush(); !s.is_ok()) return s.with_context(std::string("fsync of ") + kTransactionStateTopic);
  }
  if (!appended.is_ok()) return appended.status().with_context(std::string("appending to ") + kTransactionStateTopic);
  return Status::ok();
}

Status TransactionStateTopic::sync() {
  auto log = logs_.partition(kTransactionStateTopic, PartitionId(0));
  if (!log) return Status::not_found(std::string(kTransactionStateTopic) + "-0 does not exist");
  return log->flush();
}

Status TransactionStateTopic::append_tombstone(const std::string& transactional_id) {
  auto log = logs_.partition(kTransactionStateTopic, PartitionId(0));
  if (!log) return Status::not_found(std::string(kTransactionStateTopic) + "-0 does not exist");
  const int64_t now = system_clock_ms();
  RecordBatchHeader header;
  header.magic = RecordBatchHeader::kMagicV2;
  header.partition_leader_epoch = -1;
  header.base_timestamp = now;
  header.max_timestamp = now;
  header.last_offset_delta = 0;
  Record record;
  record.key = encode_txn_key(transactional_id);
  auto appended = log->append(encode_record_batch(header, {record}), Durability::kNoWait);
  if (!appended.is_ok()) return appended.status().with_context(std::string("appending to ") + kTransactionStateTopic);
  return Status::ok();
}

Status TransactionStateTopic::replay(const std::function<void(TxnMetadata)>& visit,
                                     const std::function<void(const std::string&)>& forget) {
  auto log = logs_.partition(kTransactionStateTopic, PartitionId(0));
  if (!log) return Status::not_found(std::string(kTransactionStateTopic) + "-0 does not exist");
  int64_t next = log->log_start_offset().value();
  const int64_t end = log->log_end_offset().value();
  while (next < end) {
    auto read = log->read(Offset(next), kReplayReadBytes);
    if (!read.is_ok()) return read.status().with_context("reading __transaction_state at offset " + std::to_string(next));
    if (read->bytes.empty()) break;
    const int64_t before = next;
    std::string_view rest = read->bytes;
    while (!rest.empty()) {
      auto header = RecordBatchHeader::parse(rest);
      if (!header.is_ok() || header->total_size() > rest.size()) break;  // a partial batch: read again from it
      std::string_view bytes = rest.substr(0, header->total_size());
      rest.remove_prefix(header->total_size());
      next = header->last_offset() + 1;
      if (header->is_control()) continue;
      auto records = decode_records(bytes);
      if (!records.is_ok()) {
        spdlog::warn("kafka: __transaction_state batch at offset {} skipped: {}", header->base_offset,
                     records.status().message());
        continue;
      }
      for (const Record& record : *records) {
        const int64_t offset = header->base_offset + record.offset_delta;
        if (!record.key) continue;
        auto id = decode_txn_key(*record.key);
        if (!id.is_ok()) {
          spdlog::warn("kafka: __transaction_state record at offset {} skipped: {}", offset, id.status().message());
          continue;
        }
        if (!record.value) {  // a tombstone: the id expired
          forget(*id);
          continue;
        }
        auto txn = decode_txn_value(*id, *record.value);
        if (!txn.is_ok()) {
          spdlog::warn("kafka: __transaction_state record at offset {} skipped: {}", offset, txn.status().message());
          continue;
        }
        visit(std::move(txn).value());
      }
    }
    if (next == before) {
      return Status::corruption("__transaction_state: no whole batch readable at offset " + std::to_string(next));
    }
  }
  return Status::ok();
}

}  // namespace loch::kafka::txn
