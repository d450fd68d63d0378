#include "collect/registry/wire_format.h"

#include <fmt/format.h>

#include "common/varint.h"

namespace loch::registry {

void append_wire_header(int32_t schema_id, std::string& out) {
  const uint32_t id = static_cast<uint32_t>(schema_id);
  out += static_cast<char>(kWireMagicByte);
  out += static_cast<char>((id >> 24) & 0xFF);
  out += static_cast<char>((id >> 16) & 0xFF);
  out += static_cast<char>((id >> 8) & 0xFF);
  out += static_cast<char>(id & 0xFF);
}

Result<WireHeader> read_wire_header(std::string_view record) {
  if (record.size() < kWireHeaderSize) {
    return Status::corruption(
        fmt::format("schema registry wire format: record of {} bytes is shorter than the 5-byte header", record.size()));
  }
  const auto byte = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(record[i])); };
  if (byte(0) != kWireMagicByte) {
    return Status::corruption(fmt::format("schema registry wire format: unknown magic byte {}", byte(0)));
  }
  WireHeader header;
  header.schema_id = static_cast<int32_t>((byte(1) << 24) | (byte(2) << 16) | (byte(3) << 8) | byte(4));
  header.payload = record.substr(kWireHeaderSize);
  return header;
}

void append_message_indexes(const std::vector<int32_t>& indexes, std::string& out) {
  if (indexes.empty() || (indexes.size() == 1 && indexes[0] == 0)) {
    out += '\0';
    return;
  }
  append_varint(static_cast<int64_t>(indexes.size()), out);
  for (int32_t index : indexes) append_varint(index, out);
}

Result<std::vector<int32_t>> read_message_indexes(std::string_view& in) {
  const auto count = read_varint(in);
  if (!count) return Status::corruption("protobuf message indexes: truncated count");
  if (*count == 0) return std::vector<int32_t>{0};
  // Each index takes at least one byte, which bounds a hostile count.
  if (*count < 0 || static_cast<uint64_t>(*count) > in.size()) {
    return Status::corruption(fmt::format("protobuf message indexes: bad count {}", *count));
  }
  std::vector<int32_t> indexes;
  indexes.reserve(static_cast<size_t>(*count));
  for (int64_t i = 0; i < *count; ++i) {
    const auto index = read_varint(in);
    if (!index) return Status::corruption("protobuf message indexes: truncated index");
    if (*index < 0 || *index > INT32_MAX) {
      return Status::corruption(fmt::format("protobuf message indexes: bad index {}", *index));
    }
    indexes.push_back(static_cast<int32_t>(*index));
  }
  return indexes;
}

}  // namespace loch::registry
