// `loch pipeline start|stop|status|replay|backfill`: see pipeline_ops_command.h.
#include "cli/pipeline_ops_command.h"

#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/common_options.h"
#include "cli/kafka_client_options.h"
#include "common/shutdown.h"
#include "process/host/backfill_progress.h"
#include "process/host/pipeline_backfill.h"
#include "process/host/pipeline_replay.h"
#include "process/runner/pipeline_runner.h"
#include "serve/registry/registry_http_client.h"

namespace loch::cli {
namespace {

using nlohmann::json;

struct OpsOptions {
  CommonOptions common;
  std::string http = "http://localhost:8080";
  std::string http_token;
  std::string name;
};

struct ReplayOptions {
  KafkaClientOptions client;
  std::string project = ".";
  std::string name;
  std::optional<int64_t> from_offset;
  std::string from_time;
  std::string to_time;
  std::string http;  // replay: through this `loch serve` instead of on the data directory
  std::string http_token;
};

// One call of serve's pipelines API; an error answer becomes a Status with its message.
Result<json> call_api(const std::string& base, const std::string& token, const std::string& method,
                      const std::string& path) {
  LOCH_ASSIGN_OR_RETURN(auto url, serve::RegistryUrl::parse(base));
  if (!token.empty()) url.authorization = "Bearer " + token;
  serve::RegistryHttpClient client(url, std::chrono::seconds(60));
  auto reply = client.request(method, path, method == "POST" ? std::optional<std::string>("") : std::nullopt);
  if (!reply.is_ok()) {
    return reply.status().with_context("is `loch serve --project DIR` running with its HTTP API on " + base +
                                       "? (see --http)");
  }
  json body = json::parse(reply->body, nullptr, false);
  if (reply->status != 200) {
    std::string message = body.is_object() && body.contains("message") ? body["message"].get<std::string>() : reply->body;
    if (reply->status == 404) return Status::not_found(message);
    if (reply->status == 401) return Status::invalid_argument(base + path + ": HTTP 401: " + message);
    return Status::io_error(base + path + ": HTTP " + std::to_string(reply->status) + ": " + message);
  }
  if (body.is_discarded()) return Status::io_error(base + path + ": the answer is not JSON");
  return body;
}

std::string text_or_dash(const json& value) {
  if (value.is_null()) return "-";
  if (value.is_string()) return value.get<std::string>();
  return value.dump();
}

void print_status_table(const std::vector<json>& pipelines) {
  std::cout << fmt::format("{:<26} {:<11} {:>8} {:>10} {:>9} {:>8} {:<24} {:>7} {:>6} {:>6}  {}\n", "PIPELINE", "STATE",
                           "BATCHES", "RECORDS", "RATE/S", "LAG", "WATERMARK", "VERSION", "LATE", "DLQ", "LAST ERROR");
  for (const json& p : pipelines) {
    std::cout << fmt::format("{:<26} {:<11} {:>8} {:>10} {:>9.1f} {:>8} {:<24} {:>7} {:>6} {:>6}  {}\n",
                             text_or_dash(p["name"]), text_or_dash(p["state"]), p["batches"].get<int64_t>(),
                             p["records"].get<int64_t>(), p["input_rate"].get<double>(), p["lag"].get<int64_t>(),
                             text_or_dash(p["watermark"]), text_or_dash(p["version"]), p["late"].get<int64_t>(),
                             p["dlq"].get<int64_t>(), text_or_dash(p["last_error"]));
  }
  // A backfill in progress: its line as `loch pipeline backfill` prints it.
  for (const json& p : pipelines) {
    const json& backfill = p.value("backfill", json());
    if (text_or_dash(p["state"]) != "backfilling" || !backfill.is_object()) continue;
    std::cout << host::backfill_line(p["name"].get<std::string>(), backfill["done"].get<int64_t>(),
                                     backfill["total"].get<int64_t>(), backfill["elapsed_ms"].get<int64_t>())
              << "\n";
  }
}

Status status_command(const OpsOptions& options) {
  std::vector<json> pipelines;
  if (options.name.empty()) {
    LOCH_ASSIGN_OR_RETURN(json all, call_api(options.http, options.http_token, "GET", "/api/pipelines"));
    for (const json& p : all["pipelines"]) pipelines.push_back(p);
  } else {
    LOCH_ASSIGN_OR_RETURN(json one,
                          call_api(options.http, options.http_token, "GET", "/api/pipelines/" + options.name));
    pipelines.push_back(std::move(one));
  }
  print_status_table(pipelines);
  return Status::ok();
}

Status start_stop_command(const OpsOptions& options, const std::string& action) {
  LOCH_ASSIGN_OR_RETURN(json status, call_api(options.http, options.http_token, "POST",
                                              "/api/pipelines/" + options.name + "/" + action));
  std::cout << options.name << " " << text_or_dash(status["state"]);
  if (!status["last_error"].is_null()) std::cout << ": " << text_or_dash(status["last_error"]);
  std::cout << "\n";
  return Status::ok();
}

std::string offsets_text(const runner::Offsets& offsets) {
  std::string text;
  for (const auto& [partition, next] : offsets) {
    text += fmt::format("{}{}/{}:{}", text.empty() ? "" : ",", partition.topic, partition.partition, next);
  }
  return text.empty() ? "-" : text;
}

Result<pipeline::PipelineDefinition> find_pipeline(const ReplayOptions& options) {
  LOCH_ASSIGN_OR_RETURN(auto pipelines, pipeline::load_project_pipelines(options.project));
  for (auto& p : pipelines) {
    if (p.name == options.name) return std::move(p);
  }
  return Status::not_found("no pipeline '" + options.name + "' in " + options.project + "/pipelines");
}

Result<runner::RunOptions> run_options_of(const ReplayOptions& options) {
  LOCH_ASSIGN_OR_RETURN(auto client_config, options.client.client_config());
  runner::RunOptions run_options;
  run_options.data_dir = options.client.common.data_dir;
  run_options.default_bootstrap = options.client.bootstrap;
  for (const auto& [name, value] : client_config.properties) run_options.extra_properties[name] = value;
  return run_options;
}

Status replay_command(const ReplayOptions& options) {
  if (options.from_offset.has_value() == !options.from_time.empty()) {
    return Status::invalid_argument("give one of --from-offset N and --from-time TIME");
  }
  if (!options.http.empty()) {
    // Through serve: it holds the pipeline and refuses while it runs.
    std::string query = "from-offset=" + std::to_string(options.from_offset.value_or(0));
    if (!options.from_time.empty()) {
      LOCH_ASSIGN_OR_RETURN(int64_t time_ms, parse_time_ms(options.from_time));
      query = "from-time=" + std::to_string(time_ms);
    }
    LOCH_ASSIGN_OR_RETURN(json done,
                          call_api(options.http, options.http_token, "POST",
                                   "/api/pipelines/" + options.name + "/replay?" + query));
    auto text = [](const json& offsets) {
      std::string out;
      for (const auto& [partition, next] : offsets.items()) {
        out += (out.empty() ? "" : ",") + partition + ":" + next.dump();
      }
      return out.empty() ? std::string("-") : out;
    };
    std::cout << options.name << " will resume at " << text(done["start"]) << " (was " << text(done["previous"])
              << "; version " << done["version"].dump() << ")\n";
    return Status::ok();
  }
  LOCH_ASSIGN_OR_RETURN(auto definition, find_pipeline(options));
  LOCH_ASSIGN_OR_RETURN(auto run_options, run_options_of(options));
  host::ReplayFrom from;
  from.offset = options.from_offset;
  if (!options.from_time.empty()) {
    LOCH_ASSIGN_OR_RETURN(from.time_ms, parse_time_ms(options.from_time));
  }
  LOCH_ASSIGN_OR_RETURN(auto outcome, host::replay_pipeline(definition, run_options, from));
  std::cout << definition.name << " will resume at " << offsets_text(outcome.start) << " (was "
            << offsets_text(outcome.previous) << "; " << definition.sink.zone << "." << definition.sink.table
            << " version " << outcome.version << ")\n";
  return Status::ok();
}

// --from-time and --to-time as epoch ms.
struct BackfillTimes {
  std::optional<int64_t> from_ms;
  std::optional<int64_t> to_ms;
};
Result<BackfillTimes> backfill_times(const ReplayOptions& options) {
  BackfillTimes times;
  if (!options.from_time.empty()) {
    LOCH_ASSIGN_OR_RETURN(times.from_ms, parse_time_ms(options.from_time));
  }
  if (!options.to_time.empty()) {
    LOCH_ASSIGN_OR_RETURN(times.to_ms, parse_time_ms(options.to_time));
  }
  return times;
}

// Through `loch serve`: starts the backfill there, then prints its progress
// from the pipeline's status until it has ended.
Status backfill_through_serve(const ReplayOptions& options) {
  LOCH_ASSIGN_OR_RETURN(BackfillTimes times, backfill_times(options));
  std::string query;
  if (times.from_ms) query += "from-time=" + std::to_string(*times.from_ms);
  if (times.to_ms) query += std::string(query.empty() ? "" : "&") + "to-time=" + std::to_string(*times.to_ms);
  const std::string path = "/api/pipelines/" + options.name;
  LOCH_ASSIGN_OR_RETURN(json started, call_api(options.http, options.http_token, "POST",
                                               path + "/backfill" + (query.empty() ? "" : "?" + query)));
  std::cout << fmt::format("backfill {}: {} records in loch serve", options.name, started["total"].get<int64_t>())
            << std::endl;
  int64_t printed_done = -1;  // a line per change of the records done
  for (;;) {
    LOCH_ASSIGN_OR_RETURN(json status, call_api(options.http, options.http_token, "GET", path));
    const json& progress = status["backfill"];
    if (progress.is_object() && progress["done"].get<int64_t>() != printed_done) {
      printed_done = progress["done"].get<int64_t>();
      std::cout << host::backfill_line(options.name, printed_done, progress["total"].get<int64_t>(),
                                       progress["elapsed_ms"].get<int64_t>())
                << std::endl;
    }
    const std::string state = status["state"].get<std::string>();
    if (state != "backfilling") {
      if (progress.is_object() && progress["finished"].get<bool>()) return Status::ok();
      std::string error = status["last_error"].is_string() ? status["last_error"].get<std::string>() : state;
      return Status::aborted("backfill of " + options.name + " in loch serve: " + error);
    }
    if (ShutdownSignal::requested()) {
      return Status::aborted("stopped watching; the backfill goes on in loch serve (loch pipeline stop " + options.name +
                             " ends it)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

// Runs the pipeline (available-now) over the range of pipeline_backfill.h
// on the data directory, printing a progress line per batch, or has
// `loch serve` run it (--http).
Status backfill_command(const ReplayOptions& options) {
  if (!options.http.empty()) return backfill_through_serve(options);
  LOCH_ASSIGN_OR_RETURN(auto definition, find_pipeline(options));
  LOCH_ASSIGN_OR_RETURN(auto run_options, run_options_of(options));
  LOCH_ASSIGN_OR_RETURN(BackfillTimes times, backfill_times(options));
  LOCH_ASSIGN_OR_RETURN(host::BackfillRange range,
                        host::prepare_backfill(definition, run_options, times.from_ms, times.to_ms));
  host::BackfillProgress progress(definition.name, range.start, range.end);
  std::cout << fmt::format("backfill {}: {} records from {} to {}", definition.name, progress.total(),
                           offsets_text(range.start), offsets_text(range.end))
            << std::endl;
  if (progress.finished(range.start)) std::cout << progress.line(range.start, 0) << std::endl;
  auto started = std::chrono::steady_clock::now();
  LOCH_ASSIGN_OR_RETURN(
      host::BackfillRun run,
      host::run_backfill(definition, run_options, range, [&](const runner::BatchReport&, const runner::Offsets& reached) {
        auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
        std::cout << progress.line(reached, elapsed.count()) << std::endl;
      }));
  if (!run.finished) {
    if (ShutdownSignal::requested()) return Status::aborted("backfill of " + definition.name + " interrupted");
    return Status::internal("backfill of " + definition.name + " ended at " + offsets_text(run.reached) + " before " +
                            offsets_text(range.end));
  }
  if (run.put_back) {
    std::cout << definition.name << " resumes at " << offsets_text(run.put_back->start)
              << " (where it was before the backfill)" << std::endl;
  }
  return Status::ok();
}

void add_http_option(CLI::App* command, Settings& settings, OpsOptions& options) {
  settings.add(command, "--http", "pipelines.http", &options.http, "URL of the HTTP API of `loch serve`");
  settings.add(command, "--http-token", "http.token", &options.http_token,
               "Bearer token of that API (`loch serve --http-token`)");
  add_common_options(command, settings, options.common);
}

int run_ops(const std::string& name, Settings& settings, OpsOptions& options, const std::function<Status()>& body) {
  Status status = finish_common_options(settings, options.common);
  if (status.is_ok()) status = body();
  if (!status.is_ok()) {
    std::cerr << "loch " << name << ": " << status.message() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

void register_pipeline_ops_commands(CLI::App* pipeline_command, Settings& settings, int* exit_code) {
  auto ops = std::make_shared<OpsOptions>();
  CLI::App* start = pipeline_command->add_subcommand(
      "start", "Start a pipeline hosted by `loch serve --project` (it resumes from its sink table's offsets)");
  start->add_option("name", ops->name, "Pipeline name")->required();
  add_http_option(start, settings, *ops);
  start->callback([ops, &settings, exit_code] {
    *exit_code = run_ops("pipeline start", settings, *ops, [&] { return start_stop_command(*ops, "start"); });
  });
  CLI::App* stop = pipeline_command->add_subcommand(
      "stop", "Stop a pipeline hosted by `loch serve` after the batch in progress (committed or not at all)");
  stop->add_option("name", ops->name, "Pipeline name")->required();
  add_http_option(stop, settings, *ops);
  stop->callback([ops, &settings, exit_code] {
    *exit_code = run_ops("pipeline stop", settings, *ops, [&] { return start_stop_command(*ops, "stop"); });
  });
  CLI::App* status = pipeline_command->add_subcommand(
      "status", "State and metrics of the pipelines hosted by `loch serve` (batches, records, input rate, lag, "
                "watermark, Delta version, late, DLQ, last error)");
  status->add_option("name", ops->name, "Pipeline name (default: all)");
  add_http_option(status, settings, *ops);
  status->callback([ops, &settings, exit_code] {
    *exit_code = run_ops("pipeline status", settings, *ops, [&] { return status_command(*ops); });
  });

  auto replay_options = std::make_shared<ReplayOptions>();
  CLI::App* replay = pipeline_command->add_subcommand(
      "replay",
      "Make a stopped pipeline read its topics again from an offset or a time: commits the new start offsets to its "
      "sink table (an append sink then gets those records again; merge/scd2 sinks are idempotent)");
  replay->add_option("name", replay_options->name, "Pipeline name")->required();
  replay->add_option("-p,--project", replay_options->project, "Project directory (holding pipelines/)")
      ->capture_default_str();
  replay->add_option("--from-offset", replay_options->from_offset,
                     "Every partition restarts at this offset (clamped to what the partition holds)");
  replay->add_option("--from-time", replay_options->from_time,
                     "Each partition restarts at its first record at or after this time (2026-11-25T08:00:00Z, "
                     "2026-11-25, or epoch ms)");
  replay->add_option("--http", replay_options->http,
                     "Replay through this `loch serve` (e.g. http://localhost:8080), which hosts the pipeline, "
                     "instead of on --data-dir");
  settings.add(replay, "--http-token", "http.token", &replay_options->http_token,
               "Bearer token of that API (`loch serve --http-token`)");
  add_kafka_client_options(replay, settings, replay_options->client);
  replay->callback([replay_options, &settings, exit_code] {
    *exit_code = run_kafka_command("pipeline replay", settings, replay_options->client,
                                   [&] { return replay_command(*replay_options); });
  });

  auto backfill_options = std::make_shared<ReplayOptions>();
  CLI::App* backfill = pipeline_command->add_subcommand(
      "backfill",
      "Run a stopped pipeline over a range of its topics and stop, with a progress line per batch (records done / "
      "total, %, rate, ETA)");
  backfill->add_option("name", backfill_options->name, "Pipeline name")->required();
  backfill->add_option("-p,--project", backfill_options->project, "Project directory (holding pipelines/)")
      ->capture_default_str();
  backfill->add_option("--from-time", backfill_options->from_time,
                       "Replay from this time first (default: from where the pipeline is)");
  backfill->add_option("--to-time", backfill_options->to_time,
                       "Read each partition up to its first record at or after this time, not beyond "
                       "(default: the topics' end now)");
  backfill->add_option("--http", backfill_options->http,
                       "Have this `loch serve` (e.g. http://localhost:8080), which hosts the pipeline, run the "
                       "backfill, and print its progress, instead of running it here on --data-dir");
  settings.add(backfill, "--http-token", "http.token", &backfill_options->http_token,
               "Bearer token of that API (`loch serve --http-token`)");
  add_kafka_client_options(backfill, settings, backfill_options->client);
  backfill->callback([backfill_options, &settings, exit_code] {
    *exit_code = run_kafka_command("pipeline backfill", settings, backfill_options->client,
                                   [&] { return backfill_command(*backfill_options); });
  });
}

}  // namespace loch::cli
