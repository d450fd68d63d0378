#include "serve/http/pipelines_api.h"

#include <charconv>

#include <nlohmann/json.hpp>

#include "process/host/backfill_progress.h"
#include "serve/metrics/pipeline_metrics.h"
#include "serve/metrics/prometheus_text.h"

namespace loch::serve::http {

namespace {

using nlohmann::json;

json iso_time_or_null(int64_t ms) {
  if (ms == 0 || ms == pipeline::kNoTimestamp) return nullptr;
  return pipeline::iso_time(ms);
}

json status_object(const host::PipelineStatus& s) {
  json partitions = json::array();
  for (const host::PartitionLag& p : s.partitions) {
    partitions.push_back({{"topic", p.partition.topic},
                          {"partition", p.partition.partition},
                          {"next_offset", p.next_offset},
                          {"high_watermark", p.high_watermark},
                          {"lag", p.lag()}});
  }
  return {{"name", s.name},
          {"state", host::state_name(s.state)},
          {"last_error", s.last_error.empty() ? json(nullptr) : json(s.last_error)},
          {"topics", s.topics},
          {"sink", s.sink},
          {"started_at", iso_time_or_null(s.started_at_ms)},
          {"restarts", s.restarts},
          {"batches", s.batches},
          {"records", s.records},
          {"rows", s.rows},
          {"late", s.late},
          {"duplicates", s.duplicates},
          {"dlq", s.poison},
          {"input_rate", s.input_rate},
          {"last_batch_duration_ms", s.last_batch_duration_ms < 0 ? json(nullptr) : json(s.last_batch_duration_ms)},
          {"last_batch_at", iso_time_or_null(s.last_batch_at_ms)},
          {"version", s.version < 0 ? json(nullptr) : json(s.version)},
          {"watermark", iso_time_or_null(s.watermark_ms)},
          {"lag", s.total_lag()},
          {"partitions", std::move(partitions)},
          {"backfill", s.backfill ? json{{"done", s.backfill->done},
                                         {"total", s.backfill->total},
                                         {"started_at", iso_time_or_null(s.backfill->started_at_ms)},
                                         {"elapsed_ms", s.backfill->elapsed_ms},
                                         {"finished", s.backfill->finished}}
                                  : json(nullptr)}};
}

HttpAnswer error(int status, const std::string& message) {
  return {status, "application/json", json{{"error_code", status}, {"message", message}}.dump()};
}

HttpAnswer from_status(const Status& status) {
  if (status.code() == StatusCode::kNotFound) return error(404, status.message());
  if (status.code() == StatusCode::kInvalidArgument) return error(400, status.message());
  if (status.code() == StatusCode::kConflict || status.code() == StatusCode::kAborted) {
    return error(409, status.message());
  }
  return error(500, status.message());
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  size_t at = 0;
  while (at < path.size()) {
    size_t slash = path.find('/', at);
    if (slash == std::string::npos) slash = path.size();
    if (slash > at) parts.push_back(path.substr(at, slash - at));
    at = slash + 1;
  }
  return parts;
}

// The value of `name` in the query string ("" when absent).
std::string query_parameter(const std::string& target, const std::string& name) {
  size_t question = target.find('?');
  if (question == std::string::npos) return "";
  std::string query = target.substr(question + 1);
  size_t at = 0;
  while (at <= query.size()) {
    size_t amp = query.find('&', at);
    if (amp == std::string::npos) amp = query.size();
    std::string pair = query.substr(at, amp - at);
    size_t eq = pair.find('=');
    if (pair.substr(0, eq) == name && eq != std::string::npos) return pair.substr(eq + 1);
    at = amp + 1;
  }
  return "";
}

Result<int64_t> whole_number(const std::string& text, const std::string& name) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    return Status::invalid_argument(name + ": '" + text + "' is not a whole number");
  }
  return value;
}

