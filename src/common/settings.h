// Settings: every user-settable option, from four layers in a fixed order of
// precedence (highest first):
//
//   1. a command-line flag          --data-dir /srv/lake
//   2. an environment variable      LOCH_DATA_DIR=/srv/lake
//   3. the configuration file       loch.yaml: `data_dir: /srv/lake`
//   4. the built-in default         shown by `loch <command> --help`
//
// The variable name is LOCH_ followed by the key in upper case, dots and
// dashes as underscores ("kafka.port" -> LOCH_KAFKA_PORT); a dotted key is a
// nested mapping in the file. The file is --config, else LOCH_CONFIG, else
// ./loch.yaml when it exists. See doc/configuration.md.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "common/status.h"

namespace loch {

class Settings {
 public:
  // Binds a flag of `command` to `target` (whose current value is the
  // built-in default) under configuration key `key`.
  template <typename T>
  CLI::Option* add(CLI::App* command, const std::string& flag, const std::string& key, T* target,
                   const std::string& help) {
    CLI::Option* option = command->add_option(flag, *target, help + "  (env " + env_name(key) + ")");
    option->capture_default_str();
    bindings_.push_back({key, option});
    return option;
  }

  // After the command line is parsed: fills each option the command line did
  // not give from the environment, then from the configuration file.
  // `config_path` is the --config value ("" when not given).
  Status apply_lower_layers(const std::string& config_path);

  static std::string env_name(const std::string& key);

 private:
  struct Binding {
    std::string key;
    CLI::Option* option;
  };
  std::vector<Binding> bindings_;
};

}  // namespace loch
