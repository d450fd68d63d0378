// Records inside an uncompressed record batch (magic v2): decoding and
// encoding of the varint-framed record fields. Byte grammar:
// doc/kafka-log-format.md, section "Record".
//
// The log stores batches as received and never needs this on the append or
// fetch path; the compactor (log_cleaner.h), ListOffsets by timestamp and
// tests do. Compressed batches are not decoded here (kNotSupported).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collect/kafka/log/record_batch_header.h"
#include "common/result.h"

namespace loch::kafka {

struct RecordHeader {
  std::string key;
  std::optional<std::string> value;  // nullopt: a null header value
  friend bool operator==(const RecordHeader&, const RecordHeader&) = default;
};

struct Record {
  int8_t attributes = 0;  // unused by Kafka so far, kept as read
  int64_t timestamp_delta = 0;
  int32_t offset_delta = 0;
  std::optional<std::string> key;    // nullopt: null key
  std::optional<std::string> value;  // nullopt: null value, a tombstone under compaction
  std::vector<RecordHeader> headers;
  friend bool operator==(const Record&, const Record&) = default;
};

// Turns the records section of a compressed batch (the bytes after the
// 61-byte header) into the uncompressed records section. `codec` is the
// attributes' compression field (1 gzip, 2 snappy, 3 lz4, 4 zstd). The log
// has no codecs of its own; the broker passes the protocol library's.
using Decompressor = std::function<Result<std::string>(int codec, std::string_view compressed)>;

// The records of one batch (validated or not: the record framing is
// checked, the CRC is not). A compressed batch is decompressed with
// `decompress`; without one it is kNotSupported. kCorruption when the
// framing does not add up.
Result<std::vector<Record>> decode_records(std::string_view batch, const Decompressor& decompress = nullptr);

// One record of an uncompressed records section, read in place: the views
// point into the bytes given to decode_record_views, which must outlive
// them. For paths that look at every record of a batch and copy few
// (the data contract), without an allocation per record.
struct RecordView {
  std::string_view wire;  // the whole record as stored, length varint first
  std::string_view tail;  // its bytes after the offset delta: key, value, headers
  int8_t attributes = 0;
  int64_t timestamp_delta = 0;
  int32_t offset_delta = 0;
  std::optional<std::string_view> key;    // nullopt: null key
  std::optional<std::string_view> value;  // nullopt: null value
};

// The `count` records of `section` (a batch's records, after the 61-byte
// header and decompression), with the same framing checks as
// decode_records; kCorruption naming the record that does not add up.
Result<std::vector<RecordView>> decode_record_views(std::string_view section, int32_t count);

// The record with its own copies of key, value and headers.
Result<Record> to_record(const RecordView& view);

// Appends `record` in its wire form with `offset_delta` in place of its own
// (the rest copied as stored).
void append_record_with_offset_delta(const RecordView& record, int32_t offset_delta, std::string& out);

// Appends one record in its wire form (length varint first).
void append_record(const Record& record, std::string& out);

// Builds a whole uncompressed batch: the header's fields are taken from
// `header` except batchLength, crc, recordsCount and the compression bits,
// which are computed. lastOffsetDelta and the timestamps are taken as given,
// so that a rewritten batch keeps its offset range (the compactor relies on
// this).
std::string encode_record_batch(RecordBatchHeader header, const std::vector<Record>& records);

// A convenience for producers of test data and for the bench: a batch of
// records with the given keys and values at offsets 0..n-1, all stamped
// `timestamp`, lastOffsetDelta n-1, producer id -1.
struct SimpleRecord {
  std::optional<std::string> key;
  std::optional<std::string> value;
};
std::string make_record_batch(const std::vector<SimpleRecord>& records, int64_t timestamp);

}  // namespace loch::kafka