json offsets_object(const runner::Offsets& offsets) {
  json out = json::object();
  for (const auto& [partition, next] : offsets) out[partition.topic + "/" + std::to_string(partition.partition)] = next;
  return out;
}

Result<json> replay(host::PipelineHost& host, const std::string& name, const std::string& target) {
  std::string offset = query_parameter(target, "from-offset");
  std::string time = query_parameter(target, "from-time");
  if (offset.empty() == time.empty()) return Status::invalid_argument("give one of from-offset=N and from-time=MS");
  host::ReplayFrom from;
  if (!offset.empty()) {
    LOCH_ASSIGN_OR_RETURN(from.offset, whole_number(offset, "from-offset"));
  } else {
    LOCH_ASSIGN_OR_RETURN(from.time_ms, whole_number(time, "from-time"));
  }
  LOCH_ASSIGN_OR_RETURN(host::ReplayOutcome outcome, host.replay(name, from));
  return json{{"name", name},
              {"previous", offsets_object(outcome.previous)},
              {"start", offsets_object(outcome.start)},
              {"version", outcome.version}};
}

Result<json> backfill(host::PipelineHost& host, const std::string& name, const std::string& target) {
  std::optional<int64_t> from_time;
  std::optional<int64_t> to_time;
  if (std::string text = query_parameter(target, "from-time"); !text.empty()) {
    LOCH_ASSIGN_OR_RETURN(from_time, whole_number(text, "from-time"));
  }
  if (std::string text = query_parameter(target, "to-time"); !text.empty()) {
    LOCH_ASSIGN_OR_RETURN(to_time, whole_number(text, "to-time"));
  }
  LOCH_ASSIGN_OR_RETURN(host::BackfillRange range, host.backfill(name, from_time, to_time));
  return json{{"name", name},
              {"start", offsets_object(range.start)},
              {"end", offsets_object(range.end)},
              {"total", host::BackfillProgress(name, range.start, range.end).total()}};
}

}  // namespace

std::string pipeline_status_json(const host::PipelineStatus& status) { return status_object(status).dump(); }

HttpAnswer PipelinesApi::handle(const HttpRequest& request) const {
  std::string path = request.target.substr(0, request.target.find('?'));
  std::vector<std::string> parts = split_path(path);
  const bool get = request.method == "GET";
  if (parts.size() == 1 && parts[0] == "metrics") {
    if (!get) return error(405, "use GET " + path);
    return {200, metrics::PrometheusText::kContentType, metrics::pipeline_metrics_text(host_.status())};
  }
  if (parts.size() < 2 || parts[0] != "api" || parts[1] != "pipelines" || parts.size() > 4) {
    return error(404, "no such path: " + path + " (see GET /api/pipelines, GET /metrics)");
  }
  if (parts.size() == 2) {
    if (!get) return error(405, "use GET " + path);
    json list = json::array();
    for (const auto& status : host_.status()) list.push_back(status_object(status));
    return {200, "application/json", json{{"pipelines", std::move(list)}}.dump()};
  }
  const std::string& name = parts[2];
  if (parts.size() == 3) {
    if (!get) return error(405, "use GET " + path);
  } else {
    const std::string& action = parts[3];
    if (action != "start" && action != "stop" && action != "replay" && action != "backfill") {
      return error(404, "no such action: " + action + " (start, stop, replay, backfill)");
    }
    if (request.method != "POST") return error(405, "use POST " + path);
    if (action == "replay" || action == "backfill") {
      auto done = action == "replay" ? replay(host_, name, request.target) : backfill(host_, name, request.target);
      if (!done.is_ok()) return from_status(done.status());
      return {200, "application/json", done->dump()};
    }
    Status done = action == "start" ? host_.start(name) : host_.stop(name);
    if (!done.is_ok()) return from_status(done);
  }
  auto status = host_.status(name);
  if (!status.is_ok()) return from_status(status.status());
  return {200, "application/json", status_object(*status).dump()};
}

}  // namespace loch::serve::http
