// Confluent's wire format for records whose schema lives in a registry
// (grammar: doc/registry-format.md):
//
//   record   = magic:u8(0) schema_id:u32be [message_indexes] payload
//   message_indexes (PROTOBUF only) = count:zigzag-varint index:zigzag-varint*count
//                                   | 0x00   (shortcut for the list [0])
//
// The indexes locate the message type inside the .proto file: the first
// number is the top-level message, each next one a nested message within it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace loch::registry {

inline constexpr uint8_t kWireMagicByte = 0;
inline constexpr size_t kWireHeaderSize = 5;

struct WireHeader {
  int32_t schema_id = 0;
  std::string_view payload;  // the bytes after the header (and after the indexes for Protobuf)
};

// Appends magic byte and big-endian id.
void append_wire_header(int32_t schema_id, std::string& out);

// Splits magic byte and id from the payload. Corruption when the record is
// shorter than 5 bytes or the magic byte is not 0.
Result<WireHeader> read_wire_header(std::string_view record);

// Appends Protobuf message indexes; {} and {0} are both written as the single
// byte 0, as Confluent's serializers do.
void append_message_indexes(const std::vector<int32_t>& indexes, std::string& out);

// Reads message indexes from the front of `in`, advancing it. The single
// byte 0 reads as {0}. Corruption on truncation, a negative count or index,
// or a count larger than the bytes left could hold.
Result<std::vector<int32_t>> read_message_indexes(std::string_view& in);

}  // namespace loch::registry
