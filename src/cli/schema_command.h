// `loch schema register|get|list|check|delete`: the schema registry from the
// command line, as an HTTP client of Confluent's REST API, so the same
// commands work against `loch serve`, Confluent Schema Registry or Karapace.
#pragma once

#include <CLI/CLI.hpp>

#include "common/settings.h"

namespace loch::cli {

void register_schema_command(CLI::App& app, Settings& settings, int* exit_code);

}  // namespace loch::cli
