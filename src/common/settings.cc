#include "common/settings.h"

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <sstream>

#include <yaml-cpp/yaml.h>

namespace loch {
namespace {

// The scalar at dotted `key` in `root`, if any.
std::optional<std::string> lookup(const YAML::Node& root, const std::string& key) {
  YAML::Node node = YAML::Clone(root);
  std::stringstream parts(key);
  std::string part;
  while (std::getline(parts, part, '.')) {
    if (!node.IsMap()) return std::nullopt;
    node = node[part];
    if (!node) return std::nullopt;
  }
  if (!node.IsScalar()) return std::nullopt;
  return node.as<std::string>();
}

Status set_from(CLI::Option* option, const std::string& value, const std::string& source) {
  try {
    option->clear();
    option->add_result(value);
    option->run_callback();
  } catch (const CLI::Error& e) {
    return Status::invalid_argument(source + ": bad value '" + value + "' for " + option->get_name() + ": " +
                                    e.what());
  }
  return Status::ok();
}

}  // namespace

std::string Settings::env_name(const std::string& key) {
  std::string name = "LOCH_";
  for (char c : key) name += (c == '.' || c == '-') ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

Status Settings::apply_lower_layers(const std::string& config_path) {
  std::string path = config_path;
  if (path.empty()) {
    if (const char* from_env = std::getenv("LOCH_CONFIG")) path = from_env;
  }
  bool required = !path.empty();
  if (path.empty()) path = "loch.yaml";

  YAML::Node file;
  if (std::filesystem::exists(path)) {
    try {
      file = YAML::LoadFile(path);
    } catch (const YAML::Exception& e) {
      return Status::invalid_argument(path + ": " + e.what());
    }
  } else if (required) {
    return Status::not_found("configuration file " + path + " does not exist");
  }

  for (const Binding& binding : bindings_) {
    if (binding.option->count() > 0) continue;  // the command line wins
    std::string env = env_name(binding.key);
    if (const char* value = std::getenv(env.c_str())) {
      LOCH_RETURN_IF_ERROR(set_from(binding.option, value, "environment variable " + env));
    } else if (auto value = lookup(file, binding.key)) {
      LOCH_RETURN_IF_ERROR(set_from(binding.option, *value, path + ": key " + binding.key));
    }
  }
  return Status::ok();
}

}  // namespace loch
