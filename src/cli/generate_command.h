// `loch generate`: the streaming-first shop's events (clicks, orders,
// customers under CDC) produced to topics at a chosen rate, and/or written
// as a reference file for checking pipelines with plain DuckDB SQL.
#pragma once

#include <CLI/CLI.hpp>

#include "common/settings.h"

namespace loch::cli {

void register_generate_command(CLI::App& app, Settings& settings, int* exit_code);

}  // namespace loch::cli
