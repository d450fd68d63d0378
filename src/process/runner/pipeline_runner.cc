#include "process/runner/pipeline_runner.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "common/shutdown.h"
#include "process/pipeline/event_time_engine.h"
#include "process/pipeline/state_store.h"
#include "process/pipeline/txn_offsets.h"
#include "process/runner/background_appender.h"
#include "process/runner/interval_join_stage.h"
#include "process/runner/lake_tables.h"
#include "process/runner/partition_aligner.h"
#include "process/runner/pipeline_lock.h"
#include "process/runner/raw_record_scan.h"
#include "process/runner/staging_tables.h"
#include "process/runner/transform_poison.h"
#include "process/runner/window_upserts.h"
#include "process/sink/cdc_sink.h"
#include "process/source/event_extractor.h"
#include "process/source/kafka_source.h"
#include "process/source/record_format.h"
#include "store/sql/database.h"

namespace loch::runner {

namespace fs = std::filesystem;
using pipeline::PipelineDefinition;
using pipeline::SinkDefinition;
using pipeline::TriggerDefinition;

namespace {

// What the records weigh (key, value and headers): how the open file
// estimates its size.
int64_t record_bytes(const std::vector<source::SourceRecord>& records) {
  int64_t bytes = 0;
  for (const source::SourceRecord& record : records) {
    bytes += static_cast<int64_t>((record.key ? record.key->size() : 0) + (record.value ? record.value->size() : 0));
    for (const auto& [name, value] : record.headers) bytes += static_cast<int64_t>(name.size() + (value ? value->size() : 0));
  }
  return bytes;
}

pipeline::TimestampMs wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class PipelineRun {
 public:
  PipelineRun(const PipelineDefinition& definition, const RunOptions& options)
      : definition_(definition), options_(options) {}
  ~PipelineRun() {
    if (lock_fd_ >= 0) ::close(lock_fd_);
  }
  PipelineRun(const PipelineRun&) = delete;
  PipelineRun& operator=(const PipelineRun&) = delete;

  Status run();

 private:
  Status open();
  Status lock_pipeline();
  Status restore_state();
  Status process(source::MicroBatch& batch);
  bool stop_requested() const {
    return ShutdownSignal::requested() || (options_.stop != nullptr && options_.stop->load());
  }
  // Sleeps up to `ms`, waking early when a stop is requested.
  void pause(pipeline::TimestampMs ms) const {
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (!stop_requested() && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  SinkTable side_table(const std::string& table) const {
    return SinkTable{lake_table_root(options_.data_dir, definition_.sink.zone, table),
                     definition_.sink.zone + "." + table, {}, std::nullopt};
  }
  Result<std::string> output_query();
  Result<AppendOutcome> commit_output(const Offsets& next_offsets);
  // `appended`: the main commit's outcome when it was an append, which
  // tells whether compaction is due without loading the table again.
  Status compact_small_files(const std::optional<AppendOutcome>& appended);
  bool commits_by_append() const {
    return definition_.sink.mode == SinkDefinition::Mode::kAppend &&
           !(definition_.options.emit == pipeline::EmitMode::kUpdates && definition_.options.window);
  }
  // Bronze keeps when each record landed, and is partitioned by that day.
  bool adds_ingestion_columns() const { return definition_.sink.zone == "bronze"; }
  // `query` with bronze's _ingested_at and _ingested_date (as of now) added.
  std::string with_ingestion_columns(const std::string& query) const;
  // Append sinks of pipelines without event time commit in the background
  // (background_appender.h).
  Status start_background_appender();
  // Hands the batch's rows to the appender.
  Status commit_in_background(const source::MicroBatch& batch, BatchReport report);
  // Bronze without a transform: the records are written as read, through
  // raw_record_scan.h, not decoded and staged.
  bool writes_records_in_place() const {
    return appender_ && definition_.format.type == pipeline::RecordFormat::kRaw && definition_.sql.empty() &&
           !engine_ && !join_;
  }
  // Hands the batch's records to the appender as they are (taking them).
  Status commit_in_place(source::MicroBatch& batch, BatchReport report);
  void report_commit(BatchReport& report);
  Status in_context(Status status) const {
    return status.is_ok() ? status : status.with_context("pipeline " + definition_.name);
  }

  const PipelineDefinition& definition_;
  const RunOptions& options_;
  TriggerDefinition trigger_;
  std::unique_ptr<sql::Database> database_;
  std::optional<sql::Connection> connection_;
  std::optional<DeltaAppendSink> sink_;
  std::optional<DeltaAppendSink> late_sink_;
  std::optional<DeltaAppendSink> dlq_sink_;
  std::unique_ptr<source::KafkaSource> source_;
  std::unique_ptr<source::RecordFormat> format_;
  std::optional<pipeline::EventTimeEngine> engine_;
  std::optional<source::EventExtractor> extractor_;
  // This batch's transform output is in the table transformed_rows
  // (transform_poison.h): a transform over this batch's records (not over
  // windows or join pairs). Always so for a background commit's transform.
  bool transform_materialized_ = false;
  std::unique_ptr<pipeline::StateStore> state_;
  // Lake tables the transform names (stream-table joins), at their newest snapshot each batch.
  std::optional<LakeTables> lake_tables_;
  // options.join: the stream-stream interval join (interval_join_stage.h).
  std::unique_ptr<IntervalJoinStage> join_;
  int64_t table_version_ = -1;
  int lock_fd_ = -1;
  int64_t batches_ = 0;
  std::chrono::steady_clock::time_point batch_started_;
  // Last: destroyed first, finishing a commit in flight while the rest exists.
  std::unique_ptr<BackgroundAppender> appender_;
};

Status PipelineRun::open() {
  trigger_ = options_.trigger.value_or(definition_.trigger);
  LOCH_RETURN_IF_ERROR(lock_pipeline());
  LOCH_ASSIGN_OR_RETURN(database_, sql::Database::open(":memory:"));
  LOCH_ASSIGN_OR_RETURN(auto connection, database_->connect());
  connection_.emplace(std::move(connection));
  // Dates and timestamps in the transform SQL mean UTC, whatever the machine's zone.
  LOCH_RETURN_IF_ERROR(connection_->execute("SET TimeZone = 'UTC'"));

  const SinkDefinition& sink = definition_.sink;
  SinkTable table{lake_table_root(options_.data_dir, sink.zone, sink.table), sink.zone + "." + sink.table,
                  sink.partition_by, sink.target_file_size_bytes};
  // Bronze holds raw payloads, unique per record: building a Parquet
  // dictionary of them only to drop it cost a tenth of the write (352k
  // clicks, one thread: 140-147 -> 127 ms, the same bytes). Columns of few
  // values (topic, partition, ingestion date) still get theirs.
  if (sink.zone == "bronze") table.dictionary_size_limit = 1000;
  sink_.emplace(std::move(table), definition_.name);
  dlq_sink_.emplace(side_table(sink.table + "_dlq"), definition_.name);
  // The zone's directory: the CDC sinks create only the table's own.
  std::error_code ec;
  fs::create_directories(sink_->table().root.parent_path(), ec);
  if (ec) return Status::io_error("cannot create " + sink_->table().root.parent_path().string() + ": " + ec.message());
  LOCH_ASSIGN_OR_RETURN(table_version_, sink_->version(*connection_));

  std::shared_ptr<decode::DecoderCache> registry;
  if (source::is_registry_format(definition_.format.type) && options_.registry_decoders) {
    const std::string& url =
        definition_.format.registry_url.empty() ? options_.default_registry : definition_.format.registry_url;
    LOCH_ASSIGN_OR_RETURN(registry, options_.registry_decoders(url));
  }
  LOCH_ASSIGN_OR_RETURN(format_, source::make_record_format(definition_.format, std::move(registry)));
  if (auto spec = definition_.event_time_spec()) {
    LOCH_ASSIGN_OR_RETURN(auto engine, pipeline::EventTimeEngine::create(*spec));
    engine_.emplace(std::move(engine));
    std::string late_table = sink.late_table.empty() ? sink.table + "_late" : sink.late_table;
    // late_table may be written zone.table.
    if (auto dot = late_table.find('.'); dot != std::string::npos) late_table = late_table.substr(dot + 1);
    late_sink_.emplace(side_table(late_table), definition_.name);
    LOCH_RETURN_IF_ERROR(restore_state());
  }

  pipeline::SourceDefinition source_definition = definition_.source;
  if (definition_.options.join) {
    LOCH_ASSIGN_OR_RETURN(join_, IntervalJoinStage::open(definition_, options_.data_dir, table_version_));
    source_definition.topics.push_back(definition_.options.join->topic);
  }
  for (const auto& [name, value] : options_.extra_properties) source_definition.properties[name] = value;
  source::KafkaSourceOptions source_options;
  source_options.default_bootstrap_servers = options_.default_bootstrap;
  LOCH_ASSIGN_OR_RETURN(source_, source::KafkaSource::open(source_definition, source_options));
  LOCH_ASSIGN_OR_RETURN(Offsets start, sink_->committed_offsets(*connection_));
  LOCH_RETURN_IF_ERROR(source_->assign(start, options_.stop_at));
  LOCH_RETURN_IF_ERROR(start_background_appender());
  // Partitions join the watermark with their first event, not before: the
  // aligner already keeps them in step, and a partition registered before
  // its first event would leave the watermark unset, letting the first late
  // events of the others pass as on time.
  return Status::ok();
}

// One run of a pipeline at a time: two would both commit under the
// versions their state was checkpointed for, and overwrite each other's
// checkpoints. The lock is a flock held by the open file, released by the
// kernel when the process ends, however it ends.
Status PipelineRun::lock_pipeline() {
  LOCH_ASSIGN_OR_RETURN(lock_fd_, acquire_pipeline_lock(options_.data_dir, definition_.name));
  return Status::ok();
}

// The state must be that of the table's version: restored from the
// checkpoint written under it (a newer one belongs to a commit that never
// happened and is dropped by restore()).
Status PipelineRun::restore_state() {
  fs::path dir = options_.data_dir / "state" / definition_.name;
  if (table_version_ < 0) {
    // No output yet: state left from an earlier table of this name is stale.
    std::error_code ec;
    fs::remove_all(dir, ec);
    if (ec) return Status::io_error("cannot remove " + dir.string() + ": " + ec.message());
  }
  LOCH_ASSIGN_OR_RETURN(state_, pipeline::StateStore::open(dir));
  if (table_version_ < 0) return Status::ok();
  Status restored = engine_->restore(*state_, TableVersion(table_version_));
  if (!restored.is_ok()) {
    return restored.with_context("pipeline " + definition_.name + ": state for version " +
                                 std::to_string(table_version_) + " of " + sink_->table().display_name +
                                 " (delete the table and " + dir.string() + " to rebuild from the topics)");
  }
  return Status::ok();
}

Result<std::string> PipelineRun::output_query() {
  std::string query = definition_.sql.empty() ? "SELECT * FROM batch" : definition_.sql;
  if (!lake_tables_) lake_tables_.emplace(options_.data_dir / "lake");
  LOCH_ASSIGN_OR_RETURN(query, lake_tables_->resolve(query, *connection_));
  while (!query.empty() && (query.back() == ';' || std::isspace(static_cast<unsigned char>(query.back())))) {
    query.pop_back();
  }
  return with_ingestion_columns(query);
}

std::string PipelineRun::with_ingestion_columns(const std::string& query) const {
  if (!adds_ingestion_columns()) return query;
  pipeline::TimestampMs now = wall_clock_ms();
  return fmt::format(
      "SELECT *, CAST(epoch_ms({0}) AS TIMESTAMPTZ) AS _ingested_at, CAST(epoch_ms({0}) AS DATE) AS _ingested_date "
      "FROM ({1}) AS transformed",
      now, query);
}

Status PipelineRun::process(source::MicroBatch& batch) {
  const auto started = std::chrono::steady_clock::now();
  BatchReport report;
  report.pipeline = definition_.name;
  report.batch = ++batches_;
  report.records = static_cast<int64_t>(batch.records.size());
  report.next_offsets = batch.next_offsets;
  if (writes_records_in_place()) return commit_in_place(batch, std::move(report));
  pipeline::TimestampMs now = wall_clock_ms();

  decode::ColumnBatch columns;
  std::vector<PoisonRecord> poison;
  std::vector<const source::SourceRecord*> decoded;
  for (const source::SourceRecord& record : batch.records) {
    size_t before = columns.rows();
    if (join_ && join_->owns(record)) {  // the join's own topic: judged in order below
      join_->queue(record, before);
      continue;
    }
    Status status = format_->decode(record, columns);
    if (!status.is_ok()) {
      poison.push_back({&record, status.message()});
      continue;
    }
    if (columns.rows() > before) decoded.push_back(&record);
  }
  sql::Connection& connection = *connection_;
  LOCH_RETURN_IF_ERROR(stage_records(connection, format_->columns(), columns));

  if (engine_) {
    if (!extractor_ && !format_->columns().empty()) {
      LOCH_ASSIGN_OR_RETURN(auto extractor, source::EventExtractor::create(definition_, format_->columns()));
      extractor_.emplace(std::move(extractor));
    }
    std::vector<RowVerdict> verdicts(columns.rows());
    pipeline::Event event;
    for (size_t row = 0; row < columns.rows(); ++row) {
      if (join_) LOCH_RETURN_IF_ERROR(join_->judge_queued(row, *engine_, now, poison));
      Status extracted = extractor_->extract(columns, row, event);
      if (!extracted.is_ok()) {
        verdicts[row] = {StagedVerdict::kPoison, extracted.message(), pipeline::kNoTimestamp};
        poison.push_back({decoded[row], extracted.message()});
        continue;
      }
      pipeline::EventOutcome outcome = engine_->process(event, now);
      switch (outcome.verdict) {
        case pipeline::Verdict::kAccepted:
          if (join_) LOCH_RETURN_IF_ERROR(join_->add_left(*format_, columns, row, *decoded[row]));
          break;
        case pipeline::Verdict::kLate:
          verdicts[row] = {StagedVerdict::kLate, std::move(outcome.reason), outcome.watermark_ms};
          ++report.late;
          break;
        case pipeline::Verdict::kDuplicate:
          verdicts[row] = {StagedVerdict::kDuplicate, std::move(outcome.reason), outcome.watermark_ms};
          ++report.duplicates;
          break;
      }
    }
    if (join_) LOCH_RETURN_IF_ERROR(join_->judge_queued(SIZE_MAX, *engine_, now, poison));
    engine_->on_processing_time(now);
    engine_->end_batch();
    LOCH_RETURN_IF_ERROR(stage_verdicts(connection, columns, verdicts));
    if (definition_.options.window) {
      LOCH_RETURN_IF_ERROR(stage_window_results(connection, definition_, engine_->take_results()));
    }
    report.watermark_ms = engine_->watermark();
  }
  report.poison = static_cast<int64_t>(poison.size());
  LOCH_RETURN_IF_ERROR(create_batch_views(connection, engine_.has_value(), definition_.options.window.has_value()));
  if (join_) LOCH_RETURN_IF_ERROR(join_->stage(connection, *format_, engine_->watermark()));
  // The transform runs here, before the DLQ commit, so that the records it
  // fails on go to the DLQ with this batch (transform_poison.h). Not over
  // windows or join pairs: their rows are not this batch's records.
  transform_materialized_ = !definition_.sql.empty() && !definition_.options.window && !join_;
  if (transform_materialized_) {
    LOCH_ASSIGN_OR_RETURN(std::string query, output_query());
    auto failures = run_transform_isolating_failures(connection, query, "transformed_rows");
    if (!failures.is_ok()) return failures.status().with_context("pipeline " + definition_.name + ": transform");
    for (const TransformFailure& failure : *failures) {
      auto record = std::find_if(batch.records.begin(), batch.records.end(), [&](const source::SourceRecord& r) {
        return r.offset == failure.offset && r.source.partition == failure.partition && r.source.topic == failure.topic;
      });
      if (record == batch.records.end()) {
        return Status::internal("pipeline " + definition_.name + ": the transform fails on " + failure.topic + "/" +
                                std::to_string(failure.partition) + "@" + std::to_string(failure.offset) +
                                ", not a record of this batch: " + failure.error);
      }
      poison.push_back({&*record, "transform: " + failure.error});
    }
    report.poison = static_cast<int64_t>(poison.size());
  }

  // The state goes under the version the main commit will create, before
  // that commit: a crash in between leaves a checkpoint newer than the
  // table, which the restart discards.
  const int64_t expected_version = table_version_ + 1;
  if (engine_) LOCH_RETURN_IF_ERROR(engine_->checkpoint(*state_, TableVersion(expected_version)));
  if (join_) LOCH_RETURN_IF_ERROR(join_->checkpoint(TableVersion(expected_version)));
  // Side tables first: they skip rows before their own offsets, so a replay
  // after a crash between them and the main commit writes nothing twice.
  if (!poison.empty()) {
    LOCH_RETURN_IF_ERROR(stage_poison(connection, poison));
    LOCH_ASSIGN_OR_RETURN(
        auto written,
        dlq_sink_->append(connection,
                          "SELECT * EXCLUDE (_timestamp_ms), CAST(epoch_ms(_timestamp_ms) AS TIMESTAMPTZ) AS _timestamp, "
                          "CAST(epoch_ms(" + std::to_string(now) + ") AS TIMESTAMPTZ) AS _failed_at FROM poison",
                          batch.next_offsets, true));
    (void)written;
  }
  if (report.late > 0) {
    LOCH_ASSIGN_OR_RETURN(auto written, late_sink_->append(connection, "SELECT * FROM late_rows", batch.next_offsets, true));
    (void)written;
  }
  if (join_) {
    LOCH_ASSIGN_OR_RETURN(int64_t late_right, join_->commit_late(connection, batch.next_offsets));
    report.late += late_right;
  }
  if (appender_) return commit_in_background(batch, std::move(report));
  auto outcome = commit_output(batch.next_offsets);
  if (!outcome.is_ok()) return outcome.status().with_context("pipeline " + definition_.name);
  if (!outcome->skipped && engine_ && outcome->version != expected_version) {
    return Status::conflict("pipeline " + definition_.name + ": " + sink_->table().display_name +
                            " was written by another writer (committed version " + std::to_string(outcome->version) +
                            ", expected " + std::to_string(expected_version) + "); stopping");
  }
  table_version_ = outcome->version;
  if (!outcome->skipped) {
    LOCH_RETURN_IF_ERROR(compact_small_files(commits_by_append() ? std::optional<AppendOutcome>(*outcome) : std::nullopt));
  }
  report.rows = outcome->rows;
  report.version = table_version_;
  report.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  if (options_.on_batch) report.high_watermarks = source_->high_watermarks();
  if (options_.on_batch) options_.on_batch(report);
  return Status::ok();
}

// The main table's commit: an append, or (sink modes merge and scd2) the
// CDC sinks applying the batch's changes per merge key.
Result<AppendOutcome> PipelineRun::commit_output(const Offsets& next_offsets) {
  sql::Connection& connection = *connection_;
  const SinkDefinition& sink = definition_.sink;
  std::string query = "SELECT * FROM transformed_rows";
  if (!transform_materialized_) {
    LOCH_ASSIGN_OR_RETURN(query, output_query());
  }
  // emit: updates: upserts of windows by key (window_upserts.h).
  const bool upserts = definition_.options.emit == pipeline::EmitMode::kUpdates && definition_.options.window;
  if (sink.mode == SinkDefinition::Mode::kAppend && !upserts) {
    return sink_->append(connection, query, next_offsets, false, transform_materialized_);
  }
  if (upserts) query = window_upsert_input(query, table_version_ + 1);
  LOCH_RETURN_IF_ERROR(connection.execute("CREATE OR REPLACE VIEW sink_input AS " + query));
  std::vector<sink::CdcTxnMark> marks;
  for (const auto& [partition, next] : next_offsets) {
    marks.push_back({pipeline::txn_app_id(definition_.name, partition), next});
  }
  const auto& root = sink_->table().root;
  auto applied = sink.mode == SinkDefinition::Mode::kScd2
                     ? sink::apply_scd2(connection, root, sink.merge_keys, "sink_input", marks)
                     : sink::apply_scd1(connection, root, upserts ? window_upsert_keys(definition_) : sink.merge_keys,
                                        "sink_input", marks,
                                        upserts ? sink::NullKeys::kOneValue : sink::NullKeys::kRefused);
  if (!applied.is_ok()) return applied.status();
  AppendOutcome outcome;
  outcome.skipped = applied->skipped || !applied->version;
  outcome.version = applied->version.value_or(table_version_);
  outcome.rows = sink.mode != SinkDefinition::Mode::kScd2 ? applied->upserted + applied->deleted
                                                           : applied->versions_inserted + applied->versions_closed;
  return outcome;
}

// Bronze file sizes (doc/pipelines.md): each batch adds small files, which
// an append sink compacts once a partition holds sink.compact_min_files of
// them. The compaction is a Delta version of its own, so an event-time
// pipeline checkpoints its (unchanged) state under that version first, as
// before any commit: a restart then finds the checkpoint of the table's
// version whether or not the compaction committed.
Status PipelineRun::compact_small_files(const std::optional<AppendOutcome>& appended) {
  const SinkDefinition& sink = definition_.sink;
  if (sink.mode != SinkDefinition::Mode::kAppend || sink.compact_min_files == 0) return Status::ok();
  sql::Connection& connection = *connection_;
  bool due = false;
  if (appended) {
    due = DeltaAppendSink::has_small_files_to_compact(*appended, sink.compact_min_files);
  } else {
    LOCH_ASSIGN_OR_RETURN(due, sink_->has_small_files_to_compact(connection, sink.compact_min_files));
  }
  if (!due) return Status::ok();
  const int64_t expected_version = table_version_ + 1;
  if (engine_) LOCH_RETURN_IF_ERROR(engine_->checkpoint(*state_, TableVersion(expected_version)));
  if (join_) LOCH_RETURN_IF_ERROR(join_->checkpoint(TableVersion(expected_version)));
  LOCH_ASSIGN_OR_RETURN(std::optional<int64_t> version, sink_->compact_small_files(connection, sink.compact_min_files));
  if (!version) return Status::ok();
  if (engine_ && *version != expected_version) {
    return Status::conflict("pipeline " + definition_.name + ": " + sink_->table().display_name +
                            " was written by another writer (compaction committed version " + std::to_string(*version) +
                            ", expected " + std::to_string(expected_version) + "); stopping");
  }
  table_version_ = *version;
  return Status::ok();
}

Status PipelineRun::run() {
  LOCH_RETURN_IF_ERROR(open());
  // Event-time pipelines see the partitions in step (partition_aligner.h).
  std::optional<PartitionAligner> aligner;
  // Its cap bounds memory when a partition stops short of its end; it must
  // hold a partition's backlog as librdkafka may hand it over whole. (10
  // batches of the default 50,000 records: the bound it had when the default
  // was 10,000 and the cap 50 batches.)
  constexpr int64_t kMinAlignerCap = 500'000;
  if (engine_) {
    aligner.emplace(static_cast<size_t>(std::max(definition_.source.max_batch_records * 10, kMinAlignerCap)));
  }
  while (!stop_requested()) {
    LOCH_ASSIGN_OR_RETURN(source::MicroBatch batch, source_->next_batch());
    const size_t read = batch.records.size();
    if (aligner) {
      aligner->add(std::move(batch));
      batch = aligner->release();
    }
    if (!batch.records.empty()) {
      batch_started_ = std::chrono::steady_clock::now();
      LOCH_RETURN_IF_ERROR(process(batch));
    } else if (engine_) {
      engine_->on_processing_time(wall_clock_ms());
    }
    if (appender_) LOCH_RETURN_IF_ERROR(in_context(appender_->close_if_due(std::chrono::steady_clock::now())));
    if (trigger_.kind == TriggerDefinition::Kind::kAvailableNow) {
      if (batch.caught_up) break;
      continue;
    }
    // interval: once the topics are drained, wait for the next tick (or
    // until the open file is due); continuous: next_batch() itself waits
    // for records, at most max_batch_time.
    bool drained = static_cast<int64_t>(read) < definition_.source.max_batch_records;
    // Nothing left to overlap the commit in flight with: report it now.
    if (drained && appender_) LOCH_RETURN_IF_ERROR(in_context(appender_->finish()));
    if (trigger_.kind == TriggerDefinition::Kind::kInterval && drained) {
      pipeline::TimestampMs wait_ms = trigger_.interval_ms;
      if (appender_ && appender_->has_open_file()) {
        wait_ms = std::clamp<pipeline::TimestampMs>(appender_->time_left(std::chrono::steady_clock::now()).count(), 1,
                                                    wait_ms);
      }
      pause(wait_ms);
    }
  }
  if (!appender_) return Status::ok();
  // The rows read so far commit, also when a stop was requested.
  LOCH_RETURN_IF_ERROR(in_context(appender_->close()));
  return in_context(appender_->finish());
}

Status PipelineRun::start_background_appender() {
  if (engine_ || definition_.sink.mode != SinkDefinition::Mode::kAppend) return Status::ok();
  FileClosePolicy policy;
  policy.max_age = std::chrono::milliseconds(definition_.sink.max_file_age_ms);
  policy.target_bytes = definition_.sink.target_file_size_bytes;
  LOCH_ASSIGN_OR_RETURN(appender_, BackgroundAppender::start(*database_, *sink_, policy, definition_.sink.compact_min_files,
                                                             [this](BatchReport& report) { report_commit(report); }));
  // The two threads are the parallelism now: DuckDB's own workers (one per
  // core by default) would compete with them, and its threads waiting for
  // tasks cost CPU (measured on 2 cores: 0.67 -> 0.52 s user for 420k rows).
  // The database is this pipeline's own, so the setting is too.
  const unsigned cores = std::max(2u, std::thread::hardware_concurrency());
  LOCH_RETURN_IF_ERROR(connection_->execute("SET threads = " + std::to_string(cores - 1)));
  return writes_records_in_place() ? register_raw_record_scan(*connection_) : Status::ok();
}

Status PipelineRun::commit_in_background(const source::MicroBatch& batch, BatchReport report) {
  // The output is kept in a table of its own, since the next batch replaces
  // the staging tables: without a transform, the staged rows themselves
  // (renamed, not copied); else the transform's result, computed here in
  // batch order.
  const std::string rows_table = "sink_rows_" + std::to_string(report.batch);
  std::string rows_query = "SELECT * FROM " + rows_table;
  LOCH_RETURN_IF_ERROR(in_context(connection_->execute(
      "ALTER TABLE " + std::string(definition_.sql.empty() ? "batch_all" : "transformed_rows") + " RENAME TO " +
      rows_table)));
  // Ingestion time is when the batch was read, also when its file commits later.
  if (definition_.sql.empty()) rows_query = with_ingestion_columns(rows_query);
  return in_context(appender_->add(rows_table, rows_query, record_bytes(batch.records), std::move(report), batch_started_));
}

Status PipelineRun::commit_in_place(source::MicroBatch& batch, BatchReport report) {
  const int64_t bytes = record_bytes(batch.records);
  // Ingestion time is when the batch was read, also when its file commits later.
  Status added = appender_->add_records(std::move(batch.records), wall_clock_ms(), adds_ingestion_columns(), bytes,
                                        std::move(report), batch_started_);
  batch.records.clear();
  return in_context(added);
}

// A commit of the appender has ended.
void PipelineRun::report_commit(BatchReport& report) {
  table_version_ = report.version;
  if (options_.on_batch) {
    report.high_watermarks = source_->high_watermarks();
    options_.on_batch(report);
  }
}

}  // namespace

fs::path lake_table_root(const fs::path& data_dir, const std::string& zone, const std::string& table) {
  return data_dir / "lake" / zone / table;
}

Status run_pipeline(const PipelineDefinition& definition, const RunOptions& options) {
  PipelineRun run(definition, options);
  return run.run();
}

std::string format_batch_report(const BatchReport& report) {
  std::string offsets;
  for (const auto& [partition, next] : report.next_offsets) {
    offsets += fmt::format("{}{}/{}:{}", offsets.empty() ? "" : ",", partition.topic, partition.partition, next);
  }
  std::string line = fmt::format("{} batch={} records={} rows={} late={} duplicates={} poison={} version={} offsets={}",
                                 report.pipeline, report.batch, report.records, report.rows, report.late,
                                 report.duplicates, report.poison, report.version, offsets);
  if (report.watermark_ms != pipeline::kNoTimestamp) line += " watermark=" + pipeline::iso_time(report.watermark_ms);
  return line;
}

}  // namespace loch::runner
