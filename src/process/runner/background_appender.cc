#include "process/runner/background_appender.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

namespace loch::runner {
namespace {

// Compaction after an append (PipelineRun::compact_small_files), here
// without state to checkpoint. It rewrites every small file while the
// pipeline thread, done staging the next batch, soon only waits for it (and
// at the end of an available-now run it is all that is left): it gets every
// core, and the setting goes back after. Measured on 2 cores, 2.5M bronze
// rows: 1.16-1.27 -> 0.70-0.80 s.
Result<AppendOutcome> compact_if_due(sql::Connection& connection, DeltaAppendSink& sink, AppendOutcome outcome,
                                     int64_t compact_min_files) {
  if (!DeltaAppendSink::has_small_files_to_compact(outcome, compact_min_files)) return outcome;
  const unsigned cores = std::max(2u, std::thread::hardware_concurrency());
  LOCH_RETURN_IF_ERROR(connection.execute("SET threads = " + std::to_string(cores)));
  auto compacted = sink.compact_small_files(connection, compact_min_files);
  Status restored = connection.execute("SET threads = " + std::to_string(cores - 1));
  if (!compacted.is_ok()) return compacted.status();
  if (!restored.is_ok()) return restored;
  if (*compacted) outcome.version = **compacted;
  return outcome;
}

// YYYY-MM-DD of a day since 1970-01-01: how the Delta log writes a date
// partition value.
std::string iso_date(int64_t day) {
  const std::chrono::year_month_day date{std::chrono::sys_days{std::chrono::days{day}}};
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()));
  return text;
}

}  // namespace

Result<std::unique_ptr<BackgroundAppender>> BackgroundAppender::start(sql::Database& database, DeltaAppendSink& sink,
                                                                      FileClosePolicy policy, int64_t compact_min_files,
                                                                      OnCommit on_commit) {
  LOCH_ASSIGN_OR_RETURN(auto writer, BackgroundWriter::start(database));
  return std::unique_ptr<BackgroundAppender>(
      new BackgroundAppender(std::move(writer), sink, policy, compact_min_files, std::move(on_commit)));
}

BackgroundAppender::BackgroundAppender(std::unique_ptr<BackgroundWriter> writer, DeltaAppendSink& sink,
                                       FileClosePolicy policy, int64_t compact_min_files, OnCommit on_commit)
    : writer_(std::move(writer)),
      sink_(sink),
      open_file_(policy),
      compact_min_files_(compact_min_files),
      on_commit_(std::move(on_commit)) {}

BackgroundAppender::~BackgroundAppender() {
  // A file still open is not committed (as after a kill): its write, waiting
  // for more records, fails, and the writer can stop.
  if (streamed_) streamed_->stream->abort("the pipeline stopped with the file open; its records are read again");
}

Status BackgroundAppender::add(std::string table, std::string rows_query, int64_t record_bytes, BatchReport report,
                               Clock::time_point started) {
  open_file_.add(std::move(table), std::move(rows_query), record_bytes, std::move(report), started);
  return after_add();
}

Status BackgroundAppender::add_records(std::vector<source::SourceRecord> records, int64_t read_at_ms,
                                       bool ingestion_columns, int64_t record_bytes, BatchReport report,
                                       Clock::time_point started) {
  // Without max_file_age the file is due at once: a stream of one batch.
  // A file holds one day's batches (bronze is partitioned by it): at
  // midnight the open file closes, and the next one starts.
  const int64_t day = ingestion_day(read_at_ms);
  if (streamed_ && ingestion_columns && streamed_->day != day) LOCH_RETURN_IF_ERROR(close_streamed_file());
  if (!streamed_) LOCH_RETURN_IF_ERROR(open_streamed_file(ingestion_columns, day));
  streamed_->stream->push(std::move(records), read_at_ms);
  open_file_.add("", "", record_bytes, std::move(report), started);
  return after_add();
}

Status BackgroundAppender::after_add() {
  // A commit that has ended is reported now, and tells the open file how
  // many bytes its rows will make.
  if (writer_->busy() && !streamed_ && writer_->finished()) LOCH_RETURN_IF_ERROR(finish());
  return close_if_due(Clock::now());
}

