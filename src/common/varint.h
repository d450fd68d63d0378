// Variable-length integers as Kafka and Protocol Buffers write them:
// unsigned LEB128 (7 bits a byte, low first) and zig-zag for signed values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace loch {

inline uint32_t zigzag_encode32(int32_t v) { return (static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31); }
inline uint64_t zigzag_encode64(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
inline int32_t zigzag_decode32(uint32_t v) { return static_cast<int32_t>(v >> 1) ^ -static_cast<int32_t>(v & 1); }
inline int64_t zigzag_decode64(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

inline void append_uvarint(uint64_t v, std::string& out) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}
inline void append_varint(int64_t v, std::string& out) { append_uvarint(zigzag_encode64(v), out); }

// Reads an unsigned varint of at most `max_bytes` bytes from the front of
// `in`, advancing it; std::nullopt when it is truncated or too long.
inline std::optional<uint64_t> read_uvarint(std::string_view& in, int max_bytes = 10) {
  uint64_t value = 0;
  for (int i = 0; i < max_bytes; ++i) {
    if (static_cast<size_t>(i) >= in.size()) return std::nullopt;
    uint8_t byte = static_cast<uint8_t>(in[i]);
    value |= static_cast<uint64_t>(byte & 0x7F) << (7 * i);
    if ((byte & 0x80) == 0) {
      in.remove_prefix(i + 1);
      return value;
    }
  }
  return std::nullopt;
}
inline std::optional<int64_t> read_varint(std::string_view& in) {
  auto raw = read_uvarint(in, 10);
  if (!raw) return std::nullopt;
  return zigzag_decode64(*raw);
}

}  // namespace loch
