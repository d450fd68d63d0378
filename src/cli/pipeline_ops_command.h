// `loch pipeline start|stop|status` (pipelines hosted by a running `loch
// serve --project`, through its HTTP API) and `loch pipeline replay|backfill`
// (standalone, on the data directory) (doc/pipelines.md, "Operations").
#pragma once

#include <CLI/CLI.hpp>

#include "common/settings.h"

namespace loch::cli {

// Adds start, stop, status, replay and backfill under the `pipeline` command.
void register_pipeline_ops_commands(CLI::App* pipeline_command, Settings& settings, int* exit_code);

}  // namespace loch::cli
