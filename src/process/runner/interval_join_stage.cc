#include "process/runner/interval_join_stage.h"

#include <unordered_map>

#include "process/ingest/column_batch_appender.h"
#include "process/pipeline/state_codec.h"
#include "process/runner/pipeline_runner.h"
#include "store/delta/file_paths.h"

namespace loch::runner {

namespace fs = std::filesystem;
using delta::sql_identifier;
using pipeline::IntervalJoin;

namespace {

// A buffered row is its whole Kafka record, decoded again when it matches:
// str topic, i64 partition, i64 offset, i64 timestamp, u8 has key, str key,
// u8 has value, str value, u32 headers, (str name, u8 has value, str value)*.
std::string encode_record(const source::SourceRecord& record) {
  pipeline::StateEncoder out;
  out.str(record.source.topic);
  out.i64(record.source.partition);
  out.i64(record.offset);
  out.i64(record.timestamp_ms);
  out.u8(record.key ? 1 : 0);
  out.str(record.key.value_or(""));
  out.u8(record.value ? 1 : 0);
  out.str(record.value.value_or(""));
  out.u32(static_cast<uint32_t>(record.headers.size()));
  for (const auto& [name, value] : record.headers) {
    out.str(name);
    out.u8(value ? 1 : 0);
    out.str(value.value_or(""));
  }
  return out.take();
}

Result<source::SourceRecord> decode_record(std::string_view bytes) {
  pipeline::StateDecoder in(bytes, "interval join row");
  source::SourceRecord record;
  LOCH_ASSIGN_OR_RETURN(record.source.topic, in.str());
  LOCH_ASSIGN_OR_RETURN(int64_t partition, in.i64());
  record.source.partition = static_cast<int32_t>(partition);
  LOCH_ASSIGN_OR_RETURN(record.offset, in.i64());
  LOCH_ASSIGN_OR_RETURN(record.timestamp_ms, in.i64());
  LOCH_ASSIGN_OR_RETURN(uint8_t has_key, in.u8());
  LOCH_ASSIGN_OR_RETURN(std::string key, in.str());
  if (has_key) record.key = std::move(key);
  LOCH_ASSIGN_OR_RETURN(uint8_t has_value, in.u8());
  LOCH_ASSIGN_OR_RETURN(std::string value, in.str());
  if (has_value) record.value = std::move(value);
  LOCH_ASSIGN_OR_RETURN(uint32_t headers, in.u32());
  for (uint32_t i = 0; i < headers; ++i) {
    LOCH_ASSIGN_OR_RETURN(std::string name, in.str());
    LOCH_ASSIGN_OR_RETURN(uint8_t has_header_value, in.u8());
    LOCH_ASSIGN_OR_RETURN(std::string header_value, in.str());
    record.headers.emplace_back(std::move(name), has_header_value ? std::optional<std::string>(std::move(header_value))
                                                                  : std::nullopt);
  }
  if (!in.at_end()) return Status::corruption("interval join row: bytes left over after the record");
  return record;
}

// The definition EventExtractor reads a side's event time and key from: the
// key as the only group_by column, no dedup, no aggregates.
pipeline::PipelineDefinition side_definition(const pipeline::PipelineDefinition& definition,
                                             const std::string& event_time, const std::string& key) {
  pipeline::PipelineDefinition side = definition;
  side.options.event_time_column = event_time;
  side.options.dedup_key.clear();
  side.options.window.reset();
  side.options.aggregates.clear();
  side.options.group_by = {key};
  side.options.join.reset();
  return side;
}

// A key with a null part matches nothing (SQL join semantics).
bool null_key(const std::string& key) { return key == "\\N"; }

Status stage_payloads(sql::Connection& connection, const std::string& table, source::RecordFormat& format,
                      const std::vector<const std::string*>& payloads) {
  decode::ColumnBatch rows;
  for (const std::string* payload : payloads) {
    LOCH_ASSIGN_OR_RETURN(source::SourceRecord record, decode_record(*payload));
    size_t before = rows.rows();
    Status decoded = format.decode(record, rows);
    if (!decoded.is_ok() || rows.rows() != before + 1) {
      return Status::internal("interval join: a buffered record of " + record.source.topic + "/" +
                              std::to_string(record.source.partition) + " offset " + std::to_string(record.offset) +
                              " no longer decodes" + (decoded.is_ok() ? "" : ": " + decoded.message()));
    }
  }
  LOCH_RETURN_IF_ERROR(
      connection.execute("DROP TABLE IF EXISTS " + table + "; " + ingest::create_table_sql(table, format.columns())));
  if (rows.rows() == 0) return Status::ok();
  return ingest::append_column_batch(connection, table, rows);
}

}  // namespace

IntervalJoinStage::IntervalJoinStage(const pipeline::PipelineDefinition& definition, const fs::path& data_dir)
    : join_(*definition.options.join),
      left_definition_(side_definition(definition, definition.options.event_time_column, join_.left_key)),
      right_definition_(side_definition(definition, join_.event_time_column, join_.right_key)),
      operator_(pipeline::IntervalJoinSpec{join_.lower_ms, join_.upper_ms}),
      late_sink_(SinkTable{lake_table_root(data_dir, definition.sink.zone, definition.sink.table + "_late_right"),
                           definition.sink.zone + "." + definition.sink.table + "_late_right", {}, std::nullopt},
                 definition.name) {}

Result<std::unique_ptr<IntervalJoinStage>> IntervalJoinStage::open(const pipeline::PipelineDefinition& definition,
                                                                   const fs::path& data_dir, int64_t table_version) {
  std::unique_ptr<IntervalJoinStage> stage(new IntervalJoinStage(definition, data_dir));
  auto format = source::make_record_format(stage->join_.format);
  if (!format.is_ok()) return format.status().with_context(definition.file.string() + ": options.join.format");
  stage->right_format_ = std::move(*format);
  fs::path dir = data_dir / "state" / definition.name / "join";
  LOCH_ASSIGN_OR_RETURN(stage->state_, pipeline::StateStore::open(dir));
  if (table_version < 0) return stage;
  auto entries = stage->state_->restore(TableVersion(table_version));
  Status restored = entries.is_ok() ? stage->operator_.restore_entries(*entries) : entries.status();
  if (!restored.is_ok()) {
    return restored.with_context("pipeline " + definition.name + ": interval join state for version " +
                                 std::to_string(table_version) + " in " + dir.string() +
                                 " (delete the table and the pipeline's state to rebuild from the topics)");
  }
  // live/ still being that checkpoint, the next one is a delta on top of it.
  if (stage->state_->live_holds(TableVersion(table_version))) stage->delta_base_store_ = stage->state_->id();
  return stage;
}

Status IntervalJoinStage::judge_queued(size_t row, pipeline::EventTimeEngine& engine, pipeline::TimestampMs now,
                                       std::vector<PoisonRecord>& poison) {
  pipeline::Event event;
  for (; next_queued_ < queued_.size() && queued_[next_queued_].position <= row; ++next_queued_) {
    const source::SourceRecord& record = *queued_[next_queued_].record;
    const size_t before = right_rows_.rows();
    Status decoded = right_format_->decode(record, right_rows_);
    if (!decoded.is_ok()) {
      poison.push_back({&record, decoded.message()});
      continue;
    }
    if (right_rows_.rows() == before) continue;  // e.g. a csv header line
    if (!right_extractor_) {
      LOCH_ASSIGN_OR_RETURN(auto extractor, source::EventExtractor::create(right_definition_, right_format_->columns()));
      right_extractor_.emplace(std::move(extractor));
    }
    Status extracted = right_extractor_->extract(right_rows_, before, event);
    if (!extracted.is_ok()) {
      poison.push_back({&record, "options.join: " + extracted.message()});
      right_verdicts_.push_back({StagedVerdict::kPoison, extracted.message(), pipeline::kNoTimestamp});
      continue;
    }
    pipeline::EventOutcome outcome = engine.process(event, now);
    if (outcome.verdict == pipeline::Verdict::kLate) {
      right_verdicts_.push_back({StagedVerdict::kLate, std::move(outcome.reason), outcome.watermark_ms});
      ++late_;
      continue;
    }
    right_verdicts_.push_back({});
    if (outcome.verdict == pipeline::Verdict::kAccepted && !null_key(event.key)) {
      operator_.add(IntervalJoin::Side::kRight, event.key, event.event_time_ms, encode_record(record));
    }
  }
  return Status::ok();
}

Status IntervalJoinStage::add_left(const source::RecordFormat& left_format, const decode::ColumnBatch& columns,
                                   size_t row, const source::SourceRecord& record) {
  if (!left_extractor_) {
    LOCH_ASSIGN_OR_RETURN(auto extractor, source::EventExtractor::create(left_definition_, left_format.columns()));
    left_extractor_.emplace(std::move(extractor));
  }
  pipeline::Event event;
  LOCH_RETURN_IF_ERROR(left_extractor_->extract(columns, row, event));
  if (!null_key(event.key)) {
    operator_.add(IntervalJoin::Side::kLeft, event.key, event.event_time_ms, encode_record(record));
  }
  return Status::ok();
}

Status IntervalJoinStage::stage(sql::Connection& connection, source::RecordFormat& left_format,
                                pipeline::TimestampMs watermark) {
  std::vector<pipeline::JoinMatch> matches = operator_.take_matches();
  operator_.expire(watermark);
  // A row matching many others is decoded and staged once: join_left and
  // join_right hold the distinct rows, join_pairs their row numbers.
  std::vector<const std::string*> left;
  std::vector<const std::string*> right;
  std::unordered_map<const std::string*, int64_t> left_ids;
  std::unordered_map<const std::string*, int64_t> right_ids;
  auto id_of = [](const std::string* payload, std::unordered_map<const std::string*, int64_t>& ids,
                  std::vector<const std::string*>& rows) {
    auto [it, added] = ids.emplace(payload, static_cast<int64_t>(rows.size()));
    if (added) rows.push_back(payload);
    return it->second;
  };
  LOCH_RETURN_IF_ERROR(connection.execute("CREATE OR REPLACE TABLE join_pairs (l BIGINT, r BIGINT, seq BIGINT)"));
  {
    LOCH_ASSIGN_OR_RETURN(auto appender, connection.appender("main", "join_pairs"));
    int64_t seq = 0;
    for (const auto& match : matches) {
      LOCH_RETURN_IF_ERROR(appender.append_int64(id_of(match.left.get(), left_ids, left)));
      LOCH_RETURN_IF_ERROR(appender.append_int64(id_of(match.right.get(), right_ids, right)));
      LOCH_RETURN_IF_ERROR(appender.append_int64(seq++));
      LOCH_RETURN_IF_ERROR(appender.end_row());
    }
    LOCH_RETURN_IF_ERROR(appender.close());
  }
  LOCH_RETURN_IF_ERROR(stage_payloads(connection, "join_left", left_format, left));
  LOCH_RETURN_IF_ERROR(stage_payloads(connection, "join_right", *right_format_, right));
  std::string columns;
  for (const auto& column : right_format_->columns()) {
    columns += ", r." + sql_identifier(column.name) + " AS " + sql_identifier(join_.prefix + column.name);
  }
  // Pairs in the order they were found (a function of the input order).
  return connection.execute("CREATE OR REPLACE VIEW batch AS SELECT l.* EXCLUDE (_join_row)" + columns +
                            " FROM join_pairs p JOIN (SELECT rowid AS _join_row, * FROM join_left) l ON l._join_row = p.l"
                            " JOIN (SELECT rowid AS _join_row, * FROM join_right) r ON r._join_row = p.r ORDER BY p.seq");
}

Result<int64_t> IntervalJoinStage::commit_late(sql::Connection& connection, const Offsets& next_offsets) {
  const int64_t late = late_;
  if (late > 0) {
    LOCH_RETURN_IF_ERROR(connection.execute("DROP TABLE IF EXISTS join_right_all; " +
                                            ingest::create_table_sql("join_right_all", right_format_->columns())));
    LOCH_RETURN_IF_ERROR(ingest::append_column_batch(connection, "join_right_all", right_rows_));
    LOCH_RETURN_IF_ERROR(connection.execute(
        "CREATE OR REPLACE TABLE join_right_late (_row BIGINT, reason VARCHAR, watermark_ms BIGINT)"));
    LOCH_ASSIGN_OR_RETURN(auto appender, connection.appender("main", "join_right_late"));
    for (size_t row = 0; row < right_verdicts_.size(); ++row) {
      const RowVerdict& verdict = right_verdicts_[row];
      if (verdict.verdict != StagedVerdict::kLate) continue;
      LOCH_RETURN_IF_ERROR(appender.append_int64(static_cast<int64_t>(row)));
      LOCH_RETURN_IF_ERROR(appender.append_varchar(verdict.reason));
      LOCH_RETURN_IF_ERROR(appender.append_int64(verdict.watermark_ms));
      LOCH_RETURN_IF_ERROR(appender.end_row());
    }
    LOCH_RETURN_IF_ERROR(appender.close());
    LOCH_ASSIGN_OR_RETURN(
        auto written,
        late_sink_.append(connection,
                          "SELECT a.* EXCLUDE (_row), l.reason AS _late_reason, CAST(epoch_ms(l.watermark_ms) AS TIMESTAMPTZ) AS "
                          "_watermark FROM (SELECT *, rowid AS _row FROM join_right_all) a "
                          "JOIN join_right_late l USING (_row)",
                          next_offsets, true));
    (void)written;
  }
  // The next batch starts afresh.
  queued_.clear();
  next_queued_ = 0;
  right_rows_ = decode::ColumnBatch();
  right_verdicts_.clear();
  late_ = 0;
  return late;
}

Status IntervalJoinStage::checkpoint(TableVersion version) {
  Status status;
  if (delta_base_store_ == state_->id()) {
    pipeline::StateDelta delta;
    operator_.save_changes(delta);
    status = state_->checkpoint_delta(version, delta);
  } else {
    // After open, live/ may hold a newer uncommitted checkpoint: rewrite it whole.
    operator_.forget_changes();
    status = state_->checkpoint(version, operator_.checkpoint_entries());
  }
  // After a failure live/ may or may not hold the write: the next one is whole.
  delta_base_store_ = status.is_ok() ? state_->id() : 0;
  return status;
}

}  // namespace loch::runner
