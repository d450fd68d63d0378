// Process-wide logging through spdlog, to stderr, as text or JSON lines.
#pragma once

#include <string>

#include "common/status.h"

namespace loch {

struct LogOptions {
  std::string level = "warn";   // trace, debug, info, warn, error, off
  std::string format = "text";  // text | json (one object a line: time, level, msg)
};

// Configures the default spdlog logger. Safe to call more than once.
Status init_logging(const LogOptions& options);

}  // namespace loch
