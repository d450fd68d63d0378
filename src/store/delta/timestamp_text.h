// Timestamps written as text in a Delta log: partition values
// ("2024-05-01 12:00:00[.ffffff]" or ISO 8601 "2024-05-01T12:00:00.123456Z"),
// statistics ("2024-05-01T12:00:00.123+02:00", truncated to milliseconds)
// and the literals of a query (TIMESTAMP '2024-05-01 12:00', '2024-05-01').
// Data skipping compares them as microseconds since the Unix epoch.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace loch::delta {

struct TimestampText {
  int64_t micros = 0;      // since 1970-01-01 00:00:00 in the text's zone, or UTC when it has one
  bool has_zone = false;   // the text ended in Z or a ±hh[:mm] offset (already applied to micros)
};

// Parses "YYYY-MM-DD", optionally followed by ' ' or 'T', "hh:mm[:ss[.f...]]"
// (up to 9 fraction digits, kept to microseconds) and a zone (Z, ±hh,
// ±hhmm, ±hh:mm). Nothing else is accepted: not a timestamp, nullopt.
std::optional<TimestampText> parse_timestamp_text(std::string_view text);

}  // namespace loch::delta
