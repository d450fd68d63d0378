#include "cli/common_options.h"

namespace loch::cli {

void add_common_options(CLI::App* command, Settings& settings, CommonOptions& options) {
  // `loch topic create|alter` take Kafka's --config name=value for topic
  // settings; their loch.yaml is then $LOCH_CONFIG or ./loch.yaml.
  if (command->get_option_no_throw("--config") == nullptr) {
    command->add_option("--config", options.config_path,
                        "Configuration file (YAML)  [default: $LOCH_CONFIG, else ./loch.yaml if it exists]");
  }
  settings.add(command, "--data-dir", "data_dir", &options.data_dir,
               "Data directory: lake/, kafka/, state/, meta/");
  settings.add(command, "--log-level", "log.level", &options.log.level,
               "Log level: trace, debug, info, warn, error, off");
  settings.add(command, "--log-format", "log.format", &options.log.format, "Log format: text or json (one object a line)");
}

Status finish_common_options(Settings& settings, CommonOptions& options) {
  LOCH_RETURN_IF_ERROR(settings.apply_lower_layers(options.config_path));
  return init_logging(options.log);
}

}  // namespace loch::cli
