// libFuzzer target: one Kafka request frame (the bytes after the size
// prefix) as a broker receives it from an untrusted client.
//
// Properties checked, beyond "no crash, no out-of-bounds read, no UB":
// - a frame whose header decodes has its body decoded by the generated
//   codec of its API key and version, or refused with a Status;
// - a body that decodes re-encodes to bytes that decode again, and those
//   re-encode to the very same bytes (encode . decode is idempotent), so the
//   encoder and decoder agree on every field the input reached.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "collect/kafka/protocol/request_frame.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view frame(reinterpret_cast<const char*>(data), size);
  auto parsed = loch::kafka::decode_request_frame(frame);
  if (!parsed.is_ok()) return 0;
  const int16_t key = parsed->api_key();
  const int16_t version = parsed->api_version();
  auto once = loch::kafka::reencode_request(key, version, parsed->body);
  if (!once.is_ok()) return 0;
  auto twice = loch::kafka::reencode_request(key, version, *once);
  if (!twice.is_ok()) {
    std::fprintf(stderr, "re-encoded request %d v%d does not decode: %s\n", key, version,
                 twice.status().to_string().c_str());
    std::abort();
  }
  if (*twice != *once) {
    std::fprintf(stderr, "request %d v%d: encode(decode(x)) is not stable\n", key, version);
    std::abort();
  }
  return 0;
}
