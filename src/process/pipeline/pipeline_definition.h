// A pipeline as its user writes it: pipelines/<name>.yaml in a project
// directory (the format is doc/pipelines.md). Parsing checks every key and
// value and reports the first problem as "<file>:<line>: <key>: <what>";
// unknown keys are errors, so a typo does not silently fall back to a default.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "process/pipeline/event_time_engine.h"

namespace loch::pipeline {

struct SourceDefinition {
  std::vector<std::string> topics;
  // Empty: the embedded broker of `loch serve` (its --kafka-port).
  std::string bootstrap_servers;
  // librdkafka consumer properties passed through as given (security.protocol,
  // sasl.mechanism, sasl.username, ssl.ca.location, fetch.max.bytes, ...).
  std::map<std::string, std::string> properties;
  enum class StartingOffsets { kEarliest, kLatest };
  // Where a partition without a committed offset in the sink table starts.
  StartingOffsets starting_offsets = StartingOffsets::kEarliest;
  // A batch takes what is queued up to this many records, so the cap only
  // matters once a pipeline is behind. Each batch has fixed costs (state
  // checkpoint flush, Delta commit, snapshot load): with 10,000, silver and
  // gold at 50,000 events/s on 2 cores could not catch up once behind
  // (p99 5-10 s); with 40,000, p99 0.9-1.6 s (doc/pipelines.md "Freshness").
  int64_t max_batch_records = 50'000;
  TimestampMs max_batch_ms = 1'000;
};

enum class RecordFormat { kJsonLines, kCsv, kDebezium, kAvro, kJsonSchema, kProtobuf, kRaw };
std::string_view record_format_name(RecordFormat format);

struct FormatDefinition {
  RecordFormat type = RecordFormat::kJsonLines;
  // Registry formats: the schema registry (empty: the embedded one).
  std::string registry_url;
  // csv
  bool csv_header = true;  // skip records that repeat the column names
  char csv_delimiter = ',';
  // Column names and DuckDB types, in order: required for csv (each record
  // is one line), optional for jsonl and debezium (else the whole document
  // is one JSON column), refused for registry formats (the schema says).
  std::vector<std::pair<std::string, std::string>> columns;
};

struct SinkDefinition {
  std::string zone;   // bronze, silver, gold
  std::string table;  // within the zone
  std::vector<std::string> partition_by;
  int64_t target_file_size_bytes = 128LL << 20;
  // append; merge: upsert/delete by merge_keys (CDC into SCD type 1);
  // scd2: history rows with valid_from, valid_to, is_current by merge_keys.
  enum class Mode { kAppend, kMerge, kScd2 };
  Mode mode = Mode::kAppend;
  std::vector<std::string> merge_keys;  // modes merge and scd2
  std::string late_table;               // default: <table>_late in the same zone
  // Mode append: once a partition of the table holds this many files under
  // half of target_file_size, the pipeline compacts it (dataChange=false
  // rewrite) after its commit; 0: never.
  int64_t compact_min_files = 50;
  // Mode append without event time: a file stays open across micro-batches
  // until it is this old or about target_file_size (runner/open_file.h);
  // 0: every micro-batch commits its own files.
  TimestampMs max_file_age_ms = 0;
};

struct TriggerDefinition {
  enum class Kind { kInterval, kAvailableNow, kContinuous };
  Kind kind = Kind::kInterval;
  TimestampMs interval_ms = 10'000;  // kInterval
};

struct AggregateDefinition {
  std::string output_column;
  AggregateKind kind = AggregateKind::kCountAll;
  std::string input_column;  // empty for count(*)
};

// options.join: a stream-stream interval join (interval_join.h). The join's
// topic is read by the pipeline beside its own and decoded with `format`.
struct JoinDefinition {
  std::string topic;
  FormatDefinition format;       // default: the pipeline's format
  std::string event_time_column; // default: options.event_time
  std::string left_key;          // column of the pipeline's records
  std::string right_key;         // column of the join topic's records
  TimestampMs lower_ms = 0;      // within: [lower, upper], right time - left time
  TimestampMs upper_ms = 0;
  std::string prefix = "right_"; // the join topic's columns in `batch` are prefixed
};

struct EventTimeDefinition {
  std::string event_time_column;  // empty: no event-time processing
  TimestampMs allowed_lateness_ms = 0;
  TimestampMs idle_timeout_ms = 60'000;
  std::optional<WindowSpec> window;
  std::vector<std::string> group_by;
  std::vector<AggregateDefinition> aggregates;
  EmitMode emit = EmitMode::kFinal;
  std::string dedup_key;  // empty: no deduplication
  TimestampMs dedup_ttl_ms = 0;
  std::optional<JoinDefinition> join;
};

struct PipelineDefinition {
  std::string name;
  std::filesystem::path file;
  SourceDefinition source;
  FormatDefinition format;
  SinkDefinition sink;
  TriggerDefinition trigger;
  EventTimeDefinition options;
  std::string sql;  // the transformation, run on each micro-batch (table `batch`)
  bool autostart = true;  // `loch serve --project` starts it

  // The engine spec for the options (no value when there is no event time).
  std::optional<EventTimeSpec> event_time_spec() const;
};

// Parses one definition; `file` names it in errors and is where a relative
// `transform.file` is found (relative to the project directory, the parent of
// pipelines/).
Result<PipelineDefinition> parse_pipeline(const std::string& yaml_text, const std::filesystem::path& file);
Result<PipelineDefinition> load_pipeline_file(const std::filesystem::path& file);
// Every pipelines/*.yaml of a project, sorted by name; two with one name are an error.
Result<std::vector<PipelineDefinition>> load_project_pipelines(const std::filesystem::path& project_dir);

// "250ms", "30s", "5m", "2h", "1d" or a bare number of milliseconds.
Result<TimestampMs> parse_duration_ms(std::string_view text);
// "512KB", "128MB", "1GB" (powers of 1024; KiB/MiB/GiB also) or bytes.
Result<int64_t> parse_size_bytes(std::string_view text);

}  // namespace loch::pipeline
