#include "process/runner/background_writer.h"

#include <utility>

namespace loch::runner {

Result<std::unique_ptr<BackgroundWriter>> BackgroundWriter::start(sql::Database& database) {
  LOCH_ASSIGN_OR_RETURN(sql::Connection connection, database.connect());
  // Dates and timestamps mean UTC here too, whatever the machine's zone.
  LOCH_RETURN_IF_ERROR(connection.execute("SET TimeZone = 'UTC'"));
  return std::unique_ptr<BackgroundWriter>(new BackgroundWriter(std::move(connection)));
}

BackgroundWriter::BackgroundWriter(sql::Connection connection)
    : connection_(std::move(connection)), thread_([this] { loop(); }) {}

BackgroundWriter::~BackgroundWriter() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();  // loop() finishes a job in flight before it looks at stopping_
}

void BackgroundWriter::submit(Job job) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    job_ = std::move(job);
    outcome_.reset();
  }
  submitted_ = true;
  changed_.notify_all();
}

bool BackgroundWriter::finished() {
  std::lock_guard<std::mutex> lock(mutex_);
  return outcome_.has_value();
}

Result<AppendOutcome> BackgroundWriter::wait() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [this] { return outcome_.has_value(); });
  Result<AppendOutcome> outcome = std::move(*outcome_);
  outcome_.reset();
  submitted_ = false;
  return outcome;
}

void BackgroundWriter::loop() {
  while (true) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [this] { return job_.has_value() || stopping_; });
      if (!job_) return;  // stopping, nothing in flight
      job = std::move(*job_);
      job_.reset();
    }
    Result<AppendOutcome> outcome = job(connection_);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      outcome_.emplace(std::move(outcome));
    }
    changed_.notify_all();
  }
}

}  // namespace loch::runner
