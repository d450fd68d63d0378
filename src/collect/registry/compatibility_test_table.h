// Test helper: runs one schema change (old -> new) through every
// compatibility level and checks the verdict each level must give, from the
// two facts a case states: can the new schema read old data (backward), can
// the old schema read new data (forward).
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "collect/registry/compatibility.h"
#include "collect/registry/parsed_schema.h"

namespace loch::registry::testing {

struct CompatibilityCase {
  const char* name;
  std::string old_schema;
  std::string new_schema;
  bool backward;  // new reads data written with old
  bool forward;   // old reads data written with new
};

inline const CompatibilityLevel kAllLevels[] = {
    CompatibilityLevel::kBackward, CompatibilityLevel::kBackwardTransitive, CompatibilityLevel::kForward,
    CompatibilityLevel::kForwardTransitive, CompatibilityLevel::kFull, CompatibilityLevel::kFullTransitive,
    CompatibilityLevel::kNone,
};

inline bool expected_verdict(CompatibilityLevel level, bool backward, bool forward) {
  return (!checks_backward(level) || backward) && (!checks_forward(level) || forward);
}

inline void expect_case_at_every_level(SchemaType type, const CompatibilityCase& c) {
  SCOPED_TRACE(c.name);
  auto old_schema = parse_schema(type, c.old_schema, {});
  ASSERT_TRUE(old_schema.is_ok()) << old_schema.status().to_string();
  auto new_schema = parse_schema(type, c.new_schema, {});
  ASSERT_TRUE(new_schema.is_ok()) << new_schema.status().to_string();
  for (CompatibilityLevel level : kAllLevels) {
    const CompatibilityReport report = check_compatibility(level, **new_schema, {{1, old_schema->get()}});
    const bool expected = expected_verdict(level, c.backward, c.forward);
    std::string messages;
    for (const std::string& message : report.messages) messages += message + "\n";
    EXPECT_EQ(report.is_compatible, expected) << compatibility_level_name(level) << "\n" << messages;
    EXPECT_EQ(report.messages.empty(), expected) << compatibility_level_name(level);
  }
}

// v1, v2, v3 where v3 is compatible with v2 but not with v1 in the backward
// direction: the plain level passes, the transitive one fails.
inline void expect_transitive_levels_look_at_every_version(SchemaType type, const std::string& v1,
                                                           const std::string& v2, const std::string& v3) {
  auto s1 = parse_schema(type, v1, {});
  auto s2 = parse_schema(type, v2, {});
  auto s3 = parse_schema(type, v3, {});
  ASSERT_TRUE(s1.is_ok() && s2.is_ok() && s3.is_ok());
  const std::vector<VersionedSchema> history = {{1, s1->get()}, {2, s2->get()}};
  EXPECT_TRUE(check_compatibility(CompatibilityLevel::kBackward, **s3, history).is_compatible);
  const CompatibilityReport transitive = check_compatibility(CompatibilityLevel::kBackwardTransitive, **s3, history);
  EXPECT_FALSE(transitive.is_compatible);
  bool names_version_1 = false;
  for (const std::string& message : transitive.messages) names_version_1 |= message == "{oldSchemaVersion: 1}";
  EXPECT_TRUE(names_version_1);
}

}  // namespace loch::registry::testing
