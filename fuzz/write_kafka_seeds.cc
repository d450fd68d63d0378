// Writes a seed corpus for kafka_request_fuzzer: one frame (without the size
// prefix, as the fuzzer takes it) per request API, version and fill seed,
// every field of the version filled (generated sample_requests.cc); and for
// kafka_record_batch_fuzzer, record batches written with every codec.
// usage: write_kafka_seeds REQUEST_DIR [BATCH_DIR]
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "collect/kafka/protocol/api_registry.h"
#include "collect/kafka/protocol/record_batch.h"

namespace loch::kafka {
std::string sample_request_frame(int16_t api_key, int16_t version, int seed);
}

int main(int argc, char** argv) {
  if (argc != 2 && argc != 3) {
    std::fprintf(stderr, "usage: %s REQUEST_DIR [BATCH_DIR]\n", argv[0]);
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
  if (argc == 3) {
    using loch::kafka::CompressionCodec;
    for (CompressionCodec codec : {CompressionCodec::kNone, CompressionCodec::kGzip, CompressionCodec::kSnappy,
                                   CompressionCodec::kLz4, CompressionCodec::kZstd}) {
      std::vector<loch::kafka::Record> records(3);
      for (int i = 0; i < 3; ++i) {
        records[i].offset_delta = i;
        records[i].key = "key" + std::to_string(i);
        if (i != 1) records[i].value = "value value value " + std::to_string(i);
        if (i == 2) records[i].headers.push_back({"h", std::string("v")});
      }
      auto batch = loch::kafka::encode_record_batch(loch::kafka::RecordBatchHeader{}, records, codec);
      if (!batch.is_ok()) return 1;
      std::ofstream(std::string(argv[2]) + "/batch-" + std::string(loch::kafka::compression_codec_name(codec)),
                    std::ios::binary)
          .write(batch->data(), static_cast<std::streamsize>(batch->size()));
    }
    std::printf("wrote 5 record batches to %s\n", argv[2]);
  }
  return 0;
}
