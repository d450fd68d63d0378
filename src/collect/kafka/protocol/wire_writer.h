// WireWriter: appends Kafka wire encodings to a string.
//
// Encoding never fails. A string longer than its length prefix can express
// (32767 bytes for a classic string) is cut at that limit; no Kafka message
// loch sends carries such a string.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collect/kafka/protocol/wire_types.h"

namespace loch::kafka {

// Records fields whose bytes the caller writes after encoding (a Fetch
// response's batches read from the log straight into the output buffer, so
// they are copied once). Entries are taken in the order records fields are
// written: a size makes the writer emit the length prefix and reserve that
// many bytes, noting where they start in `positions`; nullopt writes the
// field's own value (and notes std::string::npos).
struct RecordsReservations {
  std::vector<std::optional<size_t>> sizes;
  std::vector<size_t> positions;
};

class WireWriter {
 public:
  explicit WireWriter(std::string& out, RecordsReservations* reservations = nullptr)
      : out_(out), reservations_(reservations) {}

  std::string& buffer() { return out_; }

  void write_int8(int8_t v) { out_ += static_cast<char>(v); }
  void write_int16(int16_t v) { write_big_endian(static_cast<uint16_t>(v), 2); }
  void write_uint16(uint16_t v) { write_big_endian(v, 2); }
  void write_int32(int32_t v) { write_big_endian(static_cast<uint32_t>(v), 4); }
  void write_uint32(uint32_t v) { write_big_endian(v, 4); }
  void write_int64(int64_t v) { write_big_endian(static_cast<uint64_t>(v), 8); }
  void write_float64(double v);
  void write_bool(bool v) { out_ += static_cast<char>(v ? 1 : 0); }
  void write_uuid(const Uuid& v) { out_.append(reinterpret_cast<const char*>(v.bytes.data()), v.bytes.size()); }
  void write_uvarint(uint64_t v);

  void write_string(std::string_view v, bool compact);
  void write_nullable_string(const std::optional<std::string>& v, bool compact);
  void write_bytes(std::string_view v, bool compact);
  void write_nullable_bytes(const std::optional<std::string>& v, bool compact);
  // A nullable `records` field: as write_nullable_bytes, or a reservation
  // (RecordsReservations) when the writer has one for this field.
  void write_records(const std::optional<std::string>& v, bool compact);
  void write_array_length(size_t count, bool compact);
  void write_null_array(bool compact);
  void write_raw(std::string_view bytes) { out_.append(bytes); }

  // A tagged-field section: the count, then (tag, size, data) per field.
  // `fields` must be sorted by tag, as KIP-482 requires.
  void write_tagged_fields(const std::vector<RawTaggedField>& fields);

  // Overwrites 4 bytes at `position` of `out` with `v` (a size prefix
  // written once the size is known).
  static void patch_int32(std::string& out, size_t position, int32_t v) {
    const auto u = static_cast<uint32_t>(v);
    for (int i = 0; i < 4; ++i) out[position + i] = static_cast<char>((u >> (24 - 8 * i)) & 0xFF);
  }

 private:
  void write_big_endian(uint64_t v, int size) {
    for (int shift = (size - 1) * 8; shift >= 0; shift -= 8) out_ += static_cast<char>((v >> shift) & 0xFF);
  }

  std::string& out_;
  RecordsReservations* reservations_;
};

}  // namespace loch::kafka
