// Writes a seed corpus for kafka_request_fuzzer: one frame (without the size
// prefix, as the fuzzer takes it) per request API, version and fill seed,
// every field of the version filled (generated sample_requests.cc).
// usage: write_kafka_seeds DIR
#include <cstdio>
#include <fstream>
#include <string>

#include "collect/kafka/protocol/api_registry.h"

namespace loch::kafka {
std::string sample_request_frame(int16_t api_key, int16_t version, int seed);
}

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  int written = 0;
  for (const loch::kafka::ApiInfo& api : loch::kafka::all_apis()) {
    for (int16_t version = api.min_version; version <= api.max_version; ++version) {
      for (int seed = 1; seed <= 2; ++seed) {
        const std::string frame = loch::kafka::sample_request_frame(api.api_key, version, seed);
        if (frame.size() <= 4) continue;
        const std::string path = std::string(argv[1]) + "/" + std::string(api.name) + "-v" + std::to_string(version) +
                                 "-" + std::to_string(seed);
        std::ofstream(path, std::ios::binary).write(frame.data() + 4, static_cast<std::streamsize>(frame.size() - 4));
        ++written;
      }
    }
  }
  std::printf("wrote %d seed frames to %s\n", written, argv[1]);
  return 0;
}
