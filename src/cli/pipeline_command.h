// `loch pipeline list|preview`: the pipelines of a project directory
// (pipelines/*.yaml, doc/pipelines.md). `preview` reads what is in a
// pipeline's topics through its source, format and event-time options and
// reports what would happen to each record, without writing anything.
#pragma once

#include <CLI/CLI.hpp>

#include "common/settings.h"

namespace loch::cli {

void register_pipeline_command(CLI::App& app, Settings& settings, int* exit_code);

}  // namespace loch::cli
