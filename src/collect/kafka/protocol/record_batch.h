// Kafka record batches, magic v2: the unit producers send, the log stores
// and consumers fetch (doc/kafka-protocol.md, "Record batches").
//
// Decoding verifies the CRC-32C, decompresses and parses every record, with
// every length checked against the bytes that remain. Legacy message sets
// (magic 0 and 1, Kafka before 0.11) are refused with NotSupported: every
// client loch targets writes magic 2 once ApiVersions says Produce v3+.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "collect/kafka/protocol/compression.h"
#include "common/result.h"
#include "common/strong_types.h"

namespace loch::kafka {

enum class TimestampType : uint8_t { kCreateTime = 0, kLogAppendTime = 1 };

// Byte offsets of the fixed batch header (all integers big-endian).
namespace batch_layout {
inline constexpr size_t kBaseOffset = 0;            // int64
inline constexpr size_t kBatchLength = 8;           // int32: bytes after this field
inline constexpr size_t kPartitionLeaderEpoch = 12; // int32
inline constexpr size_t kMagic = 16;                // int8, 2
inline constexpr size_t kCrc = 17;                  // uint32, CRC-32C of bytes kAttributes..end
inline constexpr size_t kAttributes = 21;           // int16
inline constexpr size_t kLastOffsetDelta = 23;      // int32
inline constexpr size_t kBaseTimestamp = 27;        // int64
inline constexpr size_t kMaxTimestamp = 35;         // int64
inline constexpr size_t kProducerId = 43;           // int64
inline constexpr size_t kProducerEpoch = 51;        // int16
inline constexpr size_t kBaseSequence = 53;         // int32
inline constexpr size_t kRecordsCount = 57;         // int32
inline constexpr size_t kHeaderSize = 61;           // records start here
// The batch length field counts everything after it: total size - 12.
inline constexpr size_t kLogOverhead = 12;
}  // namespace batch_layout

// Attribute bits (int16).
inline constexpr int16_t kCompressionMask = 0x07;
inline constexpr int16_t kTimestampTypeBit = 0x08;
inline constexpr int16_t kTransactionalBit = 0x10;
inline constexpr int16_t kControlBit = 0x20;
inline constexpr int16_t kDeleteHorizonBit = 0x40;  // base timestamp is the delete horizon (KIP-534)

struct RecordBatchHeader {
  int64_t base_offset = 0;
  int32_t batch_length = 0;
  int32_t partition_leader_epoch = -1;
  int8_t magic = 2;
  uint32_t crc = 0;
  int16_t attributes = 0;
  int32_t last_offset_delta = 0;
  int64_t base_timestamp = -1;
  int64_t max_timestamp = -1;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  int32_t records_count = 0;

  // Bits 0-2; a value above 4 is reported by decode, never stored here.
  CompressionCodec compression() const { return static_cast<CompressionCodec>(attributes & kCompressionMask); }
  TimestampType timestamp_type() const {
    return (attributes & kTimestampTypeBit) != 0 ? TimestampType::kLogAppendTime : TimestampType::kCreateTime;
  }
  bool is_transactional() const { return (attributes & kTransactionalBit) != 0; }
  bool is_control() const { return (attributes & kControlBit) != 0; }
  bool has_delete_horizon() const { return (attributes & kDeleteHorizonBit) != 0; }
  // Whole batch size on the wire: batch_length + 12.
  size_t total_size() const { return static_cast<size_t>(batch_length) + batch_layout::kLogOverhead; }
  Offset last_offset() const { return Offset(base_offset + last_offset_delta); }
  bool operator==(const RecordBatchHeader&) const = default;
};

struct RecordHeader {
  std::string key;
  std::optional<std::string> value;  // null allowed
  bool operator==(const RecordHeader&) const = default;
};

struct Record {
  int8_t attributes = 0;  // unused by Kafka so far; kept as read
  int64_t timestamp_delta = 0;
  int32_t offset_delta = 0;
  std::optional<std::string> key;    // null: no key
  std::optional<std::string> value;  // null: a tombstone
  std::vector<RecordHeader> headers;
  bool operator==(const Record&) const = default;
};

struct RecordBatch {
  RecordBatchHeader header;
  std::vector<Record> records;
};

// Decodes the 61-byte header at the front of `bytes` (which may hold more).
// Checks magic (NotSupported for 0/1, Corruption otherwise), the batch
// length (at least the header, at most what `bytes` could hold is NOT
// checked here, so that a reader can learn how much more to read), and the
// compression codec bits. Does not verify the CRC.
Result<RecordBatchHeader> decode_record_batch_header(std::string_view bytes);

// The CRC-32C of a whole batch (the bytes from attributes to the end), as
// the header's crc field must hold it.
uint32_t compute_record_batch_crc(std::string_view batch);

// Ok when `batch` (exactly one whole batch) has magic 2, a consistent length
// and a CRC that matches; Corruption naming what is wrong otherwise.
Status verify_record_batch(std::string_view batch);

// Splits a records blob (Produce's records field, a log segment region)
// into whole batches, verifying each header's length and magic (not CRCs).
// A partial batch at the end is an error unless `allow_partial_tail`, as in
// Fetch responses, where a broker may cut the last batch at the size limit.
Result<std::vector<std::string_view>> split_record_batches(std::string_view records, bool allow_partial_tail = false);

// Decodes one whole batch: verifies the CRC, decompresses (with the size
// limit), parses exactly records_count records and requires that no bytes
// follow them.
Result<RecordBatch> decode_record_batch(std::string_view batch,
                                        size_t max_decompressed_bytes = kDefaultMaxDecompressedBytes);

// Encodes a batch with `codec`: sets the compression bits of the attributes,
// records_count, last_offset_delta (the largest record offset delta; kept
// from the header for an empty batch), batch_length and the CRC. Other
// header fields are written as given.
Result<std::string> encode_record_batch(const RecordBatchHeader& header, const std::vector<Record>& records,
                                        CompressionCodec codec);

// Overwrites the base offset of a whole batch in place (`batch` must hold at
// least the 61-byte header). The base offset is
// outside the CRC, so a broker assigns offsets without recomputing it.
void set_record_batch_base_offset(std::span<char> batch, int64_t base_offset);
// Overwrites the partition leader epoch in place (also outside the CRC).
void set_record_batch_partition_leader_epoch(std::span<char> batch, int32_t epoch);
// Sets the timestamp type to LogAppendTime with `max_timestamp` and
// recomputes the CRC, as a broker does for topics with
// message.timestamp.type=LogAppendTime.
void set_record_batch_log_append_time(std::span<char> batch, int64_t max_timestamp);

}  // namespace loch::kafka