Status BackgroundAppender::close_if_due(Clock::time_point now) {
  if (!open_file_.due(now)) return Status::ok();
  return close();
}

Status BackgroundAppender::open_streamed_file(bool ingestion_columns, int64_t day) {
  // The writer does one job at a time: the previous file's commit first.
  LOCH_RETURN_IF_ERROR(finish());
  streamed_.emplace();
  streamed_->stream = RecordStream::open(ingestion_columns);
  streamed_->day = day;
  // The rows' _ingested_date is known: a table partitioned by it gets the
  // files straight in that partition's directory (DuckDB's partitioned
  // write formats and hashes every row's value: 10-20% more CPU).
  std::map<std::string, std::string> partition_values;
  if (ingestion_columns) partition_values["_ingested_date"] = iso_date(day);
  const int64_t compact_min_files = compact_min_files_;
  DeltaAppendSink& sink = sink_;
  // The write starts now and reads the batches as they come; the commit
  // takes the offsets close_streamed_file() leaves, once the stream ends.
  writer_->submit([&sink, stream = streamed_->stream, next_offsets = streamed_->next_offsets, partition_values,
                   compact_min_files](sql::Connection& connection) mutable -> Result<AppendOutcome> {
    auto appended =
        sink.append_streamed(connection, stream->rows_query(), [&] { return *next_offsets; }, partition_values);
    stream.reset();  // written (or failed): once the file is closed, its records' memory goes before a compaction
    if (!appended.is_ok()) return appended.status();
    return compact_if_due(connection, sink, *appended, compact_min_files);
  });
  return Status::ok();
}

Status BackgroundAppender::close_streamed_file() {
  pending_ = Pending{open_file_.report(), open_file_.started(), open_file_.record_bytes()};
  // Set before the stream ends: the writer reads it once the scan has seen the end.
  *streamed_->next_offsets = pending_->report.next_offsets;
  streamed_->stream->end();
  streamed_.reset();
  open_file_.clear();
  return Status::ok();
}

Status BackgroundAppender::close() {
  if (open_file_.empty()) return Status::ok();
  if (streamed_) return close_streamed_file();
  LOCH_RETURN_IF_ERROR(finish());
  const std::string rows_query = open_file_.rows_query();
  const std::vector<std::string> tables = open_file_.tables();
  pending_ = Pending{open_file_.report(), open_file_.started(), open_file_.record_bytes()};
  const Offsets next_offsets = pending_->report.next_offsets;
  open_file_.clear();
  const int64_t compact_min_files = compact_min_files_;
  DeltaAppendSink& sink = sink_;
  writer_->submit([&sink, tables, rows_query, next_offsets,
                   compact_min_files](sql::Connection& connection) -> Result<AppendOutcome> {
    auto appended = sink.append(connection, rows_query, next_offsets, false, /*rows_materialized=*/true);
    Status dropped = Status::ok();
    for (const std::string& table : tables) {
      Status status = connection.execute("DROP TABLE IF EXISTS " + table);
      if (dropped.is_ok()) dropped = status;
    }
    if (!appended.is_ok()) return appended.status();
    if (!dropped.is_ok()) return dropped;
    return compact_if_due(connection, sink, *appended, compact_min_files);
  });
  return Status::ok();
}

Status BackgroundAppender::finish() {
  // A file being streamed is not a commit yet: it becomes one when it closes.
  if (!writer_->busy() || streamed_) return Status::ok();
  Result<AppendOutcome> outcome = writer_->wait();
  Pending pending = std::move(*pending_);
  pending_.reset();
  if (!outcome.is_ok()) return outcome.status();
  if (!outcome->skipped) open_file_.learn(pending.record_bytes, outcome->bytes);
  BatchReport& report = pending.report;
  report.rows = outcome->rows;
  report.version = outcome->version;
  report.duration_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - pending.started).count();
  on_commit_(report);
  return Status::ok();
}

}  // namespace loch::runner
