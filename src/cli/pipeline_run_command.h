// `loch pipeline run NAME|--all`: runs pipelines of a project directory from
// their topics into their Delta tables, exactly once, printing one progress
// line per micro-batch (doc/pipelines.md, "Running pipelines").
#pragma once

#include <CLI/CLI.hpp>

#include "common/settings.h"

namespace loch::cli {

// Adds `run` under the `pipeline` command.
void register_pipeline_run_command(CLI::App* pipeline_command, Settings& settings, int* exit_code);

}  // namespace loch::cli
