// `loch sql`: SQL on an embedded DuckDB with the lake attached.
#pragma once

#include <CLI/CLI.hpp>

#include "common/settings.h"

namespace loch::cli {

// Adds the subcommand to `app`; it runs when the command line selects it and
// sets *exit_code.
void register_sql_command(CLI::App& app, Settings& settings, int* exit_code);

}  // namespace loch::cli
