// WireReader: a bounds-checked cursor over Kafka wire bytes.
//
// Generated decoders call it field by field. The first failure (truncation,
// a negative or oversized length, a null where the version forbids one) is
// sticky: every later read returns a zero value and reads nothing, so a
// decoder can check ok() once per loop step or per struct rather than after
// every field. A reader never reads outside the span it was given, and every
// length it accepts is checked against the bytes that remain, so hostile
// input cannot make it allocate more than a small multiple of its size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "collect/kafka/protocol/wire_types.h"
#include "common/status.h"

namespace loch::kafka {

class WireReader {
 public:
  // `base_offset` is where `input` starts in the enclosing frame, so that
  // errors from a sub-reader (a tagged field) name the frame's byte offset.
  explicit WireReader(std::string_view input, size_t base_offset = 0)
      : input_(input), base_offset_(base_offset) {}

  bool ok() const { return error_.empty(); }
  size_t remaining() const { return input_.size() - position_; }
  size_t position() const { return base_offset_ + position_; }

  // Names the field being read, for error messages. `name` must outlive the
  // reader (generated code passes string literals).
  void set_field(const char* name) { field_ = name; }

  int8_t read_int8();
  int16_t read_int16();
  uint16_t read_uint16();
  int32_t read_int32();
  uint32_t read_uint32();
  int64_t read_int64();
  double read_float64();
  bool read_bool();
  Uuid read_uuid();
  // An unsigned varint that must fit 32 bits (lengths, tags, counts).
  uint32_t read_uvarint32();

  // Classic strings have an int16 length, compact ones a uvarint length + 1.
  std::string read_string(bool compact);
  std::optional<std::string> read_nullable_string(bool compact);
  // Classic bytes (and records) have an int32 length.
  std::string read_bytes(bool compact);
  std::optional<std::string> read_nullable_bytes(bool compact);
  // The element count of an array, or -1 for a null array (only when
  // `nullable`). Fails when the count exceeds the bytes that remain: every
  // element of every Kafka array takes at least one byte.
  int32_t read_array_length(bool compact, bool nullable);
  // The int8 marker before a nullable struct: true when a struct follows.
  bool read_struct_presence();

  // Takes the next `size` bytes as they are.
  std::string_view read_raw(size_t size);

  // Records `message` as the failure unless one is already recorded.
  void fail(std::string_view message);
  // Adopts the failure of a sub-reader created over part of this input.
  void absorb(const WireReader& sub);

  // Ok, or Corruption("<what>: <message> (field <f>, byte <n>)").
  Status status(std::string_view what) const;

 private:
  bool need(size_t size);
  std::optional<size_t> read_length(bool compact, bool wide, bool nullable);

  std::string_view input_;
  size_t base_offset_ = 0;
  size_t position_ = 0;
  const char* field_ = nullptr;
  std::string error_;
  size_t error_position_ = 0;
  const char* error_field_ = nullptr;
};

}  // namespace loch::kafka
