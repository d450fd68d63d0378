// BackgroundWriter: a pipeline's commits run on a thread of their own, with
// their own DuckDB connection, while the pipeline thread reads, decodes and
// stages the next micro-batch (doc/pipelines.md, "Running pipelines").
//
// At most one job is in flight: submit() needs the previous job collected
// by wait() first. So commits happen strictly in the order they were
// submitted, each carrying its own batch's txn offsets, and a failed commit
// is seen by the pipeline thread before it submits another one.
//
// Threading: submit(), busy() and wait() are for the pipeline thread only;
// a job runs on the writer thread and may use only the connection it is
// given and state the pipeline thread leaves alone until wait() returns.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "common/result.h"
#include "process/runner/delta_append_sink.h"
#include "store/sql/database.h"

namespace loch::runner {

class BackgroundWriter {
 public:
  using Job = std::function<Result<AppendOutcome>(sql::Connection&)>;

  // A writer with a new connection to `database` (session time zone UTC,
  // as the pipeline's own connection).
  static Result<std::unique_ptr<BackgroundWriter>> start(sql::Database& database);
  // Waits for a job in flight to end (its commit happens or fails as a
  // whole), then stops the thread.
  ~BackgroundWriter();
  BackgroundWriter(const BackgroundWriter&) = delete;
  BackgroundWriter& operator=(const BackgroundWriter&) = delete;

  // Starts `job`; the previous one must have been collected with wait().
  void submit(Job job);
  // A job was submitted and not collected yet.
  bool busy() const { return submitted_; }
  // The submitted job has ended: wait() returns at once.
  bool finished();
  // Waits for the submitted job to end and returns its outcome.
  Result<AppendOutcome> wait();

 private:
  explicit BackgroundWriter(sql::Connection connection);
  void loop();

  sql::Connection connection_;  // used by the writer thread only
  bool submitted_ = false;      // pipeline thread only
  std::mutex mutex_;
  std::condition_variable changed_;
  std::optional<Job> job_;                        // guarded by mutex_
  std::optional<Result<AppendOutcome>> outcome_;  // guarded by mutex_
  bool stopping_ = false;                         // guarded by mutex_
  std::thread thread_;                            // last: starts once the rest exists
};

}  // namespace loch::runner
