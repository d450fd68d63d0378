#include "process/pipeline/pipeline_definition.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

namespace loch::pipeline {
namespace {

namespace fs = std::filesystem;

// Reads one file's YAML, turning every problem into "<file>:<line>: <key>: <what>".
class DefinitionReader {
 public:
  explicit DefinitionReader(std::string file) : file_(std::move(file)) {}

  Status error(const YAML::Node& node, const std::string& key, const std::string& what) const {
    std::string where = file_;
    if (node.Mark().line >= 0) where += ":" + std::to_string(node.Mark().line + 1);
    return Status::invalid_argument(where + ": " + (key.empty() ? "" : key + ": ") + what);
  }

  Status expect_map(const YAML::Node& node, const std::string& key) const {
    if (!node.IsMap()) return error(node, key, "expected a mapping of keys to values");
    return Status::ok();
  }

  // Refuses keys outside `allowed` (a dotted key is allowed when
  // `allow_dotted` is, for librdkafka properties).
  Status check_keys(const YAML::Node& map, const std::string& key, const std::set<std::string>& allowed,
                    bool allow_dotted = false) const {
    for (auto it = map.begin(); it != map.end(); ++it) {
      if (!it->first.IsScalar()) return error(it->first, key, "keys must be plain strings");
      std::string name = it->first.Scalar();
      if (allowed.contains(name) || (allow_dotted && name.find('.') != std::string::npos)) continue;
      std::string expected;
      for (const std::string& a : allowed) expected += (expected.empty() ? "" : ", ") + a;
      return error(it->first, join(key, name), "unknown key (expected one of: " + expected + ")");
    }
    return Status::ok();
  }

  static std::string join(const std::string& parent, const std::string& key) {
    return parent.empty() ? key : parent + "." + key;
  }

  Result<std::string> scalar(const YAML::Node& node, const std::string& key) const {
    if (!node.IsScalar()) return error(node, key, "expected a single value");
    return node.Scalar();
  }

  // A string, or a list of strings.
  Result<std::vector<std::string>> string_list(const YAML::Node& node, const std::string& key) const {
    std::vector<std::string> out;
    if (node.IsScalar()) {
      out.push_back(node.Scalar());
      return out;
    }
    if (!node.IsSequence()) return error(node, key, "expected a value or a list of values");
    for (const YAML::Node& item : node) {
      LOCH_ASSIGN_OR_RETURN(std::string value, scalar(item, key));
      out.push_back(std::move(value));
    }
    return out;
  }

  Result<TimestampMs> duration(const YAML::Node& node, const std::string& key) const {
    LOCH_ASSIGN_OR_RETURN(std::string text, scalar(node, key));
    Result<TimestampMs> ms = parse_duration_ms(text);
    if (!ms.is_ok()) return error(node, key, ms.status().message());
    return ms;
  }

  Result<int64_t> positive_integer(const YAML::Node& node, const std::string& key) const {
    LOCH_ASSIGN_OR_RETURN(std::string text, scalar(node, key));
    try {
      size_t used = 0;
      long long value = std::stoll(text, &used);
      if (used == text.size() && value > 0) return static_cast<int64_t>(value);
    } catch (const std::exception&) {
    }
    return error(node, key, "expected a positive whole number, got '" + text + "'");
  }

  Result<bool> boolean(const YAML::Node& node, const std::string& key) const {
    LOCH_ASSIGN_OR_RETURN(std::string text, scalar(node, key));
    if (text == "true" || text == "yes") return true;
    if (text == "false" || text == "no") return false;
    return error(node, key, "expected true or false, got '" + text + "'");
  }

  // One of `choices`, as its index.
  Result<size_t> choice(const YAML::Node& node, const std::string& key, const std::vector<std::string>& choices) const {
    LOCH_ASSIGN_OR_RETURN(std::string text, scalar(node, key));
    for (size_t i = 0; i < choices.size(); ++i) {
      if (choices[i] == text) return i;
    }
    std::string expected;
    for (const std::string& c : choices) expected += (expected.empty() ? "" : ", ") + c;
    return error(node, key, "'" + text + "' is not one of: " + expected);
  }

  const std::string& file() const { return file_; }

