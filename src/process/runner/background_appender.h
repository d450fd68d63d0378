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

#include "process/runner/background_writer.h"
#include "process/runner/delta_append_sink.h"
#include "process/runner/open_file.h"

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

  // Adds a batch to the open file: its rows are staged in `table` (dropped
  // once committed), or read in place from `records` (released once
  // committed), by `rows_query`; `record_bytes` is what its records
  // weighed. Closes the file when it is due.
  Status add(std::string table, std::string rows_query, int64_t record_bytes, BatchReport report,
             Clock::time_point started, std::shared_ptr<const void> records = nullptr);
  // Closes the open file when it is due (its age).
  Status close_if_due(Clock::time_point now);
  // Hands the open file, if any, to the writer as one commit. `last`: the
  // run's last one, with nothing left for the pipeline thread to do: the
  // writer gets every core.
  Status close(bool last = false);
  // Waits for the commit in flight, if any, and reports it.
  Status finish();

  bool has_open_file() const { return !open_file_.empty(); }
  // How long until the open file is due by age.
  std::chrono::milliseconds time_left(Clock::time_point now) const { return open_file_.time_left(now); }

 private:
  BackgroundAppender(std::unique_ptr<BackgroundWriter> writer, DeltaAppendSink& sink, FileClosePolicy policy,
                     int64_t compact_min_files, OnCommit on_commit);

  // The batches of the commit in flight.
  struct Pending {
    BatchReport report;
    Clock::time_point started;
    int64_t record_bytes = 0;
  };

  std::unique_ptr<BackgroundWriter> writer_;
  DeltaAppendSink& sink_;
  OpenFile open_file_;
  int64_t compact_min_files_;
  OnCommit on_commit_;
  std::optional<Pending> pending_;
};

}  // namespace loch::runner
