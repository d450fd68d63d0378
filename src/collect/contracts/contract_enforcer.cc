#include "collect/contracts/contract_enforcer.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "collect/contracts/dead_letter.h"
#include "collect/kafka/protocol/compression.h"

namespace loch::contracts {

using kafka::ContractDecision;

namespace {

int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A whole batch: `header`'s timestamps, producer fields and lastOffsetDelta
// with `section` (the uncompressed records section, `count` records)
// compressed with `codec` as the producer's was. An empty batch stays
// uncompressed: there is nothing to compress.
Result<std::string> seal_batch(kafka::RecordBatchHeader header, std::string_view section, int32_t count, int codec) {
  std::string batch(kafka::RecordBatchHeader::kSize, '\0');
  if (codec != 0 && count > 0) {
    LOCH_ASSIGN_OR_RETURN(std::string compressed, kafka::compress(static_cast<kafka::CompressionCodec>(codec), section));
    batch += compressed;
  } else {
    codec = 0;
    batch += section;
  }
  header.magic = kafka::RecordBatchHeader::kMagicV2;
  header.attributes = static_cast<int16_t>((header.attributes & ~kafka::RecordBatchHeader::kCompressionMask) | codec);
  header.batch_length = static_cast<int32_t>(batch.size() - kafka::RecordBatchHeader::kLengthFieldEnd);
  header.records_count = count;
  header.crc = 0;
  header.write_to(batch.data());
  kafka::put_be32(batch.data() + kafka::RecordBatchHeader::kCrcPos, kafka::compute_batch_crc(batch));
  return batch;
}

}  // namespace

ContractEnforcer::ContractEnforcer(kafka::LogManager& logs, SchemaSource& source, NowMs now_ms)
    : logs_(logs), checker_(source), now_ms_(now_ms ? std::move(now_ms) : NowMs(system_now_ms)) {}

ContractDecision ContractEnforcer::check_batch(const std::string& topic, int32_t partition, std::string_view bytes) {
  ContractDecision decision;
  auto description = logs_.describe_topic(topic);
  if (!description) return decision;
  TopicContract contract = TopicContract::from_config(topic, description->config);
  if (!contract.enabled()) return decision;
  if (!checker_.source().available()) {
    // kAborted answers NOT_LEADER_OR_FOLLOWER: clients retry the batch.
    decision.action = ContractDecision::Action::kFail;
    decision.status = Status::aborted(fmt::format("topic {} has a data contract and the schema registry is not ready", topic));
    return decision;
  }

  auto header = kafka::RecordBatchHeader::parse(bytes);
  if (!header.is_ok()) {
    decision.action = ContractDecision::Action::kFail;
    decision.status = header.status();
    return decision;
  }
  if (header->is_control()) return decision;
  // The records are read in place (one allocation per batch, none per
  // record): every record is checked, few are copied.
  if (header->batch_length < static_cast<int32_t>(kafka::RecordBatchHeader::kSize - kafka::RecordBatchHeader::kLengthFieldEnd) ||
      header->total_size() > bytes.size()) {
    decision.action = ContractDecision::Action::kFail;
    decision.status = Status::corruption(
        fmt::format("record batch length {} beyond the {} bytes received", header->batch_length, bytes.size()));
    return decision;
  }
  std::string_view section = bytes.substr(kafka::RecordBatchHeader::kSize, header->total_size() - kafka::RecordBatchHeader::kSize);
  std::string decompressed;
  if (header->is_compressed()) {
    auto plain = kafka::decompress(static_cast<kafka::CompressionCodec>(header->compression()), section);
    if (!plain.is_ok()) {
      decision.action = ContractDecision::Action::kFail;
      decision.status = plain.status();
      return decision;
    }
    decompressed = std::move(plain).value();
    section = decompressed;
  }
  auto records = kafka::decode_record_views(section, header->records_count);
  if (!records.is_ok()) {
    decision.action = ContractDecision::Action::kFail;
    decision.status = records.status();
    return decision;
  }
  std::vector<std::pair<size_t, Violation>> bad;
  for (size_t i = 0; i < records->size(); ++i) {
    const kafka::RecordView& r = records.value()[i];
    if (auto v = checker_.check(contract, r.key, r.value)) bad.emplace_back(i, std::move(*v));
  }
  // A batch whose records all pass is appended as sent, and the log checks
  // its CRC. One that is rejected or rebuilt is checked here first, so that
  // damage is never reported as a contract breach nor laundered by a fresh CRC.
  if (bad.empty()) return decision;
  if (auto verified = kafka::validate_record_batch(bytes); !verified.is_ok()) {
    decision.action = ContractDecision::Action::kFail;
    decision.status = verified.status();
    return decision;
  }
  for (const auto& [index, violation] : bad) {
    decision.violations.push_back({static_cast<int32_t>(index), violation.reason});
  }
  if (!contract.dead_letter) {
    decision.action = ContractDecision::Action::kReject;
    return decision;
  }
  auto letters = dead_letter_batch(topic, partition, *header, *records, bad);
  if (!letters.is_ok()) {
    decision.action = ContractDecision::Action::kFail;
    decision.status = letters.status();
    return decision;
  }
  decision.write_dead_letters = [this, dlq = dead_letter_topic(topic), encoded = std::move(letters).value(),
                                 written = decision.dead_letters_written] {
    return append_dead_letters(dlq, encoded, *written);
  };

  // An idempotent or transactional producer's batch keeps its offset range,
  // hence its sequence range (base sequence + lastOffsetDelta): the
  // producer's next batch still follows it, and a retry of it is still
  // recognised as a duplicate and answered with these offsets. The diverted
  // records leave holes, as compaction does; a batch of only bad records
  // is appended empty, so the sequences advance all the same.
  bool keeps_offset_range = header->producer_id >= 0;
  if (!keeps_offset_range && bad.size() == records->size()) {
    decision.action = ContractDecision::Action::kSkip;
    return decision;
  }
  // The kept records are copied as stored; a plain producer's get new
  // offset deltas 0..n-1 (the log checks them).
  std::string kept;
  kept.reserve(section.size());
  int32_t kept_count = 0;
  size_t next_bad = 0;
  for (size_t i = 0; i < records->size(); ++i) {
    if (next_bad < bad.size() && bad[next_bad].first == i) {
      ++next_bad;
      continue;
    }
    const kafka::RecordView& r = records.value()[i];
    if (keeps_offset_range) kept += r.wire;
    else kafka::append_record_with_offset_delta(r, kept_count, kept);
    ++kept_count;
  }
  kafka::RecordBatchHeader kept_header = *header;
  if (!keeps_offset_range) kept_header.last_offset_delta = kept_count - 1;
  auto encoded = seal_batch(kept_header, kept, kept_count, header->compression());
  if (!encoded.is_ok()) {
    decision.action = ContractDecision::Action::kFail;
    decision.status = encoded.status();
    return decision;
  }
  decision.action = ContractDecision::Action::kReplace;
  decision.kept = std::move(encoded).value();
  decision.keeps_offset_range = keeps_offset_range;
  return decision;
}

Result<std::string> ContractEnforcer::dead_letter_batch(const std::string& topic, int32_t partition,
                                                        const kafka::RecordBatchHeader& original,
                                                        const std::vector<kafka::RecordView>& records,
                                                        const std::vector<std::pair<size_t, Violation>>& bad) {
  int64_t now = now_ms_();
  std::string section;
  int32_t count = 0;
  for (const auto& [index, violation] : bad) {
    LOCH_ASSIGN_OR_RETURN(kafka::Record r, kafka::to_record(records[index]));
    r.offset_delta = count++;
    add_dead_letter_headers(DeadLetter{violation.reason, topic, partition, static_cast<int32_t>(index),
                                       violation.schema_id, now},
                            r);
    kafka::append_record(r, section);
  }
  // Records keep their timestamps (deltas from the same base); the batch
  // belongs to no producer, so the DLQ never mixes with sequence checks.
  kafka::RecordBatchHeader header;
  header.base_timestamp = original.base_timestamp;
  header.max_timestamp = original.max_timestamp;
  header.attributes = static_cast<int16_t>(original.attributes & kafka::RecordBatchHeader::kTimestampTypeLogAppend);
  header.last_offset_delta = count - 1;
  return seal_batch(header, section, count, original.compression());
}

Status ContractEnforcer::append_dead_letters(const std::string& dlq, std::string_view batch,
                                             kafka::DeadLettersWritten& written) {
  auto log = logs_.partition(dlq, PartitionId(0));
  if (!log) {
    Status created = logs_.create_topic(dlq, 1);
    if (!created.is_ok() && created.code() != StatusCode::kAlreadyExists) {
      return Status::io_error(fmt::format("cannot create dead-letter topic {}: {}", dlq, created.message()));
    }
    log = logs_.partition(dlq, PartitionId(0));
    if (!log) return Status::io_error(fmt::format("dead-letter topic {} has no partition 0", dlq));
    spdlog::info("contracts: created dead-letter topic {}", dlq);
  }
  auto appended = log->append(batch, kafka::Durability::kNoWait);
  if (!appended.is_ok()) {
    return Status::io_error(fmt::format("cannot append to dead-letter topic {}: {}", dlq, appended.status().message()));
  }
  written.log = log;
  written.end = appended->last_offset.value() + 1;
  return Status::ok();
}

}  // namespace loch::contracts
