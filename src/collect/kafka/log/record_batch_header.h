// The 61-byte header of a Kafka record batch, magic v2 (KIP-98), as the log
// stores it: parsed, validated and, for the one field the broker owns
// (baseOffset), rewritten in place. Byte grammar: doc/kafka-log-format.md,
// section "Record batch".
//
// The protocol codecs (src/collect/kafka/protocol) treat record sets as opaque
// bytes; the log needs only this header, so it parses it itself.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/result.h"
#include "common/status.h"

namespace loch::kafka {

struct RecordBatchHeader {
  // Byte positions inside a batch (doc/kafka-log-format.md, "Record batch").
  static constexpr size_t kBaseOffsetPos = 0;
  static constexpr size_t kBatchLengthPos = 8;
  static constexpr size_t kPartitionLeaderEpochPos = 12;
  static constexpr size_t kMagicPos = 16;
  static constexpr size_t kCrcPos = 17;
  static constexpr size_t kAttributesPos = 21;  // the CRC covers from here to the end
  static constexpr size_t kLastOffsetDeltaPos = 23;
  static constexpr size_t kBaseTimestampPos = 27;
  static constexpr size_t kMaxTimestampPos = 35;
  static constexpr size_t kProducerIdPos = 43;
  static constexpr size_t kProducerEpochPos = 51;
  static constexpr size_t kBaseSequencePos = 53;
  static constexpr size_t kRecordsCountPos = 57;
  static constexpr size_t kSize = 61;
  // batchLength counts the bytes after itself: size of the batch - 12.
  static constexpr size_t kLengthFieldEnd = 12;
  static constexpr int8_t kMagicV2 = 2;

  // attributes bits
  static constexpr int16_t kCompressionMask = 0x07;  // 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd
  static constexpr int16_t kTimestampTypeLogAppend = 0x08;
  static constexpr int16_t kTransactionalFlag = 0x10;
  static constexpr int16_t kControlFlag = 0x20;

  int64_t base_offset = 0;
  int32_t batch_length = 0;
  int32_t partition_leader_epoch = 0;
  int8_t magic = 0;
  uint32_t crc = 0;
  int16_t attributes = 0;
  int32_t last_offset_delta = 0;
  int64_t base_timestamp = 0;
  int64_t max_timestamp = 0;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  int32_t records_count = 0;

  // Size of the whole batch in bytes, header included.
  size_t total_size() const { return static_cast<size_t>(batch_length) + kLengthFieldEnd; }
  int64_t last_offset() const { return base_offset + last_offset_delta; }
  int compression() const { return attributes & kCompressionMask; }
  bool is_compressed() const { return compression() != 0; }
  bool is_transactional() const { return (attributes & kTransactionalFlag) != 0; }
  bool is_control() const { return (attributes & kControlFlag) != 0; }

  // Reads the fields from the first kSize bytes of `bytes`; checks nothing
  // beyond the size (see validate_record_batch for the checks).
  static Result<RecordBatchHeader> parse(std::string_view bytes);

  // Writes the header fields (not the records) into the first kSize bytes of
  // `out`, which must be that large.
  void write_to(char* out) const;
};

// Checks that `batch` is exactly one whole record batch of magic v2 whose
// CRC-32C matches: size at least the header, batchLength equal to the bytes
// given, magic 2, lastOffsetDelta and recordsCount not negative, CRC over
// attributes..end. kCorruption for damaged bytes, kNotSupported for another
// magic. On success returns the parsed header.
Result<RecordBatchHeader> validate_record_batch(std::string_view batch);

// The CRC-32C a batch should carry: over its bytes from attributes to the end.
uint32_t compute_batch_crc(std::string_view batch);

// Rewrites the baseOffset field in place. The CRC does not cover the first 21
// bytes, so the batch stays valid.
void set_batch_base_offset(char* batch, int64_t base_offset);

// Big-endian helpers shared by the log's files.
inline void put_be16(char* p, uint16_t v) {
  p[0] = static_cast<char>(v >> 8);
  p[1] = static_cast<char>(v);
}
inline void put_be32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(v >> (24 - 8 * i));
}
inline void put_be64(char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>(v >> (56 - 8 * i));
}
inline uint16_t get_be16(const char* p) {
  return static_cast<uint16_t>((static_cast<uint8_t>(p[0]) << 8) | static_cast<uint8_t>(p[1]));
}
inline uint32_t get_be32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}
inline uint64_t get_be64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

}  // namespace loch::kafka
