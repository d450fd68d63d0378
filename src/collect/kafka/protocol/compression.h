// The compression codecs of Kafka record batches (attributes bits 0-2):
// gzip, snappy, lz4 and zstd, as Kafka clients write them
// (doc/kafka-protocol.md, "Compression").
//
// Decompression takes a limit on the output size, so a small hostile batch
// cannot expand into gigabytes (a "zip bomb"); exceeding it is an error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace loch::kafka {

enum class CompressionCodec : uint8_t {
  kNone = 0,
  kGzip = 1,
  kSnappy = 2,  // written with xerial framing (Java client, librdkafka); plain snappy is read too
  kLz4 = 3,     // the LZ4 frame format
  kZstd = 4,
};

// "none", "gzip", "snappy", "lz4", "zstd", or "unknown".
std::string_view compression_codec_name(CompressionCodec codec);

// The codec for attribute bits 0-2; NotSupported for 5-7.
Result<CompressionCodec> compression_codec_from_attributes(int16_t attributes);

inline constexpr size_t kDefaultMaxDecompressedBytes = size_t{256} << 20;

Result<std::string> compress(CompressionCodec codec, std::string_view input);
Result<std::string> decompress(CompressionCodec codec, std::string_view input,
                               size_t max_output_bytes = kDefaultMaxDecompressedBytes);

}  // namespace loch::kafka
