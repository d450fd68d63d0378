// CRC-32C (Castagnoli), the checksum of Kafka record batches (magic v2) and
// of loch's own log formats. Uses the SSE4.2 crc32 instruction when the CPU
// has it, else a table.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace loch {

// Extends `crc` (0 to start) with `size` bytes at `data`.
uint32_t crc32c_extend(uint32_t crc, const void* data, size_t size);

inline uint32_t crc32c(const void* data, size_t size) { return crc32c_extend(0, data, size); }
inline uint32_t crc32c(std::string_view bytes) { return crc32c(bytes.data(), bytes.size()); }

}  // namespace loch
