#include "process/pipeline/txn_offsets.h"

#include <charconv>

namespace loch::pipeline {

std::string txn_app_id(const std::string& pipeline, const SourcePartition& partition) {
  return pipeline + "/" + partition.topic + "/" + std::to_string(partition.partition);
}

Result<std::map<SourcePartition, int64_t>> next_offsets_from_txns(const std::map<std::string, int64_t>& txn_versions,
                                                                  const std::string& pipeline) {
  std::map<SourcePartition, int64_t> offsets;
  const std::string prefix = pipeline + "/";
  for (const auto& [app_id, version] : txn_versions) {
    if (!app_id.starts_with(prefix)) continue;
    std::string_view rest = std::string_view(app_id).substr(prefix.size());
    size_t slash = rest.rfind('/');
    int32_t partition = -1;
    bool parsed = false;
    if (slash != std::string_view::npos && slash > 0 && slash + 1 < rest.size()) {
      std::string_view digits = rest.substr(slash + 1);
      auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), partition);
      parsed = error == std::errc() && end == digits.data() + digits.size() && partition >= 0;
    }
    if (!parsed || rest.substr(0, slash).find('/') != std::string_view::npos) {
      return Status::corruption("txn appId '" + app_id + "' of pipeline " + pipeline +
                                " is not <pipeline>/<topic>/<partition>");
    }
    if (version < 0) {
      return Status::corruption("txn appId '" + app_id + "': negative offset " + std::to_string(version));
    }
    offsets[SourcePartition{std::string(rest.substr(0, slash)), partition}] = version;
  }
  return offsets;
}

}  // namespace loch::pipeline
