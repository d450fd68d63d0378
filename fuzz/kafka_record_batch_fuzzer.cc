// libFuzzer target: one record batch as it arrives inside a Produce request
// (untrusted bytes that the broker verifies before storing them).
//
// The CRC of each batch is recomputed before decoding, so that mutations
// reach decompression and record parsing instead of stopping at the CRC
// check (which the unit tests cover).
//
// Properties: decode_record_batch never crashes or reads out of bounds, and
// never lets a batch decompress past its limit; a batch that decodes
// re-encodes (same header fields and codec) to a batch that decodes to the
// same records.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "collect/kafka/protocol/record_batch.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  auto batches = loch::kafka::split_record_batches(input, /*allow_partial_tail=*/true);
  if (!batches.is_ok()) return 0;
  for (std::string_view bytes : *batches) {
    const uint32_t crc = loch::kafka::compute_record_batch_crc(bytes);
    char* crc_field = input.data() + (bytes.data() - input.data()) + loch::kafka::batch_layout::kCrc;
    for (int i = 0; i < 4; ++i) crc_field[i] = static_cast<char>((crc >> (24 - 8 * i)) & 0xFF);
    auto batch = loch::kafka::decode_record_batch(bytes, /*max_decompressed_bytes=*/1 << 20);
    if (!batch.is_ok()) continue;
    auto encoded = loch::kafka::encode_record_batch(batch->header, batch->records, batch->header.compression());
    if (!encoded.is_ok()) {
      std::fprintf(stderr, "decoded batch does not encode: %s\n", encoded.status().to_string().c_str());
      std::abort();
    }
    auto again = loch::kafka::decode_record_batch(*encoded, 4 << 20);
    if (!again.is_ok() || again->records != batch->records) {
      std::fprintf(stderr, "re-encoded batch does not decode to the same records: %s\n",
                   again.status().to_string().c_str());
      std::abort();
    }
  }
  return 0;
}
