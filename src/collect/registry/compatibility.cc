#include "collect/registry/compatibility.h"

#include <fmt/format.h>

namespace loch::registry {

CompatibilityReport check_compatibility(CompatibilityLevel level, const ParsedSchema& candidate,
                                        const std::vector<VersionedSchema>& previous) {
  CompatibilityReport report;
  if (level == CompatibilityLevel::kNone || previous.empty()) return report;
  const size_t first = is_transitive(level) ? 0 : previous.size() - 1;
  // Newest first, so the most relevant conflict is reported first.
  for (size_t i = previous.size(); i-- > first;) {
    const VersionedSchema& old = previous[i];
    std::vector<std::string> differences;
    if (checks_backward(level)) differences = candidate.read_differences(*old.schema, /*reader_is_new=*/true);
    if (checks_forward(level)) {
      std::vector<std::string> forward = old.schema->read_differences(candidate, /*reader_is_new=*/false);
      differences.insert(differences.end(), forward.begin(), forward.end());
    }
    if (differences.empty()) continue;
    report.is_compatible = false;
    report.messages.insert(report.messages.end(), differences.begin(), differences.end());
    report.messages.push_back(fmt::format("{{oldSchemaVersion: {}}}", old.version));
    report.messages.push_back(fmt::format("{{oldSchema: '{}'}}", old.schema->canonical()));
    report.messages.push_back(fmt::format("{{compatibility: '{}'}}", compatibility_level_name(level)));
  }
  return report;
}

}  // namespace loch::registry
