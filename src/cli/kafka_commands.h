// The Kafka client commands: loch topic, produce, consume and group.
#pragma once

#include <CLI/CLI.hpp>

#include "common/settings.h"

namespace loch::cli {

void register_topic_command(CLI::App& app, Settings& settings, int* exit_code);
void register_produce_command(CLI::App& app, Settings& settings, int* exit_code);
void register_consume_command(CLI::App& app, Settings& settings, int* exit_code);
void register_group_command(CLI::App& app, Settings& settings, int* exit_code);
void register_txn_command(CLI::App& app, Settings& settings, int* exit_code);

}  // namespace loch::cli
