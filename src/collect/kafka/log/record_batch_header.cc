#include "collect/kafka/log/record_batch_header.h"

#include <fmt/format.h>

#include "common/crc32c.h"

namespace loch::kafka {

Result<RecordBatchHeader> RecordBatchHeader::parse(std::string_view bytes) {
  if (bytes.size() < kSize) {
    return Status::corruption(fmt::format("record batch header needs {} bytes, have {}", kSize, bytes.size()));
  }
  const char* p = bytes.data();
  RecordBatchHeader h;
  h.base_offset = static_cast<int64_t>(get_be64(p + kBaseOffsetPos));
  h.batch_length = static_cast<int32_t>(get_be32(p + kBatchLengthPos));
  h.partition_leader_epoch = static_cast<int32_t>(get_be32(p + kPartitionLeaderEpochPos));
  h.magic = static_cast<int8_t>(p[kMagicPos]);
  h.crc = get_be32(p + kCrcPos);
  h.attributes = static_cast<int16_t>(get_be16(p + kAttributesPos));
  h.last_offset_delta = static_cast<int32_t>(get_be32(p + kLastOffsetDeltaPos));
  h.base_timestamp = static_cast<int64_t>(get_be64(p + kBaseTimestampPos));
  h.max_timestamp = static_cast<int64_t>(get_be64(p + kMaxTimestampPos));
  h.producer_id = static_cast<int64_t>(get_be64(p + kProducerIdPos));
  h.producer_epoch = static_cast<int16_t>(get_be16(p + kProducerEpochPos));
  h.base_sequence = static_cast<int32_t>(get_be32(p + kBaseSequencePos));
  h.records_count = static_cast<int32_t>(get_be32(p + kRecordsCountPos));
  return h;
}

void RecordBatchHeader::write_to(char* p) const {
  put_be64(p + kBaseOffsetPos, static_cast<uint64_t>(base_offset));
  put_be32(p + kBatchLengthPos, static_cast<uint32_t>(batch_length));
  put_be32(p + kPartitionLeaderEpochPos, static_cast<uint32_t>(partition_leader_epoch));
  p[kMagicPos] = static_cast<char>(magic);
  put_be32(p + kCrcPos, crc);
  put_be16(p + kAttributesPos, static_cast<uint16_t>(attributes));
  put_be32(p + kLastOffsetDeltaPos, static_cast<uint32_t>(last_offset_delta));
  put_be64(p + kBaseTimestampPos, static_cast<uint64_t>(base_timestamp));
  put_be64(p + kMaxTimestampPos, static_cast<uint64_t>(max_timestamp));
  put_be64(p + kProducerIdPos, static_cast<uint64_t>(producer_id));
  put_be16(p + kProducerEpochPos, static_cast<uint16_t>(producer_epoch));
  put_be32(p + kBaseSequencePos, static_cast<uint32_t>(base_sequence));
  put_be32(p + kRecordsCountPos, static_cast<uint32_t>(records_count));
}

uint32_t compute_batch_crc(std::string_view batch) {
  if (batch.size() < RecordBatchHeader::kAttributesPos) return 0;
  return crc32c(batch.data() + RecordBatchHeader::kAttributesPos, batch.size() - RecordBatchHeader::kAttributesPos);
}

Result<RecordBatchHeader> validate_record_batch(std::string_view batch) {
  LOCH_ASSIGN_OR_RETURN(RecordBatchHeader h, RecordBatchHeader::parse(batch));
  if (h.magic != RecordBatchHeader::kMagicV2) {
    // Magic 0 and 1 (message sets) predate record batches; clients of the
    // API versions loch offers never send them.
    return Status::not_supported(fmt::format("record batch magic {} (only 2 is supported)", h.magic));
  }
  if (h.batch_length < static_cast<int32_t>(RecordBatchHeader::kSize - RecordBatchHeader::kLengthFieldEnd) ||
      h.total_size() != batch.size()) {
    return Status::corruption(
        fmt::format("record batch length field says {} bytes, batch has {}", h.batch_length, batch.size()));
  }
  if (h.last_offset_delta < 0 || h.records_count < 0) {
    return Status::corruption(fmt::format("record batch with lastOffsetDelta {} and recordsCount {}",
                                          h.last_offset_delta, h.records_count));
  }
  uint32_t actual = compute_batch_crc(batch);
  if (actual != h.crc) {
    return Status::corruption(fmt::format("record batch CRC-32C is {:08x}, header says {:08x}", actual, h.crc));
  }
  return h;
}

void set_batch_base_offset(char* batch, int64_t base_offset) {
  put_be64(batch + RecordBatchHeader::kBaseOffsetPos, static_cast<uint64_t>(base_offset));
}

}  // namespace loch::kafka
