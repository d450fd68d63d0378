// BackgroundAppender: an append sink's commits, made on a writer thread of
// their own (background_writer.h) from open files (open_file.h), while the
// pipeline thread reads, decodes, stages and transforms the next batches
// (doc/pipelines.md, "Running pipelines"). For append sinks of pipelines
// without event time: those with event time commit in line, their state
// checkpointed under the version each commit creates, before it.
//
// What stays as it is in line: commits in batch order, each with the txn
// offsets of its last batch (a kill leaves the table at some batch's end,
// and the restart resumes there). The _dlq table of a later batch may
// commit before the main table's earlier one, which is harmless as it skips
// rows before its own offsets.
//
// Records read in place (raw_record_scan.h, add_records) are streamed: the
// file's write starts with its first batch and reads each batch as it is
// added, so that when a file kept open across batches closes only its tail
// and the commit are left (the commit still carries the last batch's
// offsets, and nothing of the file is in the table before it). Without
// max_file_age each file is a stream of one batch.
//
// Each commit is reported through `on_commit` once the pipeline thread
// collects it (add, close and finish do), with its rows, version and
// duration filled in. Threading: every method is for the pipeline thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "process/runner/background_writer.h"
#include "process/runner/delta_append_sink.h"
#include "process/runner/open_file.h"
#include "process/runner/raw_record_scan.h"

namespace loch::runner {

class BackgroundAppender {
 public:
  using Clock = std::chrono::steady_clock;
  using OnCommit = std::function<void(BatchReport&)>;

  // A writer with its own connection to `database`, appending to `sink`
  // (which must outlive it) and compacting a partition once it holds
  // `compact_min_files` small files (0: never).
  static Result<std::unique_ptr<BackgroundAppender>> start(sql::Database& database, DeltaAppendSink& sink,
                                                            FileClosePolicy policy, int64_t compact_min_files,
                                                            OnCommit on_commit);

  // A file still open is not committed, and its write is stopped.
  ~BackgroundAppender();

  // Adds a batch to the open file: its rows are staged in `table` (dropped
  // once committed) and read by `rows_query`; `record_bytes` is what its
  // records weighed. Closes the file when it is due.
  Status add(std::string table, std::string rows_query, int64_t record_bytes, BatchReport report,
             Clock::time_point started);
  // Adds a batch of records written as they are (raw_record_scan.h), read
  // at `read_at_ms`; `ingestion_columns`: with bronze's _ingested_at and
  // _ingested_date. Closes the file when it is due.
  Status add_records(std::vector<source::SourceRecord> records, int64_t read_at_ms, bool ingestion_columns,
                     int64_t record_bytes, BatchReport report, Clock::time_point started);
  // Closes the open file when it is due (its age).
  Status close_if_due(Clock::time_point now);
  // Hands the open file, if any, to the writer as one commit.
  Status close();
  // Waits for the commit in flight, if any, and reports it. A streamed file
  // still open is not one yet: it becomes one when it closes.
  Status finish();

  bool has_open_file() const { return !open_file_.empty(); }
  // How long until the open file is due by age.
  std::chrono::milliseconds time_left(Clock::time_point now) const { return open_file_.time_left(now); }

 private:
  BackgroundAppender(std::unique_ptr<BackgroundWriter> writer, DeltaAppendSink& sink, FileClosePolicy policy,
                     int64_t compact_min_files, OnCommit on_commit);

  // A file whose rows stream to the writer while it is open. The writer's
  // job holds its own references to the stream and the offsets: a write
  // that fails while the file is open leaves the pipeline thread's intact.
  struct StreamedFile {
    std::shared_ptr<RecordStream> stream;
    int64_t day = 0;  // the batches' _ingested_date (days since 1970-01-01, UTC)
    // Set by the pipeline thread before the stream ends; read by the job after.
    std::shared_ptr<Offsets> next_offsets = std::make_shared<Offsets>();
  };

  Status after_add();
  Status open_streamed_file(bool ingestion_columns, int64_t day);
  Status close_streamed_file();

  // The batches of the commit in flight.
  struct Pending {
    BatchReport report;
    Clock::time_point started;
    int64_t record_bytes = 0;
  };

  std::unique_ptr<BackgroundWriter> writer_;
  DeltaAppendSink& sink_;
  OpenFile open_file_;
  std::optional<StreamedFile> streamed_;  // the open file, when streamed
  int64_t compact_min_files_;
  OnCommit on_commit_;
  std::optional<Pending> pending_;
};

}  // namespace loch::runner
