// Options every loch command takes: configuration file, data directory and
// logging. Each command adds them to its own --help so that the help of the
// command you run shows every option it uses with its default.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "common/logging.h"
#include "common/settings.h"

namespace loch::cli {

struct CommonOptions {
  std::string config_path;  // --config: "" = LOCH_CONFIG, else ./loch.yaml if present
  std::string data_dir = "./loch-data";
  LogOptions log;
};

void add_common_options(CLI::App* command, Settings& settings, CommonOptions& options);

// Applies environment and file layers, then starts logging.
Status finish_common_options(Settings& settings, CommonOptions& options);

}  // namespace loch::cli
