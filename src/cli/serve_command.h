// `loch serve`: the long-running process that hosts the Kafka-compatible
// broker (and, as they arrive, the registry, pipelines and serving).
#pragma once

#include <CLI/CLI.hpp>

#include "common/settings.h"

namespace loch::cli {

void register_serve_command(CLI::App& app, Settings& settings, int* exit_code);

}  // namespace loch::cli
