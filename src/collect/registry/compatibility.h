// Compatibility levels applied to a candidate schema and a subject's history.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "collect/registry/parsed_schema.h"
#include "collect/registry/registry_types.h"

namespace loch::registry {

struct CompatibilityReport {
  bool is_compatible = true;
  // Confluent-style lines: each difference, then {oldSchemaVersion: N},
  // {oldSchema: '...'} and {compatibility: 'LEVEL'} for the version it
  // was found against. Empty when compatible.
  std::vector<std::string> messages;
};

struct VersionedSchema {
  int32_t version = 0;
  const ParsedSchema* schema = nullptr;
};

// Checks `candidate` against `previous` (a subject's live versions, oldest
// first): the latest only, or all of them for *_TRANSITIVE levels.
// BACKWARD: candidate reads each previous; FORWARD: each previous reads the
// candidate; FULL: both; NONE: always compatible.
CompatibilityReport check_compatibility(CompatibilityLevel level, const ParsedSchema& candidate,
                                        const std::vector<VersionedSchema>& previous);

}  // namespace loch::registry
