// `loch dlq list|inspect|replay TOPIC`: the dead-letter topic of a topic with
// a data contract (doc/registry-contracts.md).
#pragma once

#include <CLI/CLI.hpp>

#include "common/settings.h"

namespace loch::cli {

void register_dlq_command(CLI::App& app, Settings& settings, int* exit_code);

}  // namespace loch::cli
