#include "process/runner/window_upserts.h"

namespace loch::runner {

std::vector<std::string> window_upsert_keys(const pipeline::PipelineDefinition& definition) {
  if (!definition.sink.merge_keys.empty()) return definition.sink.merge_keys;
  std::vector<std::string> keys = definition.options.group_by;
  keys.push_back("window_start");
  return keys;
}

std::string window_upsert_input(const std::string& query, int64_t version) {
  return "SELECT *, CAST(" + std::to_string(version) + " AS BIGINT) AS _lsn FROM (" + query + ") AS window_updates";
}

}  // namespace loch::runner
