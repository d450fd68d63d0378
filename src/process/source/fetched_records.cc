#include "process/source/fetched_records.h"

#include <algorithm>
#include <set>

#include "collect/kafka/protocol/record_batch.h"

namespace loch::source {
namespace {

// A control record's key: int16 version, int16 type (0 abort, 1 commit).
constexpr int16_t kAbortMarker = 0;

bool is_abort_marker(const kafka::RecordBatch& control) {
  if (control.records.empty() || !control.records[0].key || control.records[0].key->size() < 4) return false;
  const std::string& key = *control.records[0].key;
  auto type = static_cast<int16_t>((static_cast<uint8_t>(key[2]) << 8) | static_cast<uint8_t>(key[3]));
  return type == kAbortMarker;
}

Result<kafka::RecordBatch> decode(std::string_view bytes, const kafka::RecordBatchHeader& header) {
  auto batch = kafka::decode_record_batch(bytes);
  if (!batch.is_ok()) return batch.status().with_context("batch at offset " + std::to_string(header.base_offset));
  return batch;
}

// Per-record overhead of a SourceRecord beside its bytes (strings, vector slot).
constexpr size_t kRecordOverhead = 128;

}  // namespace

Result<PartitionRecords> read_fetched_records(const SourcePartition& partition, std::string_view records,
                                              int64_t fetch_offset,
                                              const std::vector<kafka::FetchResponse::AbortedTransaction>* aborted) {
  PartitionRecords out;
  out.next_offset = fetch_offset;
  LOCH_ASSIGN_OR_RETURN(std::vector<std::string_view> batches,
                        kafka::split_record_batches(records, /*allow_partial_tail=*/true));
  // Aborted transactions in the order they start; a producer's transaction
  // is aborted from its first offset until that producer's ABORT marker.
  std::vector<kafka::FetchResponse::AbortedTransaction> pending;
  if (aborted != nullptr) {
    pending = *aborted;
    std::sort(pending.begin(), pending.end(),
              [](const auto& a, const auto& b) { return a.first_offset < b.first_offset; });
  }
  // One allocation for the answer's records, not a regrowth every few
  // batches. A record takes at least a byte, which bounds what a corrupt
  // count can reserve; compressed batches may need the vector to grow.
  size_t expected = 0;
  for (std::string_view bytes : batches) {
    auto header = kafka::decode_record_batch_header(bytes);
    if (header.is_ok() && header->records_count > 0) {
      expected += std::min(static_cast<size_t>(header->records_count), bytes.size());
    }
  }
  out.records.reserve(expected);
  size_t next_pending = 0;
  std::set<int64_t> aborting_producers;
  for (std::string_view bytes : batches) {
    LOCH_ASSIGN_OR_RETURN(kafka::RecordBatchHeader header, kafka::decode_record_batch_header(bytes));
    const int64_t last_offset = header.last_offset().value();
    out.next_offset = std::max(out.next_offset, last_offset + 1);
    if (last_offset < fetch_offset) continue;
    if (aborted != nullptr) {
      while (next_pending < pending.size() && pending[next_pending].first_offset <= last_offset) {
        aborting_producers.insert(pending[next_pending++].producer_id);
      }
      if (header.is_control()) {
        if (aborting_producers.contains(header.producer_id)) {
          LOCH_ASSIGN_OR_RETURN(kafka::RecordBatch control, decode(bytes, header));
          if (is_abort_marker(control)) aborting_producers.erase(header.producer_id);
        }
        continue;
      }
      if (header.is_transactional() && aborting_producers.contains(header.producer_id)) continue;
    } else if (header.is_control()) {
      continue;  // markers are never records, whatever the isolation
    }
    LOCH_ASSIGN_OR_RETURN(kafka::RecordBatch batch, decode(bytes, header));
    const bool log_append_time = header.timestamp_type() == kafka::TimestampType::kLogAppendTime;
    for (kafka::Record& record : batch.records) {
      const int64_t offset = header.base_offset + record.offset_delta;
      if (offset < fetch_offset) continue;
      SourceRecord& r = out.records.emplace_back();
      r.source = partition;
      r.offset = offset;
      // As Kafka clients report it: the broker's append time for the whole
      // batch, else the producer's time of each record.
      r.timestamp_ms = log_append_time ? header.max_timestamp : header.base_timestamp + record.timestamp_delta;
      out.memory_bytes += kRecordOverhead + (record.key ? record.key->size() : 0) +
                          (record.value ? record.value->size() : 0);
      r.key = std::move(record.key);
      r.value = std::move(record.value);
      if (!record.headers.empty()) {
        r.headers.reserve(record.headers.size());
        for (kafka::RecordHeader& h : record.headers) {
          out.memory_bytes += h.key.size() + (h.value ? h.value->size() : 0);
          r.headers.emplace_back(std::move(h.key), std::move(h.value));
        }
      }
    }
  }
  return out;
}

}  // namespace loch::source
