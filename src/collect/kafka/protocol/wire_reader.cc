#include "collect/kafka/protocol/wire_reader.h"

#include <cstring>
#include <limits>

#include <fmt/format.h>

namespace loch::kafka {

bool WireReader::need(size_t size) {
  if (!ok()) return false;
  if (size > remaining()) {
    fail(fmt::format("truncated: need {} bytes, {} left", size, remaining()));
    return false;
  }
  return true;
}

void WireReader::fail(std::string_view message) {
  if (!ok()) return;
  error_ = message.empty() ? "malformed input" : std::string(message);
  error_position_ = position();
  error_field_ = field_;
  // Nothing more is read after a failure: later reads see an empty input.
  position_ = input_.size();
}

void WireReader::absorb(const WireReader& sub) {
  if (sub.ok() || !ok()) return;
  error_ = sub.error_;
  error_position_ = sub.error_position_;
  error_field_ = sub.error_field_;
  position_ = input_.size();
}

Status WireReader::status(std::string_view what) const {
  if (ok()) return Status::ok();
  std::string message = fmt::format("{}: {} at byte {}", what, error_, error_position_);
  if (error_field_ != nullptr) message += fmt::format(" (field {})", error_field_);
  return Status::corruption(std::move(message));
}

namespace {
uint64_t load_big_endian(const char* p, int size) {
  uint64_t v = 0;
  for (int i = 0; i < size; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}
}  // namespace

int8_t WireReader::read_int8() {
  if (!need(1)) return 0;
  return static_cast<int8_t>(input_[position_++]);
}
int16_t WireReader::read_int16() { return static_cast<int16_t>(read_uint16()); }
uint16_t WireReader::read_uint16() {
  if (!need(2)) return 0;
  auto v = static_cast<uint16_t>(load_big_endian(input_.data() + position_, 2));
  position_ += 2;
  return v;
}
int32_t WireReader::read_int32() { return static_cast<int32_t>(read_uint32()); }
uint32_t WireReader::read_uint32() {
  if (!need(4)) return 0;
  auto v = static_cast<uint32_t>(load_big_endian(input_.data() + position_, 4));
  position_ += 4;
  return v;
}
int64_t WireReader::read_int64() {
  if (!need(8)) return 0;
  auto v = static_cast<int64_t>(load_big_endian(input_.data() + position_, 8));
  position_ += 8;
  return v;
}
double WireReader::read_float64() {
  uint64_t bits = static_cast<uint64_t>(read_int64());
  double v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}
bool WireReader::read_bool() { return read_int8() != 0; }

Uuid WireReader::read_uuid() {
  Uuid id;
  if (!need(16)) return id;
  std::memcpy(id.bytes.data(), input_.data() + position_, 16);
  position_ += 16;
  return id;
}

uint32_t WireReader::read_uvarint32() {
  uint32_t value = 0;
  for (int i = 0; i < 5; ++i) {
    if (!need(1)) return 0;
    auto byte = static_cast<uint8_t>(input_[position_++]);
    if (i == 4 && byte > 0x0F) {
      fail("unsigned varint does not fit 32 bits");
      return 0;
    }
    value |= static_cast<uint32_t>(byte & 0x7F) << (7 * i);
    if ((byte & 0x80) == 0) return value;
  }
  fail("unsigned varint longer than 5 bytes");
  return 0;
}

std::optional<size_t> WireReader::read_length(bool compact, bool wide, bool nullable) {
  int64_t length;
  if (compact) {
    length = static_cast<int64_t>(read_uvarint32()) - 1;
  } else {
    length = wide ? read_int32() : read_int16();
  }
  if (!ok()) return std::nullopt;
  if (length == -1) {
    if (!nullable) fail("null where this version does not allow null");
    return std::nullopt;
  }
  if (length < 0) {
    fail(fmt::format("negative length {}", length));
    return std::nullopt;
  }
  if (static_cast<uint64_t>(length) > remaining()) {
    fail(fmt::format("length {} exceeds the {} bytes left", length, remaining()));
    return std::nullopt;
  }
  return static_cast<size_t>(length);
}

std::string WireReader::read_string(bool compact) {
  auto length = read_length(compact, /*wide=*/false, /*nullable=*/false);
  if (!length) return {};
  return std::string(read_raw(*length));
}

std::optional<std::string> WireReader::read_nullable_string(bool compact) {
  auto length = read_length(compact, /*wide=*/false, /*nullable=*/true);
  if (!length) return std::nullopt;
  return std::string(read_raw(*length));
}

std::string WireReader::read_bytes(bool compact) {
  auto length = read_length(compact, /*wide=*/true, /*nullable=*/false);
  if (!length) return {};
  return std::string(read_raw(*length));
}

std::optional<std::string> WireReader::read_nullable_bytes(bool compact) {
  auto length = read_length(compact, /*wide=*/true, /*nullable=*/true);
  if (!length) return std::nullopt;
  return std::string(read_raw(*length));
}

int32_t WireReader::read_array_length(bool compact, bool nullable) {
  auto length = read_length(compact, /*wide=*/true, nullable);
  if (!length) return -1;
  return static_cast<int32_t>(*length);
}

bool WireReader::read_struct_presence() {
  int8_t marker = read_int8();
  if (!ok()) return false;
  if (marker == -1) return false;
  if (marker != 1) fail(fmt::format("nullable struct marker {} is neither -1 nor 1", marker));
  return true;
}

std::string_view WireReader::read_raw(size_t size) {
  if (!need(size)) return {};
  std::string_view bytes = input_.substr(position_, size);
  position_ += size;
  return bytes;
}

}  // namespace loch::kafka
