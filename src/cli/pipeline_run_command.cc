// `loch pipeline run`: see pipeline_run_command.h.
#include "cli/pipeline_run_command.h"

#include <atomic>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>

#include "cli/kafka_client_options.h"
#include "cli/registry_decoders.h"
#include "common/shutdown.h"
#include "process/runner/pipeline_runner.h"

namespace loch::cli {
namespace {

struct RunCommandOptions {
  KafkaClientOptions client;
  std::string project = ".";
  std::vector<std::string> names;
  bool all = false;
  std::string trigger;  // empty: each definition's own
  std::string registry_url = kDefaultRegistryUrl;
};

Result<std::optional<pipeline::TriggerDefinition>> trigger_override(const std::string& text) {
  if (text.empty()) return std::optional<pipeline::TriggerDefinition>{};
  pipeline::TriggerDefinition trigger;
  if (text == "available-now") {
    trigger.kind = pipeline::TriggerDefinition::Kind::kAvailableNow;
  } else if (text == "continuous") {
    trigger.kind = pipeline::TriggerDefinition::Kind::kContinuous;
  } else {
    auto interval = pipeline::parse_duration_ms(text);
    if (!interval.is_ok()) {
      return Status::invalid_argument("--trigger: '" + text + "' is not available-now, continuous or an interval (" +
                                      interval.status().message() + ")");
    }
    trigger.interval_ms = *interval;
  }
  return std::optional<pipeline::TriggerDefinition>{trigger};
}

Status run_pipelines(const RunCommandOptions& options) {
  LOCH_ASSIGN_OR_RETURN(auto pipelines, pipeline::load_project_pipelines(options.project));
  std::vector<const pipeline::PipelineDefinition*> chosen;
  if (options.all) {
    if (!options.names.empty()) return Status::invalid_argument("give pipeline names or --all, not both");
    for (const auto& p : pipelines) chosen.push_back(&p);
  } else {
    if (options.names.empty()) return Status::invalid_argument("name a pipeline to run, or --all");
    for (const std::string& name : options.names) {
      auto it = std::find_if(pipelines.begin(), pipelines.end(), [&](const auto& p) { return p.name == name; });
      if (it == pipelines.end()) {
        return Status::not_found("no pipeline '" + name + "' in " + options.project + "/pipelines");
      }
      chosen.push_back(&*it);
    }
  }
  LOCH_ASSIGN_OR_RETURN(auto client_config, options.client.client_config());
  runner::RunOptions run_options;
  run_options.data_dir = options.client.common.data_dir;
  run_options.default_bootstrap = options.client.bootstrap;
  for (const auto& [name, value] : client_config.properties) run_options.extra_properties[name] = value;
  LOCH_ASSIGN_OR_RETURN(run_options.trigger, trigger_override(options.trigger));
  run_options.default_registry = options.registry_url;
  run_options.registry_decoders = registry_decoder_cache;
  std::mutex output;
  run_options.on_batch = [&output](const runner::BatchReport& report) {
    std::lock_guard lock(output);
    std::cout << runner::format_batch_report(report) << std::endl;
  };

  // One thread per pipeline: each has its own source, DuckDB and state, and
  // a failing one does not stop the others.
  std::vector<Status> results(chosen.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < chosen.size(); ++i) {
    threads.emplace_back([&, i] {
      results[i] = runner::run_pipeline(*chosen[i], run_options);
      std::lock_guard lock(output);
      if (results[i].is_ok()) {
        std::cout << chosen[i]->name << " stopped" << std::endl;
      } else {
        std::cerr << chosen[i]->name << " failed: " << results[i].message() << std::endl;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  int failed = 0;
  for (const Status& status : results) failed += status.is_ok() ? 0 : 1;
  if (failed > 0) {
    if (chosen.size() == 1) return results[0];
    return Status::aborted(std::to_string(failed) + " of " + std::to_string(chosen.size()) + " pipelines failed");
  }
  return Status::ok();
}

}  // namespace

void register_pipeline_run_command(CLI::App* pipeline_command, Settings& settings, int* exit_code) {
  auto options = std::make_shared<RunCommandOptions>();
  CLI::App* run = pipeline_command->add_subcommand(
      "run", "Run pipelines from their topics into their Delta tables (exactly once), one progress line per batch");
  run->add_option("names", options->names, "Pipeline names");
  run->add_flag("--all", options->all, "Run every pipeline of the project, each in its own thread");
  run->add_option("-p,--project", options->project, "Project directory (holding pipelines/)")->capture_default_str();
  run->add_option("--trigger", options->trigger,
                  "available-now (read what is there, then stop), continuous, or an interval such as 10s "
                  "(default: each pipeline's own trigger)");
  settings.add(run, "--registry-url,--registry", "registry.url", &options->registry_url,
               "Schema registry for avro/json/protobuf formats whose definition names none");
  add_kafka_client_options(run, settings, options->client);
  run->callback([options, &settings, exit_code] {
    *exit_code = run_kafka_command("pipeline run", settings, options->client, [&] { return run_pipelines(*options); });
  });
}

}  // namespace loch::cli