 private:
  std::string file_;
};

bool is_identifier(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

Status parse_source(const DefinitionReader& r, const YAML::Node& node, SourceDefinition& source) {
  LOCH_RETURN_IF_ERROR(r.expect_map(node, "source"));
  LOCH_RETURN_IF_ERROR(r.check_keys(node, "source",
                                    {"topic", "topics", "starting_offsets", "max_batch_records", "max_batch_time"},
                                    /*allow_dotted=*/true));
  if (node["topic"] && node["topics"]) return r.error(node["topics"], "source", "give topic or topics, not both");
  const YAML::Node topics = node["topic"] ? node["topic"] : node["topics"];
  if (!topics) return r.error(node, "source", "missing key 'topics' (the topics to read)");
  LOCH_ASSIGN_OR_RETURN(source.topics, r.string_list(topics, "source.topics"));
  if (source.topics.empty()) return r.error(topics, "source.topics", "no topic given");
  for (auto it = node.begin(); it != node.end(); ++it) {
    std::string key = it->first.Scalar();
    if (key.find('.') == std::string::npos) continue;
    LOCH_ASSIGN_OR_RETURN(std::string value, r.scalar(it->second, "source." + key));
    if (key == "bootstrap.servers") {
      source.bootstrap_servers = value;
    } else if (key == "group.id" || key == "enable.auto.commit") {
      return r.error(it->first, "source." + key,
                     "not allowed: pipelines assign partitions themselves and keep offsets in the sink table");
    } else {
      source.properties[key] = value;
    }
  }
  if (node["starting_offsets"]) {
    LOCH_ASSIGN_OR_RETURN(size_t which, r.choice(node["starting_offsets"], "source.starting_offsets",
                                                 {"earliest", "latest"}));
    source.starting_offsets = which == 0 ? SourceDefinition::StartingOffsets::kEarliest
                                         : SourceDefinition::StartingOffsets::kLatest;
  }
  if (node["max_batch_records"]) {
    LOCH_ASSIGN_OR_RETURN(source.max_batch_records,
                          r.positive_integer(node["max_batch_records"], "source.max_batch_records"));
  }
  if (node["max_batch_time"]) {
    LOCH_ASSIGN_OR_RETURN(source.max_batch_ms, r.duration(node["max_batch_time"], "source.max_batch_time"));
  }
  return Status::ok();
}

Status parse_format(const DefinitionReader& r, const YAML::Node& node, FormatDefinition& format) {
  const std::vector<std::string> kTypes = {"jsonl", "csv", "debezium", "avro", "json", "protobuf", "raw"};
  if (node.IsScalar()) {  // `format: jsonl`
    LOCH_ASSIGN_OR_RETURN(size_t type, r.choice(node, "format", kTypes));
    format.type = static_cast<RecordFormat>(type);
    return Status::ok();
  }
  LOCH_RETURN_IF_ERROR(r.expect_map(node, "format"));
  LOCH_RETURN_IF_ERROR(r.check_keys(node, "format", {"type", "registry", "header", "delimiter", "columns"}));
  if (!node["type"]) return r.error(node, "format", "missing key 'type'");
  LOCH_ASSIGN_OR_RETURN(size_t type, r.choice(node["type"], "format.type", kTypes));
  format.type = static_cast<RecordFormat>(type);
  bool registry_format = format.type == RecordFormat::kAvro || format.type == RecordFormat::kJsonSchema ||
                         format.type == RecordFormat::kProtobuf;
  if (node["registry"]) {
    if (!registry_format) return r.error(node["registry"], "format.registry", "only for avro, json and protobuf");
    LOCH_ASSIGN_OR_RETURN(format.registry_url, r.scalar(node["registry"], "format.registry"));
  }
  bool csv = format.type == RecordFormat::kCsv;
  if (format.type == RecordFormat::kRaw && node["columns"]) {
    return r.error(node["columns"], "format.columns", "raw keeps the value's bytes as they are: no columns");
  }
  if (node["header"]) {
    if (!csv) return r.error(node["header"], "format.header", "only for csv");
    LOCH_ASSIGN_OR_RETURN(format.csv_header, r.boolean(node["header"], "format.header"));
  }
  if (node["delimiter"]) {
    if (!csv) return r.error(node["delimiter"], "format.delimiter", "only for csv");
    LOCH_ASSIGN_OR_RETURN(std::string delimiter, r.scalar(node["delimiter"], "format.delimiter"));
    if (delimiter.size() != 1) return r.error(node["delimiter"], "format.delimiter", "must be one character");
    format.csv_delimiter = delimiter[0];
  }
  if (node["columns"]) {
    const YAML::Node columns = node["columns"];
    if (!columns.IsMap()) return r.error(columns, "format.columns", "expected a mapping of column names to DuckDB types");
    for (auto it = columns.begin(); it != columns.end(); ++it) {
      LOCH_ASSIGN_OR_RETURN(std::string name, r.scalar(it->first, "format.columns"));
      if (!is_identifier(name)) return r.error(it->first, "format.columns", "'" + name + "' is not a column name");
      LOCH_ASSIGN_OR_RETURN(std::string type, r.scalar(it->second, "format.columns." + name));
      format.columns.emplace_back(name, type);
    }
  }
  if (csv && format.columns.empty()) {
    // Each Kafka record is one line: there is no file whose first line names them.
    return r.error(node, "format.columns", "csv needs its columns declared (each record is one CSV line)");
  }
  return Status::ok();
}

Status parse_sink(const DefinitionReader& r, const YAML::Node& node, SinkDefinition& sink) {
  LOCH_RETURN_IF_ERROR(r.expect_map(node, "sink"));
  LOCH_RETURN_IF_ERROR(r.check_keys(node, "sink", {"table", "partition_by", "target_file_size", "mode", "merge_keys",
                                                   "late_table", "compact_min_files", "max_file_age"}));
  if (!node["table"]) return r.error(node, "sink", "missing key 'table' (zone.table, e.g. bronze.clicks)");
  LOCH_ASSIGN_OR_RETURN(std::string table, r.scalar(node["table"], "sink.table"));
  size_t dot = table.find('.');
  if (dot == std::string::npos || !is_identifier(table.substr(0, dot)) || !is_identifier(table.substr(dot + 1))) {
    return r.error(node["table"], "sink.table", "'" + table + "' is not zone.table (e.g. silver.orders)");
  }
  sink.zone = table.substr(0, dot);
  sink.table = table.substr(dot + 1);
  if (sink.zone != "bronze" && sink.zone != "silver" && sink.zone != "gold") {
    return r.error(node["table"], "sink.table", "zone '" + sink.zone + "' is not bronze, silver or gold");
  }
  if (node["partition_by"]) {
    LOCH_ASSIGN_OR_RETURN(sink.partition_by, r.string_list(node["partition_by"], "sink.partition_by"));
  }
  if (node["target_file_size"]) {
    LOCH_ASSIGN_OR_RETURN(std::string text, r.scalar(node["target_file_size"], "sink.target_file_size"));
    Result<int64_t> bytes = parse_size_bytes(text);
    if (!bytes.is_ok()) return r.error(node["target_file_size"], "sink.target_file_size", bytes.status().message());
    sink.target_file_size_bytes = *bytes;
  }
  if (node["mode"]) {
    LOCH_ASSIGN_OR_RETURN(size_t mode, r.choice(node["mode"], "sink.mode", {"append", "merge", "scd2"}));
    sink.mode = static_cast<SinkDefinition::Mode>(mode);
  }
  if (node["merge_keys"]) {
    LOCH_ASSIGN_OR_RETURN(sink.merge_keys, r.string_list(node["merge_keys"], "sink.merge_keys"));
  }
  if (sink.mode != SinkDefinition::Mode::kAppend && sink.merge_keys.empty()) {
    return r.error(node, "sink.merge_keys", "modes merge and scd2 need merge_keys (the columns identifying a row)");
  }
  if (sink.mode == SinkDefinition::Mode::kAppend && !sink.merge_keys.empty()) {
    return r.error(node["merge_keys"], "sink.merge_keys", "only for modes merge and scd2");
  }
  sink.late_table = sink.zone + "." + sink.table + "_late";
  if (node["late_table"]) {
    LOCH_ASSIGN_OR_RETURN(sink.late_table, r.scalar(node["late_table"], "sink.late_table"));
  }
  if (const YAML::Node age = node["max_file_age"]) {
    if (sink.mode != SinkDefinition::Mode::kAppend) {
      return r.error(age, "sink.max_file_age", "only for mode append (merge and scd2 commit each batch's changes)");
    }
    LOCH_ASSIGN_OR_RETURN(sink.max_file_age_ms, r.duration(age, "sink.max_file_age"));
    if (sink.max_file_age_ms < 0) return r.error(age, "sink.max_file_age", "must not be negative");
  }
  if (const YAML::Node compact = node["compact_min_files"]) {
    if (sink.mode != SinkDefinition::Mode::kAppend) {
      return r.error(compact, "sink.compact_min_files", "only for mode append (merge and scd2 rewrite files themselves)");
    }
    if (compact.IsScalar() && compact.Scalar() == "0") {
      sink.compact_min_files = 0;
    } else {
      LOCH_ASSIGN_OR_RETURN(sink.compact_min_files, r.positive_integer(compact, "sink.compact_min_files"));
      if (sink.compact_min_files < 2) {
        return r.error(compact, "sink.compact_min_files", "at least 2 (one small file has nothing to merge with), or 0 for never");
      }
    }
  }
  return Status::ok();
}

Status parse_trigger(const DefinitionReader& r, const YAML::Node& node, TriggerDefinition& trigger) {
  if (node.IsScalar()) {  // `trigger: available-now`, `trigger: continuous`, `trigger: 10s`
    std::string text = node.Scalar();
    if (text == "available-now") {
      trigger.kind = TriggerDefinition::Kind::kAvailableNow;
    } else if (text == "continuous") {
      trigger.kind = TriggerDefinition::Kind::kContinuous;
    } else {
      Result<TimestampMs> interval = parse_duration_ms(text);
      if (!interval.is_ok()) {
        return r.error(node, "trigger", "'" + text + "' is not available-now, continuous or an interval such as 10s");
      }
      trigger.kind = TriggerDefinition::Kind::kInterval;
      trigger.interval_ms = *interval;
    }
    return Status::ok();
  }
  LOCH_RETURN_IF_ERROR(r.expect_map(node, "trigger"));
  LOCH_RETURN_IF_ERROR(r.check_keys(node, "trigger", {"interval"}));
  if (!node["interval"]) return r.error(node, "trigger", "missing key 'interval'");
  trigger.kind = TriggerDefinition::Kind::kInterval;
  LOCH_ASSIGN_OR_RETURN(trigger.interval_ms, r.duration(node["interval"], "trigger.interval"));
  if (trigger.interval_ms <= 0) return r.error(node["interval"], "trigger.interval", "must be positive");
  return Status::ok();
}

Status parse_window(const DefinitionReader& r, const YAML::Node& node, WindowSpec& window) {
  LOCH_RETURN_IF_ERROR(r.expect_map(node, "options.window"));
  LOCH_RETURN_IF_ERROR(r.check_keys(node, "options.window", {"type", "size", "slide", "gap"}));
  if (!node["type"]) return r.error(node, "options.window", "missing key 'type' (tumbling, hopping or session)");
  LOCH_ASSIGN_OR_RETURN(size_t type, r.choice(node["type"], "options.window.type", {"tumbling", "hopping", "session"}));
  window.kind = static_cast<WindowKind>(type);
  auto need = [&](const char* key) -> Result<TimestampMs> {
    std::string path = std::string("options.window.") + key;
    if (!node[key]) return r.error(node, path, "missing for a " + node["type"].Scalar() + " window");
    return r.duration(node[key], path);
  };
  auto refuse = [&](const char* key) -> Status {
    if (node[key]) {
      return r.error(node[key], std::string("options.window.") + key, "not used by a " + node["type"].Scalar() + " window");
    }
    return Status::ok();
  };
  if (window.kind == WindowKind::kSession) {
    LOCH_ASSIGN_OR_RETURN(window.gap_ms, need("gap"));
    LOCH_RETURN_IF_ERROR(refuse("size"));
    LOCH_RETURN_IF_ERROR(refuse("slide"));
  } else {
    LOCH_ASSIGN_OR_RETURN(window.size_ms, need("size"));
    LOCH_RETURN_IF_ERROR(refuse("gap"));
    if (window.kind == WindowKind::kHopping) {
      LOCH_ASSIGN_OR_RETURN(window.slide_ms, need("slide"));
    } else {
      LOCH_RETURN_IF_ERROR(refuse("slide"));
      window.slide_ms = window.size_ms;
    }
  }
  Status valid = window.validate();
  if (!valid.is_ok()) return r.error(node, "options.window", valid.message());
  return Status::ok();
}

// "sum(amount)", "count(*)", "count_distinct(user_id)".
Status parse_aggregate(const DefinitionReader& r, const YAML::Node& node, const std::string& output,
                       AggregateDefinition& aggregate) {
  std::string key = "options.aggregates." + output;
  LOCH_ASSIGN_OR_RETURN(std::string text, r.scalar(node, key));
  text.erase(std::remove(text.begin(), text.end(), ' '), text.end());
  size_t open = text.find('(');
  if (open == std::string::npos || text.back() != ')') {
    return r.error(node, key, "'" + text + "' is not function(column), e.g. sum(amount) or count(*)");
  }
  std::string function = text.substr(0, open);
  std::string column = text.substr(open + 1, text.size() - open - 2);
  aggregate.output_column = output;
  if (function == "count" && column == "*") {
    aggregate.kind = AggregateKind::kCountAll;
    return Status::ok();
  }
  Result<AggregateKind> kind = parse_aggregate_kind(function);
  if (!kind.is_ok()) return r.error(node, key, kind.status().message());
  if (!is_identifier(column)) return r.error(node, key, "'" + column + "' is not a column name");
  aggregate.kind = *kind;
  aggregate.input_column = column;
  return Status::ok();
}

// A signed duration: "-10m", "0", "30s".
Result<TimestampMs> signed_duration(const DefinitionReader& r, const YAML::Node& node, const std::string& key) {
  LOCH_ASSIGN_OR_RETURN(std::string text, r.scalar(node, key));
  const bool negative = !text.empty() && text[0] == '-';
  auto parsed = parse_duration_ms(negative ? text.substr(1) : text);
  if (!parsed.is_ok()) return r.error(node, key, "'" + text + "' is not a duration (e.g. -10m, 0, 30s, 250ms)");
  return negative ? -*parsed : *parsed;
}

Status parse_join(const DefinitionReader& r, const YAML::Node& node, JoinDefinition& join) {
  LOCH_RETURN_IF_ERROR(r.expect_map(node, "options.join"));
  LOCH_RETURN_IF_ERROR(r.check_keys(node, "options.join",
                                    {"topic", "format", "event_time", "left_key", "right_key", "within", "prefix"}));
  for (const char* required : {"topic", "left_key", "right_key", "within"}) {
    if (!node[required]) return r.error(node, std::string("options.join.") + required, "missing");
  }
  LOCH_ASSIGN_OR_RETURN(join.topic, r.scalar(node["topic"], "options.join.topic"));
  LOCH_ASSIGN_OR_RETURN(join.left_key, r.scalar(node["left_key"], "options.join.left_key"));
  LOCH_ASSIGN_OR_RETURN(join.right_key, r.scalar(node["right_key"], "options.join.right_key"));
  if (node["event_time"]) {
    LOCH_ASSIGN_OR_RETURN(join.event_time_column, r.scalar(node["event_time"], "options.join.event_time"));
  }
  if (node["format"]) LOCH_RETURN_IF_ERROR(parse_format(r, node["format"], join.format));
  if (node["prefix"]) {
    LOCH_ASSIGN_OR_RETURN(join.prefix, r.scalar(node["prefix"], "options.join.prefix"));
    if (!is_identifier(join.prefix)) return r.error(node["prefix"], "options.join.prefix", "'" + join.prefix + "' is not a column name prefix (letters, digits, _)");
  }
  const YAML::Node within = node["within"];
  if (!within.IsSequence() || within.size() != 2) {
    return r.error(within, "options.join.within", "expected [lower, upper]: the right event time minus the left one, e.g. [-10m, 0]");
  }
  LOCH_ASSIGN_OR_RETURN(join.lower_ms, signed_duration(r, within[0], "options.join.within"));
  LOCH_ASSIGN_OR_RETURN(join.upper_ms, signed_duration(r, within[1], "options.join.within"));
  if (join.lower_ms > join.upper_ms) {
    return r.error(within, "options.join.within", "lower bound " + std::to_string(join.lower_ms) +
                                                      " ms is after the upper bound " + std::to_string(join.upper_ms) + " ms");
  }
  return Status::ok();
}

Status parse_options(const DefinitionReader& r, const YAML::Node& node, EventTimeDefinition& options) {
  LOCH_RETURN_IF_ERROR(r.expect_map(node, "options"));
  LOCH_RETURN_IF_ERROR(r.check_keys(node, "options", {"event_time", "watermark_lateness", "idle_timeout", "window",
                                                      "group_by", "aggregates", "emit", "dedup", "join"}));
  if (node["event_time"]) {
    LOCH_ASSIGN_OR_RETURN(options.event_time_column, r.scalar(node["event_time"], "options.event_time"));
  }
  if (node["watermark_lateness"]) {
    LOCH_ASSIGN_OR_RETURN(options.allowed_lateness_ms, r.duration(node["watermark_lateness"], "options.watermark_lateness"));
  }
  if (node["idle_timeout"]) {
    LOCH_ASSIGN_OR_RETURN(options.idle_timeout_ms, r.duration(node["idle_timeout"], "options.idle_timeout"));
  }
  if (node["window"]) {
    WindowSpec window;
    LOCH_RETURN_IF_ERROR(parse_window(r, node["window"], window));
    options.window = window;
  }
  if (node["group_by"]) {
    LOCH_ASSIGN_OR_RETURN(options.group_by, r.string_list(node["group_by"], "options.group_by"));
  }
  if (node["aggregates"]) {
    const YAML::Node aggregates = node["aggregates"];
    if (!aggregates.IsMap()) {
      return r.error(aggregates, "options.aggregates", "expected output_column: function(column) pairs");
    }
    for (auto it = aggregates.begin(); it != aggregates.end(); ++it) {
      LOCH_ASSIGN_OR_RETURN(std::string output, r.scalar(it->first, "options.aggregates"));
      if (!is_identifier(output)) return r.error(it->first, "options.aggregates", "'" + output + "' is not a column name");
      AggregateDefinition aggregate;
      LOCH_RETURN_IF_ERROR(parse_aggregate(r, it->second, output, aggregate));
      options.aggregates.push_back(aggregate);
    }
  }
  if (node["emit"]) {
    LOCH_ASSIGN_OR_RETURN(size_t emit, r.choice(node["emit"], "options.emit", {"final", "updates"}));
    options.emit = emit == 0 ? EmitMode::kFinal : EmitMode::kUpdates;
  }
  if (node["dedup"]) {
    const YAML::Node dedup = node["dedup"];
    LOCH_RETURN_IF_ERROR(r.expect_map(dedup, "options.dedup"));
    LOCH_RETURN_IF_ERROR(r.check_keys(dedup, "options.dedup", {"key", "ttl"}));
    if (!dedup["key"] || !dedup["ttl"]) return r.error(dedup, "options.dedup", "needs both 'key' and 'ttl'");
    LOCH_ASSIGN_OR_RETURN(options.dedup_key, r.scalar(dedup["key"], "options.dedup.key"));
    LOCH_ASSIGN_OR_RETURN(options.dedup_ttl_ms, r.duration(dedup["ttl"], "options.dedup.ttl"));
    if (options.dedup_ttl_ms <= 0) return r.error(dedup["ttl"], "options.dedup.ttl", "must be positive");
  }
  // Cross-checks: what needs event time, and windows with their aggregates.
  if (node["join"]) {
    JoinDefinition join;
    LOCH_RETURN_IF_ERROR(parse_join(r, node["join"], join));
    if (join.event_time_column.empty()) join.event_time_column = options.event_time_column;
    if (options.window) {
      return r.error(node["join"], "options.join", "a join with a window is not built (join in one pipeline, aggregate the joined table's topic in another)");
    }
    options.join = std::move(join);
  }
  bool needs_event_time = options.window || !options.dedup_key.empty();
  if (needs_event_time && options.event_time_column.empty()) {
    return r.error(node, "options.event_time", "windows and dedup need the event time column");
  }
  if (options.join && options.event_time_column.empty()) {
    return r.error(node["join"], "options.event_time", "a join needs the event time column (the watermark expires its state)");
  }
  if (options.window && options.aggregates.empty()) {
    return r.error(node["window"], "options.aggregates", "a window needs at least one aggregate");
  }
  if (!options.window && (!options.aggregates.empty() || !options.group_by.empty())) {
    return r.error(node, "options.window", "aggregates and group_by need a window (stream aggregation is per window)");
  }
  return Status::ok();
}

Status parse_transform(const DefinitionReader& r, const YAML::Node& node, const fs::path& project_dir,
                       std::string& sql) {
  if (node.IsScalar()) {  // `transform: select ...`
    sql = node.Scalar();
    return Status::ok();
  }
  LOCH_RETURN_IF_ERROR(r.expect_map(node, "transform"));
  LOCH_RETURN_IF_ERROR(r.check_keys(node, "transform", {"sql", "file"}));
  if (node["sql"] && node["file"]) return r.error(node, "transform", "give sql or file, not both");
  if (node["sql"]) {
    LOCH_ASSIGN_OR_RETURN(sql, r.scalar(node["sql"], "transform.sql"));
    return Status::ok();
  }
  if (!node["file"]) return r.error(node, "transform", "missing key 'sql' or 'file'");
  LOCH_ASSIGN_OR_RETURN(std::string file, r.scalar(node["file"], "transform.file"));
  fs::path path = fs::path(file).is_absolute() ? fs::path(file) : project_dir / file;
  std::ifstream in(path, std::ios::binary);
  if (!in) return r.error(node["file"], "transform.file", "cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  sql = text.str();
  return Status::ok();
}

}  // namespace

std::string_view record_format_name(RecordFormat format) {
  switch (format) {
    case RecordFormat::kJsonLines: return "jsonl";
    case RecordFormat::kCsv: return "csv";
    case RecordFormat::kDebezium: return "debezium";
    case RecordFormat::kAvro: return "avro";
    case RecordFormat::kJsonSchema: return "json";
    case RecordFormat::kProtobuf: return "protobuf";
    case RecordFormat::kRaw: return "raw";
  }
  return "?";
}

Result<TimestampMs> parse_duration_ms(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  std::string_view unit = text.substr(digits);
  if (digits == 0 || digits > 15) {
    return Status::invalid_argument("'" + std::string(text) + "' is not a duration (e.g. 500ms, 30s, 5m, 2h, 1d)");
  }
  int64_t value = std::stoll(std::string(text.substr(0, digits)));
  int64_t scale = 0;
  if (unit.empty() || unit == "ms") scale = 1;
  else if (unit == "s") scale = 1000;
  else if (unit == "m") scale = 60'000;
  else if (unit == "h") scale = 3'600'000;
  else if (unit == "d") scale = 86'400'000;
  else return Status::invalid_argument("'" + std::string(text) + "': unknown unit '" + std::string(unit) +
                                       "' (ms, s, m, h or d)");
  return value * scale;
}

Result<int64_t> parse_size_bytes(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  std::string_view unit = text.substr(digits);
  if (digits == 0 || digits > 12) {
    return Status::invalid_argument("'" + std::string(text) + "' is not a size (e.g. 64MB, 1GB)");
  }
  int64_t value = std::stoll(std::string(text.substr(0, digits)));
  int64_t scale = 0;
  if (unit.empty() || unit == "B") scale = 1;
  else if (unit == "KB" || unit == "KiB") scale = 1LL << 10;
  else if (unit == "MB" || unit == "MiB") scale = 1LL << 20;
  else if (unit == "GB" || unit == "GiB") scale = 1LL << 30;
  else return Status::invalid_argument("'" + std::string(text) + "': unknown unit '" + std::string(unit) + "' (KB, MB or GB)");
  if (value <= 0) return Status::invalid_argument("'" + std::string(text) + "': a size must be positive");
  return value * scale;
}

Result<PipelineDefinition> parse_pipeline(const std::string& yaml_text, const fs::path& file) {
  DefinitionReader r(file.string());
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::ParserException& e) {
    return Status::invalid_argument(file.string() + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (!root.IsMap()) return r.error(root, "", "a pipeline definition is a mapping (source, format, sink, ...)");
  try {
    LOCH_RETURN_IF_ERROR(r.check_keys(root, "", {"name", "source", "format", "sink", "trigger", "options", "transform", "autostart"}));
    PipelineDefinition definition;
    definition.file = file;
    definition.name = file.stem().string();
    if (root["name"]) {
      LOCH_ASSIGN_OR_RETURN(definition.name, r.scalar(root["name"], "name"));
    }
    if (!is_identifier(definition.name)) {
      return r.error(root["name"] ? root["name"] : root, "name",
                     "'" + definition.name + "' is not a pipeline name (letters, digits, _)");
    }
    for (const char* required : {"source", "sink"}) {
      if (!root[required]) return r.error(root, required, "missing");
    }
    LOCH_RETURN_IF_ERROR(parse_source(r, root["source"], definition.source));
    if (root["format"]) LOCH_RETURN_IF_ERROR(parse_format(r, root["format"], definition.format));
    // The join topic's format defaults to the pipeline's.
    const bool join_format = root["options"] && root["options"].IsMap() && root["options"]["join"] &&
                             root["options"]["join"].IsMap() && root["options"]["join"]["format"];
    LOCH_RETURN_IF_ERROR(parse_sink(r, root["sink"], definition.sink));
    if (root["trigger"]) LOCH_RETURN_IF_ERROR(parse_trigger(r, root["trigger"], definition.trigger));
    if (root["options"]) LOCH_RETURN_IF_ERROR(parse_options(r, root["options"], definition.options));
    if (definition.options.join && !join_format) definition.options.join->format = definition.format;
    if (definition.options.join) {
      const auto& topics = definition.source.topics;
      if (std::find(topics.begin(), topics.end(), definition.options.join->topic) != topics.end()) {
        return r.error(root["options"]["join"]["topic"], "options.join.topic",
                       "'" + definition.options.join->topic + "' is also a source topic: a topic is one side of the join");
      }
    }
    if (definition.sink.max_file_age_ms > 0 && !definition.options.event_time_column.empty()) {
      return r.error(root["sink"]["max_file_age"], "sink.max_file_age",
                     "only for pipelines without event time (an event-time pipeline checkpoints its state with "
                     "each batch's commit)");
    }
    if (definition.options.emit == EmitMode::kUpdates && definition.sink.mode == SinkDefinition::Mode::kScd2) {
      return r.error(root["options"]["emit"], "options.emit",
                     "updates are upserts of windows: sink mode scd2 cannot take them (use append or merge)");
    }
    // Updates go through the merge sink, which rewrites files itself.
    if (definition.options.emit == EmitMode::kUpdates && definition.options.window) definition.sink.compact_min_files = 0;
    if (root["autostart"]) {
      LOCH_ASSIGN_OR_RETURN(definition.autostart, r.boolean(root["autostart"], "autostart"));
    }
    fs::path project_dir = file.parent_path().parent_path();
    if (root["transform"]) LOCH_RETURN_IF_ERROR(parse_transform(r, root["transform"], project_dir, definition.sql));
    return definition;
  } catch (const YAML::Exception& e) {
    // yaml-cpp throws on a node of the wrong kind; report it with its place.
    return Status::invalid_argument(file.string() + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

Result<PipelineDefinition> load_pipeline_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Status::not_found("pipeline definition " + file.string() + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_pipeline(text.str(), file);
}

Result<std::vector<PipelineDefinition>> load_project_pipelines(const fs::path& project_dir) {
  fs::path dir = project_dir / "pipelines";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Status::not_found(dir.string() + ": no pipelines directory");
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string ext = entry.path().extension().string();
    if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml")) files.push_back(entry.path());
  }
  if (ec) return Status::io_error(dir.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());
  std::vector<PipelineDefinition> definitions;
  std::map<std::string, fs::path> by_name;
  for (const fs::path& file : files) {
    LOCH_ASSIGN_OR_RETURN(PipelineDefinition definition, load_pipeline_file(file));
    auto [it, inserted] = by_name.emplace(definition.name, file);
    if (!inserted) {
      return Status::invalid_argument(file.string() + ": pipeline name '" + definition.name + "' is also used by " +
                                      it->second.string());
    }
    definitions.push_back(std::move(definition));
  }
  std::sort(definitions.begin(), definitions.end(),
            [](const PipelineDefinition& a, const PipelineDefinition& b) { return a.name < b.name; });
  return definitions;
}

std::optional<EventTimeSpec> PipelineDefinition::event_time_spec() const {
  if (options.event_time_column.empty()) return std::nullopt;
  EventTimeSpec spec;
  spec.watermark = {.allowed_lateness_ms = options.allowed_lateness_ms, .idle_timeout_ms = options.idle_timeout_ms};
  if (!options.dedup_key.empty()) spec.dedup_ttl_ms = options.dedup_ttl_ms;
  if (options.window) {
    WindowedAggregationSpec aggregation;
    aggregation.window = *options.window;
    for (const AggregateDefinition& a : options.aggregates) aggregation.aggregates.push_back(a.kind);
    aggregation.emit = options.emit;
    spec.aggregation = aggregation;
  }
  return spec;
}

}  // namespace loch::pipeline
