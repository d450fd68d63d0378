#include "collect/kafka/log/record.h"

#include <fmt/format.h>

#include "common/varint.h"

namespace loch::kafka {
namespace {

// A length-prefixed byte string whose length -1 means null.
bool read_nullable_bytes(std::string_view& in, std::optional<std::string>& out) {
  auto length = read_varint(in);
  if (!length) return false;
  if (*length < 0) {
    out.reset();
    return *length == -1;
  }
  if (static_cast<uint64_t>(*length) > in.size()) return false;
  out.emplace(in.substr(0, static_cast<size_t>(*length)));
  in.remove_prefix(static_cast<size_t>(*length));
  return true;
}

void append_nullable_bytes(const std::optional<std::string>& bytes, std::string& out) {
  if (!bytes) {
    append_varint(-1, out);
    return;
  }
  append_varint(static_cast<int64_t>(bytes->size()), out);
  out += *bytes;
}

// Cuts the next record off `in` and reads its leading fields into `r`
// (attributes, timestamp and offset deltas), leaving `body` at the key.
// Returns what is wrong with the record, nullptr when nothing is.
template <typename RecordOrView>
const char* read_record_start(std::string_view& in, std::string_view& body, RecordOrView& r) {
  auto length = read_varint(in);
  if (!length || *length < 0 || static_cast<uint64_t>(*length) > in.size()) return "bad length";
  body = in.substr(0, static_cast<size_t>(*length));
  in.remove_prefix(static_cast<size_t>(*length));
  if (body.empty()) return "no attributes";
  r.attributes = static_cast<int8_t>(body[0]);
  body.remove_prefix(1);
  auto ts = read_varint(body);
  auto od = read_varint(body);
  if (!ts || !od) return "bad timestamp or offset delta";
  r.timestamp_delta = *ts;
  r.offset_delta = static_cast<int32_t>(*od);
  return nullptr;
}

}  // namespace

Result<std::vector<Record>> decode_records(std::string_view batch, const Decompressor& decompress) {
  LOCH_ASSIGN_OR_RETURN(RecordBatchHeader h, RecordBatchHeader::parse(batch));
  if (h.batch_length < static_cast<int32_t>(RecordBatchHeader::kSize - RecordBatchHeader::kLengthFieldEnd) ||
      h.total_size() > batch.size() || h.records_count < 0) {
    return Status::corruption(fmt::format("record batch at offset {}: length {} beyond {} bytes", h.base_offset,
                                          h.batch_length, batch.size()));
  }
  std::string_view in = batch.substr(RecordBatchHeader::kSize, h.total_size() - RecordBatchHeader::kSize);
  std::string decompressed;
  if (h.is_compressed()) {
    if (!decompress) {
      return Status::not_supported(fmt::format("record batch at offset {} is compressed (codec {})", h.base_offset,
                                               h.compression()));
    }
    auto plain = decompress(h.compression(), in);
    if (!plain.is_ok()) return plain.status().with_context(fmt::format("record batch at offset {}", h.base_offset));
    decompressed = std::move(plain).value();
    in = decompressed;
  }
  auto corrupt = [&](int index, std::string_view what) {
    return Status::corruption(
        fmt::format("record batch at offset {}: record {}: {}", h.base_offset, index, what));
  };
  std::vector<Record> records;
  records.reserve(static_cast<size_t>(h.records_count));
  for (int i = 0; i < h.records_count; ++i) {
    Record r;
    std::string_view body;
    if (const char* wrong = read_record_start(in, body, r)) return corrupt(i, wrong);
    if (!read_nullable_bytes(body, r.key)) return corrupt(i, "bad key");
    if (!read_nullable_bytes(body, r.value)) return corrupt(i, "bad value");
    auto header_count = read_varint(body);
    if (!header_count || *header_count < 0) return corrupt(i, "bad header count");
    for (int64_t j = 0; j < *header_count; ++j) {
      std::optional<std::string> key;
      RecordHeader header;
      if (!read_nullable_bytes(body, key) || !key) return corrupt(i, "bad header key");
      header.key = std::move(*key);
      if (!read_nullable_bytes(body, header.value)) return corrupt(i, "bad header value");
      r.headers.push_back(std::move(header));
    }
    if (!body.empty()) return corrupt(i, "bytes left after the headers");
    records.push_back(std::move(r));
  }
  if (!in.empty()) return Status::corruption(fmt::format("record batch at offset {}: {} bytes after the last record",
                                                         h.base_offset, in.size()));
  return records;
}

Result<std::vector<RecordView>> decode_record_views(std::string_view in, int32_t count) {
  auto corrupt = [](int index, std::string_view what) {
    return Status::corruption(fmt::format("record {}: {}", index, what));
  };
  // A null or present byte string, read in place.
  auto read_bytes = [](std::string_view& body, std::optional<std::string_view>& out) {
    auto length = read_varint(body);
    if (!length) return false;
    if (*length < 0) {
      out.reset();
      return *length == -1;
    }
    if (static_cast<uint64_t>(*length) > body.size()) return false;
    out = body.substr(0, static_cast<size_t>(*length));
    body.remove_prefix(static_cast<size_t>(*length));
    return true;
  };
  if (count < 0) return Status::corruption(fmt::format("record count {}", count));
  std::vector<RecordView> records;
  records.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    std::string_view start = in;
    RecordView r;
    std::string_view body;
    if (const char* wrong = read_record_start(in, body, r)) return corrupt(i, wrong);
    r.wire = start.substr(0, start.size() - in.size());
    r.tail = body;
    if (!read_bytes(body, r.key)) return corrupt(i, "bad key");
    if (!read_bytes(body, r.value)) return corrupt(i, "bad value");
    auto header_count = read_varint(body);
    if (!header_count || *header_count < 0) return corrupt(i, "bad header count");
    for (int64_t j = 0; j < *header_count; ++j) {
      std::optional<std::string_view> key, value;
      if (!read_bytes(body, key) || !key) return corrupt(i, "bad header key");
      if (!read_bytes(body, value)) return corrupt(i, "bad header value");
    }
    if (!body.empty()) return corrupt(i, "bytes left after the headers");
    records.push_back(r);
  }
  if (!in.empty()) return Status::corruption(fmt::format("{} bytes after the last record", in.size()));
  return records;
}

