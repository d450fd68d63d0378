// Helpers shared by the partition log's tests (header-only, test code only).
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "collect/kafka/log/record.h"

namespace loch::kafka::testing {

// A fresh directory under $TMPDIR, removed with everything in it.
class TemporaryDirectory {
 public:
  TemporaryDirectory() {
    std::string pattern = (std::filesystem::temp_directory_path() / "loch-kafka-log-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TemporaryDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A batch of `count` records "<prefix>-<i>" -> "value-<i>" stamped `timestamp`.
inline std::string batch_of(int count, int64_t timestamp, const std::string& prefix = "key") {
  std::vector<SimpleRecord> records;
  for (int i = 0; i < count; ++i) {
    records.push_back({prefix + "-" + std::to_string(i), "value-" + std::to_string(i)});
  }
  return make_record_batch(records, timestamp);
}

// Splits concatenated batches into their headers.
inline std::vector<RecordBatchHeader> headers_of(std::string_view bytes) {
  std::vector<RecordBatchHeader> headers;
  while (bytes.size() >= RecordBatchHeader::kSize) {
    auto header = RecordBatchHeader::parse(bytes);
    if (!header || header->total_size() > bytes.size()) break;
    headers.push_back(*header);
    bytes.remove_prefix(header->total_size());
  }
  return headers;
}

}  // namespace loch::kafka::testing
