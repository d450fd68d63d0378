// OpenFile: the micro-batches an append sink has read but not written yet,
// when its files stay open across batches (sink.max_file_age,
// doc/pipelines.md "Bronze file sizes").
//
// Each micro-batch still stages its rows in a DuckDB table of its own; the
// file closes (one commit writes the batches' rows together, with the txn
// offsets of the last one) once
//   - its oldest batch has waited max_file_age, or
//   - the rows would make a file of about the target size, or
//   - the batches hold max_buffered_bytes of record bytes (bounding memory).
// The rows and their offsets commit together, so a process killed with a
// file open has committed neither: the restart reads the batches again.
//
// How big a file the rows make is estimated from the record bytes (key,
// value and headers) read, scaled by what the last commit wrote per record
// byte (Parquet compresses JSON text several times); before any commit, one
// byte per record byte, which closes the first file early rather than late.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "process/runner/pipeline_runner.h"

namespace loch::runner {

struct FileClosePolicy {
  std::chrono::milliseconds max_age{0};  // 0: every batch closes its file
  int64_t target_bytes = 128LL << 20;
  int64_t max_buffered_bytes = 512LL << 20;
};

class OpenFile {
 public:
  using Clock = std::chrono::steady_clock;

  explicit OpenFile(FileClosePolicy policy) : policy_(policy) {}

  // A staged batch: the table holding its rows (none for records streamed
  // to the writer, raw_record_scan.h), the query giving them as they are
  // written (plus any computed columns), the record bytes it read, its
  // report (rows, version and duration are filled in when the file commits)
  // and when it started.
  void add(std::string table, std::string rows_query, int64_t record_bytes, BatchReport report,
           Clock::time_point started);

  bool empty() const { return batches_.empty(); }
  // Whether the file should close now (always, with max_age 0).
  bool due(Clock::time_point now) const;
  // How long until the age limit closes it (0 when empty or due).
  std::chrono::milliseconds time_left(Clock::time_point now) const;

  // The rows of every batch, in batch order.
  std::string rows_query() const;
  // The batches' tables, to drop once written.
  std::vector<std::string> tables() const;
  // One report for the commit: the last batch's number and offsets, the
  // counts of all of them summed, and the first batch's start.
  BatchReport report() const;
  Clock::time_point started() const;
  int64_t record_bytes() const { return record_bytes_; }

  // Forgets the batches (their commit was handed over).
  void clear();
  // What a commit wrote: `file_bytes` for `record_bytes` read.
  void learn(int64_t record_bytes, int64_t file_bytes);

 private:
  struct Batch {
    std::string table;
    std::string rows_query;
    BatchReport report;
    Clock::time_point started;
  };

  FileClosePolicy policy_;
  std::vector<Batch> batches_;
  int64_t record_bytes_ = 0;
  double file_bytes_per_record_byte_ = 1.0;
};

}  // namespace loch::runner
