// RecordStream: raw-format micro-batches read by DuckDB where they lie, as
// the table function loch_raw_records(id), instead of being decoded into a
// ColumnBatch and staged in a DuckDB table first.
//
// A bronze pipeline (format raw, no transform) writes its records as they
// came. Staging them cost four copies of every value before the Parquet
// writer saw it (SourceRecord -> ColumnBatch -> appender chunk -> the
// appender's buffer -> the table); the scan makes one, into the vectors the
// writer reads. The rows and their types are exactly those of the raw
// format (record_format.h), then, with ingestion columns (bronze), when
// each batch was read:
//
//   _topic VARCHAR, _partition INTEGER, _offset BIGINT, _timestamp TIMESTAMPTZ,
//   _key BLOB, _headers VARCHAR, value BLOB
//   [, _ingested_at TIMESTAMPTZ, _ingested_date DATE]
//
// rows_query() gives them with _headers as JSON, as staging would.
//
// A stream may be read while batches are still pushed: a scan that has read
// every batch waits for the next one, or for end(). So a file can be written
// while its batches arrive (BackgroundAppender), and only its tail is left
// when it closes. Every scan reads the stream from its first batch (a query
// may be run more than once, e.g. to learn its columns); the batches stay
// until the stream is gone.
//
// Threading: push, end and abort on the pipeline thread; scans on whichever
// thread runs the query (the background writer's).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "process/source/kafka_source.h"
#include "store/sql/database.h"

namespace loch::runner {

class RecordStream {
 public:
  // One batch: its records and when it was read (ms since the epoch).
  struct Batch {
    std::vector<source::SourceRecord> records;
    int64_t read_at_ms = 0;
  };

  // A stream registered under a fresh id. `ingestion_columns`: rows also
  // have _ingested_at and _ingested_date (UTC), from their batch's read time.
  static std::shared_ptr<RecordStream> open(bool ingestion_columns);
  ~RecordStream();
  RecordStream(const RecordStream&) = delete;
  RecordStream& operator=(const RecordStream&) = delete;

  int64_t id() const { return id_; }
  bool ingestion_columns() const { return ingestion_columns_; }
  // SELECT of the stream's rows, with the raw format's column types.
  std::string rows_query() const;

  void push(std::vector<source::SourceRecord> records, int64_t read_at_ms);
  // No more batches: scans end after the last one.
  void end();
  // Scans fail with `reason` (the pipeline stops with the file open).
  void abort(std::string reason);

  // For scans: batch `index`, waiting for it while the stream is open;
  // nullptr once the stream has ended before it; `reason` when aborted.
  std::shared_ptr<const Batch> wait_for(size_t index, std::string& reason);

 private:
  RecordStream(int64_t id, bool ingestion_columns) : id_(id), ingestion_columns_(ingestion_columns) {}

  const int64_t id_;
  const bool ingestion_columns_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::shared_ptr<const Batch>> batches_;  // guarded by mutex_
  bool ended_ = false;                                 // guarded by mutex_
  std::optional<std::string> aborted_;                 // guarded by mutex_
};

// The _ingested_date of a batch read at `ms` since the epoch: days since
// 1970-01-01 in UTC, rounded down (a date before it is negative).
int64_t ingestion_day(int64_t ms);

// Registers loch_raw_records in the connection's database (once per database;
// a second call finds it there).
Status register_raw_record_scan(sql::Connection& connection);

}  // namespace loch::runner