Result<Record> to_record(const RecordView& view) {
  Record r;
  r.attributes = view.attributes;
  r.timestamp_delta = view.timestamp_delta;
  r.offset_delta = view.offset_delta;
  std::string_view body = view.tail;
  if (!read_nullable_bytes(body, r.key) || !read_nullable_bytes(body, r.value)) {
    return Status::corruption("record: bad key or value");
  }
  auto count = read_varint(body);
  if (!count || *count < 0) return Status::corruption("record: bad header count");
  for (int64_t j = 0; j < *count; ++j) {
    std::optional<std::string> key;
    RecordHeader header;
    if (!read_nullable_bytes(body, key) || !key) return Status::corruption("record: bad header key");
    header.key = std::move(*key);
    if (!read_nullable_bytes(body, header.value)) return Status::corruption("record: bad header value");
    r.headers.push_back(std::move(header));
  }
  return r;
}

void append_record_with_offset_delta(const RecordView& r, int32_t offset_delta, std::string& out) {
  // attributes (1) + two varints of at most 10 bytes each, on the stack.
  char head[21];
  size_t n = 0;
  auto put_varint = [&](int64_t v) {
    uint64_t z = zigzag_encode64(v);
    while (z >= 0x80) {
      head[n++] = static_cast<char>((z & 0x7F) | 0x80);
      z >>= 7;
    }
    head[n++] = static_cast<char>(z);
  };
  head[n++] = static_cast<char>(r.attributes);
  put_varint(r.timestamp_delta);
  put_varint(offset_delta);
  append_varint(static_cast<int64_t>(n + r.tail.size()), out);
  out.append(head, n);
  out += r.tail;
}

void append_record(const Record& r, std::string& out) {
  std::string body;
  body += static_cast<char>(r.attributes);
  append_varint(r.timestamp_delta, body);
  append_varint(r.offset_delta, body);
  append_nullable_bytes(r.key, body);
  append_nullable_bytes(r.value, body);
  append_varint(static_cast<int64_t>(r.headers.size()), body);
  for (const RecordHeader& header : r.headers) {
    append_varint(static_cast<int64_t>(header.key.size()), body);
    body += header.key;
    append_nullable_bytes(header.value, body);
  }
  append_varint(static_cast<int64_t>(body.size()), out);
  out += body;
}

std::string encode_record_batch(RecordBatchHeader header, const std::vector<Record>& records) {
  std::string batch(RecordBatchHeader::kSize, '\0');
  for (const Record& r : records) append_record(r, batch);
  header.magic = RecordBatchHeader::kMagicV2;
  header.attributes = static_cast<int16_t>(header.attributes & ~RecordBatchHeader::kCompressionMask);
  header.batch_length = static_cast<int32_t>(batch.size() - RecordBatchHeader::kLengthFieldEnd);
  header.records_count = static_cast<int32_t>(records.size());
  header.crc = 0;
  header.write_to(batch.data());
  put_be32(batch.data() + RecordBatchHeader::kCrcPos, compute_batch_crc(batch));
  return batch;
}

std::string make_record_batch(const std::vector<SimpleRecord>& records, int64_t timestamp) {
  std::vector<Record> full;
  full.reserve(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    Record r;
    r.offset_delta = static_cast<int32_t>(i);
    r.key = records[i].key;
    r.value = records[i].value;
    full.push_back(std::move(r));
  }
  RecordBatchHeader h;
  h.last_offset_delta = records.empty() ? 0 : static_cast<int32_t>(records.size() - 1);
  h.base_timestamp = timestamp;
  h.max_timestamp = timestamp;
  return encode_record_batch(h, full);
}

}  // namespace loch::kafka
