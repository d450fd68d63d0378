// `loch pipeline list|preview`: see pipeline_command.h.
#include "cli/pipeline_command.h"

#include <iostream>
#include <memory>

#include "cli/kafka_client_options.h"
#include "cli/pipeline_ops_command.h"
#include "cli/pipeline_run_command.h"
#include "cli/registry_decoders.h"
#include "common/shutdown.h"
#include "process/pipeline/event_time_engine.h"
#include "process/source/event_extractor.h"
#include "process/source/kafka_source.h"
#include "process/source/record_format.h"

namespace loch::cli {
namespace {

struct PipelineOptions {
  KafkaClientOptions client;
  std::string project = ".";
  std::string name;
  int64_t limit = 0;    // preview: stop after this many records (0: all that are there)
  int show_late = 0;    // preview: print the reasons of the first N late events
  std::string registry_url = kDefaultRegistryUrl;  // preview: for registry formats naming none
};

std::string_view trigger_text(const pipeline::TriggerDefinition& trigger, std::string& buffer) {
  switch (trigger.kind) {
    case pipeline::TriggerDefinition::Kind::kAvailableNow: return "available-now";
    case pipeline::TriggerDefinition::Kind::kContinuous: return "continuous";
    case pipeline::TriggerDefinition::Kind::kInterval:
      buffer = "every " + std::to_string(trigger.interval_ms) + " ms";
      return buffer;
  }
  return "?";
}

Status list_pipelines(const PipelineOptions& options) {
  LOCH_ASSIGN_OR_RETURN(auto pipelines, pipeline::load_project_pipelines(options.project));
  for (const pipeline::PipelineDefinition& p : pipelines) {
    std::string topics;
    for (const std::string& t : p.source.topics) topics += (topics.empty() ? "" : ",") + t;
    std::string buffer;
    std::cout << p.name << "\t" << topics << " -> " << p.sink.zone << "." << p.sink.table << "\t"
              << pipeline::record_format_name(p.format.type) << "\t" << trigger_text(p.trigger, buffer) << "\n";
  }
  return Status::ok();
}

Status preview_pipeline(const PipelineOptions& options) {
  LOCH_ASSIGN_OR_RETURN(auto pipelines, pipeline::load_project_pipelines(options.project));
  const pipeline::PipelineDefinition* definition = nullptr;
  for (const auto& p : pipelines) {
    if (p.name == options.name) definition = &p;
  }
  if (definition == nullptr) {
    return Status::not_found("no pipeline '" + options.name + "' in " + options.project + "/pipelines");
  }
  LOCH_ASSIGN_OR_RETURN(auto client_config, options.client.client_config());
  pipeline::SourceDefinition source_definition = definition->source;
  // -X settings of the command line add to (and override) the definition's.
  for (const auto& [name, value] : client_config.properties) source_definition.properties[name] = value;
  source::KafkaSourceOptions source_options;
  source_options.default_bootstrap_servers = options.client.bootstrap;
  LOCH_ASSIGN_OR_RETURN(auto kafka, source::KafkaSource::open(source_definition, source_options));
  LOCH_RETURN_IF_ERROR(kafka->assign({}));
  std::shared_ptr<decode::DecoderCache> registry;
  if (source::is_registry_format(definition->format.type)) {
    LOCH_ASSIGN_OR_RETURN(registry, registry_decoder_cache(definition->format.registry_url.empty()
                                                               ? options.registry_url
                                                               : definition->format.registry_url));
  }
  LOCH_ASSIGN_OR_RETURN(auto format, source::make_record_format(definition->format, std::move(registry)));

  std::optional<pipeline::EventTimeEngine> engine;
  std::optional<source::EventExtractor> extractor;  // made once the columns are known (registry formats: first record)
  if (auto spec = definition->event_time_spec()) {
    LOCH_ASSIGN_OR_RETURN(auto created, pipeline::EventTimeEngine::create(*spec));
    engine.emplace(std::move(created));
  }
  int64_t records = 0, decoded = 0, poison = 0, accepted = 0, late = 0, duplicates = 0, windows = 0;
  int late_shown = 0;
  std::string first_poison;
  pipeline::Event event;
  // Processing time for idle partitions: the batch number, so a preview is repeatable.
  pipeline::TimestampMs batch_number = 0;
  while (!ShutdownSignal::requested()) {
    LOCH_ASSIGN_OR_RETURN(source::MicroBatch batch, kafka->next_batch());
    decode::ColumnBatch columns;
    for (const source::SourceRecord& record : batch.records) {
      if (options.limit > 0 && records >= options.limit) break;
      ++records;
      size_t before = columns.rows();
      Status status = format->decode(record, columns);
      if (!status.is_ok()) {
        if (poison++ == 0) first_poison = status.message();
        continue;
      }
      if (columns.rows() == before) continue;  // skipped (a CSV header line)
      ++decoded;
      if (!engine) {
        ++accepted;
        continue;
      }
      if (!extractor) {
        LOCH_ASSIGN_OR_RETURN(auto made, source::EventExtractor::create(*definition, format->columns()));
        extractor.emplace(std::move(made));
      }
      status = extractor->extract(columns, columns.rows() - 1, event);
      if (!status.is_ok()) {
        if (poison++ == 0) first_poison = status.message();
        --decoded;
        continue;
      }
      pipeline::EventOutcome outcome = engine->process(event, batch_number * 1000);
      switch (outcome.verdict) {
        case pipeline::Verdict::kAccepted: ++accepted; break;
        case pipeline::Verdict::kDuplicate: ++duplicates; break;
        case pipeline::Verdict::kLate:
          ++late;
          if (late_shown++ < options.show_late) {
            std::cout << "late " << record.source.topic << "/" << record.source.partition << "@" << record.offset
                      << ": " << outcome.reason << "\n";
          }
          break;
      }
    }
    if (engine) {
      engine->end_batch();
      windows += static_cast<int64_t>(engine->take_results().size());
    }
    ++batch_number;
    if (batch.caught_up || (options.limit > 0 && records >= options.limit)) break;
  }
  std::cout << "pipeline " << definition->name << ": records=" << records << " decoded=" << decoded
            << " poison=" << poison << " accepted=" << accepted << " late=" << late << " duplicates=" << duplicates
            << " windows_closed=" << windows;
  if (engine) std::cout << " watermark_ms=" << engine->watermark();
  std::cout << "\n";
  if (!first_poison.empty()) std::cout << "first poison record: " << first_poison << "\n";
  return Status::ok();
}

}  // namespace

void register_pipeline_command(CLI::App& app, Settings& settings, int* exit_code) {
  auto options = std::make_shared<PipelineOptions>();
  CLI::App* command = app.add_subcommand("pipeline", "Streaming pipelines of a project (pipelines/*.yaml)");
  command->require_subcommand(1);

  CLI::App* list = command->add_subcommand("list", "Validate and list the project's pipelines");
  list->add_option("-p,--project", options->project, "Project directory (holding pipelines/)")->capture_default_str();
  add_kafka_client_options(list, settings, options->client);
  list->callback([options, &settings, exit_code] {
    *exit_code = run_kafka_command("pipeline list", settings, options->client, [&] { return list_pipelines(*options); });
  });

  CLI::App* preview = command->add_subcommand(
      "preview", "Read what is in a pipeline's topics and count what its event-time options would do; writes nothing");
  preview->add_option("name", options->name, "Pipeline name")->required();
  preview->add_option("-p,--project", options->project, "Project directory (holding pipelines/)")->capture_default_str();
  preview->add_option("--limit", options->limit, "Stop after this many records (0: everything there now)")
      ->capture_default_str();
  preview->add_option("--show-late", options->show_late, "Print the reasons of the first N late events")
      ->capture_default_str();
  settings.add(preview, "--registry-url,--registry", "registry.url", &options->registry_url,
               "Schema registry for avro/json/protobuf formats whose definition names none");
  add_kafka_client_options(preview, settings, options->client);
  preview->callback([options, &settings, exit_code] {
    *exit_code =
        run_kafka_command("pipeline preview", settings, options->client, [&] { return preview_pipeline(*options); });
  });

  register_pipeline_run_command(command, settings, exit_code);
  register_pipeline_ops_commands(command, settings, exit_code);
}

}  // namespace loch::cli
