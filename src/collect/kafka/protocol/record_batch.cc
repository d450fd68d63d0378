#include "collect/kafka/protocol/record_batch.h"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "common/crc32c.h"
#include "common/varint.h"

namespace loch::kafka {

namespace {

namespace layout = batch_layout;

uint64_t load_be(const char* p, int size) {
  uint64_t v = 0;
  for (int i = 0; i < size; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

void store_be(char* p, uint64_t v, int size) {
  for (int i = size - 1; i >= 0; --i) {
    p[i] = static_cast<char>(v & 0xFF);
    v >>= 8;
  }
}

void append_be(std::string& out, uint64_t v, int size) {
  const size_t start = out.size();
  out.append(static_cast<size_t>(size), '\0');
  store_be(out.data() + start, v, size);
}

// Reads records from a span, checking every length against what remains.
class RecordParser {
 public:
  explicit RecordParser(std::string_view input) : in_(input) {}

  Status parse(int32_t count, std::vector<Record>& out) {
    // Each record takes at least 7 bytes (seven one-byte varints), so the
    // count cannot ask for more memory than the input justifies.
    if (static_cast<uint64_t>(count) > in_.size() / 7 + 1) {
      return Status::corruption(fmt::format("record batch: {} records cannot fit in {} bytes", count, in_.size()));
    }
    out.reserve(static_cast<size_t>(count));
    for (int32_t i = 0; i < count; ++i) {
      Record record;
      Status status = parse_one(record);
      if (!status.is_ok()) return status.with_context(fmt::format("record {}", i));
      out.push_back(std::move(record));
    }
    if (!in_.empty()) {
      return Status::corruption(fmt::format("record batch: {} bytes after the last of {} records", in_.size(), count));
    }
    return Status::ok();
  }

 private:
  Result<int64_t> varint(const char* what) {
    auto v = read_varint(in_);
    if (!v) return Status::corruption(fmt::format("truncated or overlong varint ({})", what));
    return *v;
  }

  Result<int32_t> varint32(const char* what) {
    LOCH_ASSIGN_OR_RETURN(int64_t v, varint(what));
    if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
      return Status::corruption(fmt::format("{} {} does not fit 32 bits", what, v));
    }
    return static_cast<int32_t>(v);
  }

  // A varint length then that many bytes; -1 is null.
  Result<std::optional<std::string>> nullable_bytes(std::string_view& in, const char* what) {
    auto length = read_varint(in);
    if (!length) return Status::corruption(fmt::format("truncated {} length", what));
    if (*length == -1) return std::optional<std::string>();
    if (*length < 0 || static_cast<uint64_t>(*length) > in.size()) {
      return Status::corruption(fmt::format("{} length {} with {} bytes left", what, *length, in.size()));
    }
    std::string bytes(in.substr(0, static_cast<size_t>(*length)));
    in.remove_prefix(static_cast<size_t>(*length));
    return std::optional<std::string>(std::move(bytes));
  }

  Status parse_one(Record& record) {
    LOCH_ASSIGN_OR_RETURN(int32_t length, varint32("record length"));
    if (length < 0 || static_cast<uint64_t>(length) > in_.size()) {
      return Status::corruption(fmt::format("record length {} with {} bytes left", length, in_.size()));
    }
    std::string_view body = in_.substr(0, static_cast<size_t>(length));
    in_.remove_prefix(static_cast<size_t>(length));
    if (body.empty()) return Status::corruption("empty record");
    record.attributes = static_cast<int8_t>(body[0]);
    body.remove_prefix(1);
    auto timestamp_delta = read_varint(body);
    if (!timestamp_delta) return Status::corruption("truncated timestamp delta");
    record.timestamp_delta = *timestamp_delta;
    auto offset_delta = read_varint(body);
    if (!offset_delta || *offset_delta < 0 || *offset_delta > std::numeric_limits<int32_t>::max()) {
      return Status::corruption("truncated or invalid offset delta");
    }
    record.offset_delta = static_cast<int32_t>(*offset_delta);
    LOCH_ASSIGN_OR_RETURN(record.key, nullable_bytes(body, "key"));
    LOCH_ASSIGN_OR_RETURN(record.value, nullable_bytes(body, "value"));
    auto header_count = read_varint(body);
    if (!header_count || *header_count < 0 || static_cast<uint64_t>(*header_count) > body.size() / 2) {
      return Status::corruption("truncated or invalid header count");
    }
    record.headers.reserve(static_cast<size_t>(*header_count));
    for (int64_t i = 0; i < *header_count; ++i) {
      RecordHeader header;
      LOCH_ASSIGN_OR_RETURN(auto key, nullable_bytes(body, "header key"));
      if (!key) return Status::corruption("null header key");
      header.key = std::move(*key);
      LOCH_ASSIGN_OR_RETURN(header.value, nullable_bytes(body, "header value"));
      record.headers.push_back(std::move(header));
    }
    if (!body.empty()) return Status::corruption(fmt::format("{} bytes after the record's headers", body.size()));
    return Status::ok();
  }

  std::string_view in_;
};

void append_nullable_bytes(std::string& out, const std::optional<std::string>& bytes) {
  if (!bytes) {
    append_varint(-1, out);
    return;
  }
  append_varint(static_cast<int64_t>(bytes->size()), out);
  out.append(*bytes);
}

void append_record(std::string& out, const Record& record, std::string& scratch) {
  scratch.clear();
  scratch += static_cast<char>(record.attributes);
  append_varint(record.timestamp_delta, scratch);
  append_varint(record.offset_delta, scratch);
  append_nullable_bytes(scratch, record.key);
  append_nullable_bytes(scratch, record.value);
  append_varint(static_cast<int64_t>(record.headers.size()), scratch);
  for (const RecordHeader& header : record.headers) {
    append_varint(static_cast<int64_t>(header.key.size()), scratch);
    scratch.append(header.key);
    append_nullable_bytes(scratch, header.value);
  }
  append_varint(static_cast<int64_t>(scratch.size()), out);
  out.append(scratch);
}

}  // namespace

Result<RecordBatchHeader> decode_record_batch_header(std::string_view bytes) {
  // Magic sits at the same byte in every format (v0/v1 message sets put it
  // after offset, size and a CRC too), so it is checked before anything else.
  if (bytes.size() > layout::kMagic) {
    const auto magic = static_cast<int8_t>(bytes[layout::kMagic]);
    if (magic == 0 || magic == 1) {
      return Status::not_supported(fmt::format(
          "record batch: legacy message set (magic {}) is not supported; loch reads record batches of magic 2 "
          "(Kafka 0.11+ clients, Produce v3+)",
          magic));
    }
    if (magic != 2) return Status::corruption(fmt::format("record batch: unknown magic {}", magic));
  }
  if (bytes.size() < layout::kHeaderSize) {
    return Status::corruption(fmt::format("record batch: truncated header: {} of {} bytes", bytes.size(), layout::kHeaderSize));
  }
  const char* p = bytes.data();
  RecordBatchHeader h;
  h.base_offset = static_cast<int64_t>(load_be(p + layout::kBaseOffset, 8));
  h.batch_length = static_cast<int32_t>(load_be(p + layout::kBatchLength, 4));
  h.partition_leader_epoch = static_cast<int32_t>(load_be(p + layout::kPartitionLeaderEpoch, 4));
  h.magic = static_cast<int8_t>(p[layout::kMagic]);
  h.crc = static_cast<uint32_t>(load_be(p + layout::kCrc, 4));
  h.attributes = static_cast<int16_t>(load_be(p + layout::kAttributes, 2));
  h.last_offset_delta = static_cast<int32_t>(load_be(p + layout::kLastOffsetDelta, 4));
  h.base_timestamp = static_cast<int64_t>(load_be(p + layout::kBaseTimestamp, 8));
  h.max_timestamp = static_cast<int64_t>(load_be(p + layout::kMaxTimestamp, 8));
  h.producer_id = static_cast<int64_t>(load_be(p + layout::kProducerId, 8));
  h.producer_epoch = static_cast<int16_t>(load_be(p + layout::kProducerEpoch, 2));
  h.base_sequence = static_cast<int32_t>(load_be(p + layout::kBaseSequence, 4));
  h.records_count = static_cast<int32_t>(load_be(p + layout::kRecordsCount, 4));
  if (h.batch_length < static_cast<int32_t>(layout::kHeaderSize - layout::kLogOverhead)) {
    return Status::corruption(fmt::format("record batch: batch length {} is shorter than the header", h.batch_length));
  }
  if (h.records_count < 0) return Status::corruption(fmt::format("record batch: negative record count {}", h.records_count));
  LOCH_RETURN_IF_ERROR(compression_codec_from_attributes(h.attributes).status());
  return h;
}

uint32_t compute_record_batch_crc(std::string_view batch) {
  return crc32c(batch.substr(layout::kAttributes));
}

Status verify_record_batch(std::string_view batch) {
  LOCH_ASSIGN_OR_RETURN(RecordBatchHeader header, decode_record_batch_header(batch));
  if (header.total_size() != batch.size()) {
    return Status::corruption(
        fmt::format("record batch: batch length says {} bytes, the batch has {}", header.total_size(), batch.size()));
  }
  const uint32_t actual = compute_record_batch_crc(batch);
  if (actual != header.crc) {
    return Status::corruption(fmt::format("record batch at offset {}: CRC-32C mismatch (stored {:08x}, computed {:08x})",
                                          header.base_offset, header.crc, actual));
  }
  return Status::ok();
}

Result<std::vector<std::string_view>> split_record_batches(std::string_view records, bool allow_partial_tail) {
  std::vector<std::string_view> batches;
  size_t position = 0;
  while (position < records.size()) {
    const std::string_view rest = records.substr(position);
    auto header = decode_record_batch_header(rest);
    if (!header.is_ok()) {
      if (allow_partial_tail && rest.size() < layout::kHeaderSize && header.status().code() == StatusCode::kCorruption) break;
      return header.status().with_context(fmt::format("batch at byte {}", position));
    }
    if (header->total_size() > rest.size()) {
      if (allow_partial_tail) break;
      return Status::corruption(fmt::format("batch at byte {}: batch length says {} bytes, {} left", position,
                                            header->total_size(), rest.size()));
    }
    batches.push_back(rest.substr(0, header->total_size()));
    position += header->total_size();
  }
  return batches;
}

Result<RecordBatch> decode_record_batch(std::string_view batch, size_t max_decompressed_bytes) {
  LOCH_RETURN_IF_ERROR(verify_record_batch(batch));
  RecordBatch result;
  LOCH_ASSIGN_OR_RETURN(result.header, decode_record_batch_header(batch));
  const std::string_view payload = batch.substr(layout::kHeaderSize);
  const CompressionCodec codec = result.header.compression();
  Status parsed;
  if (codec == CompressionCodec::kNone) {
    parsed = RecordParser(payload).parse(result.header.records_count, result.records);
  } else {
    auto plain = decompress(codec, payload, max_decompressed_bytes);
    if (!plain.is_ok()) return plain.status().with_context("record batch");
    parsed = RecordParser(*plain).parse(result.header.records_count, result.records);
  }
  if (!parsed.is_ok()) return parsed.with_context(fmt::format("record batch at offset {}", result.header.base_offset));
  return result;
}

Result<std::string> encode_record_batch(const RecordBatchHeader& header, const std::vector<Record>& records,
                                        CompressionCodec codec) {
  if (records.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    return Status::invalid_argument("record batch: too many records");
  }
  std::string plain;
  std::string scratch;
  int32_t last_offset_delta = header.last_offset_delta;
  if (!records.empty()) last_offset_delta = 0;
  for (const Record& record : records) {
    append_record(plain, record, scratch);
    last_offset_delta = std::max(last_offset_delta, record.offset_delta);
  }
  std::string payload;
  if (codec == CompressionCodec::kNone) {
    payload = std::move(plain);
  } else {
    LOCH_ASSIGN_OR_RETURN(payload, compress(codec, plain));
  }
  const size_t total = layout::kHeaderSize + payload.size();
  if (total - layout::kLogOverhead > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    return Status::invalid_argument("record batch: larger than 2 GiB");
  }
  const auto attributes = static_cast<int16_t>((header.attributes & ~kCompressionMask) | static_cast<int16_t>(codec));
  std::string out;
  out.reserve(total);
  append_be(out, static_cast<uint64_t>(header.base_offset), 8);
  append_be(out, total - layout::kLogOverhead, 4);
  append_be(out, static_cast<uint32_t>(header.partition_leader_epoch), 4);
  out += static_cast<char>(2);
  append_be(out, 0, 4);  // CRC, filled in below
  append_be(out, static_cast<uint16_t>(attributes), 2);
  append_be(out, static_cast<uint32_t>(last_offset_delta), 4);
  append_be(out, static_cast<uint64_t>(header.base_timestamp), 8);
  append_be(out, static_cast<uint64_t>(header.max_timestamp), 8);
  append_be(out, static_cast<uint64_t>(header.producer_id), 8);
  append_be(out, static_cast<uint16_t>(header.producer_epoch), 2);
  append_be(out, static_cast<uint32_t>(header.base_sequence), 4);
  append_be(out, static_cast<uint32_t>(records.size()), 4);
  out.append(payload);
  store_be(out.data() + layout::kCrc, compute_record_batch_crc(out), 4);
  return out;
}

void set_record_batch_base_offset(std::span<char> batch, int64_t base_offset) {
  store_be(batch.data() + layout::kBaseOffset, static_cast<uint64_t>(base_offset), 8);
}

void set_record_batch_partition_leader_epoch(std::span<char> batch, int32_t epoch) {
  store_be(batch.data() + layout::kPartitionLeaderEpoch, static_cast<uint32_t>(epoch), 4);
}

void set_record_batch_log_append_time(std::span<char> batch, int64_t max_timestamp) {
  char* p = batch.data();
  const auto attributes = static_cast<uint16_t>(load_be(p + layout::kAttributes, 2) | kTimestampTypeBit);
  store_be(p + layout::kAttributes, attributes, 2);
  store_be(p + layout::kMaxTimestamp, static_cast<uint64_t>(max_timestamp), 8);
  store_be(p + layout::kCrc, compute_record_batch_crc(std::string_view(batch.data(), batch.size())), 4);
}

}  // namespace loch::kafka
