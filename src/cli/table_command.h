// `loch table check PATH`: verifies a Delta table (store/delta/table_check.h)
// and prints one line per problem with its file and version; exit code 1
// when there are problems.
#pragma once

#include <CLI/CLI.hpp>

#include "common/settings.h"

namespace loch::cli {

void register_table_command(CLI::App& app, Settings& settings, int* exit_code);

}  // namespace loch::cli
