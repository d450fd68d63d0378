// RawRecordScan: a raw-format micro-batch read by DuckDB where it lies, as
// the table function loch_raw_records(id), instead of being decoded into a
// ColumnBatch and staged in a DuckDB table first.
//
// A bronze pipeline (format raw, no transform) writes its records as they
// came. Staging them cost four copies of every value before the Parquet
// writer saw it (SourceRecord -> ColumnBatch -> appender chunk -> the
// appender's buffer -> the table); the scan makes one, into the vectors the
// writer reads. The rows and their types are exactly those of the raw
// format (record_format.h) with _headers as VARCHAR:
//
//   _topic VARCHAR, _partition INTEGER, _offset BIGINT, _timestamp TIMESTAMPTZ,
//   _key BLOB, _headers VARCHAR, value BLOB
//
// rows_query() gives them with _headers as JSON, as staging would.
//
// Threading: publish on any thread; the scan runs on whichever thread runs
// the query (the background writer's), and the records stay readable until
// the last PublishedRecords handle of them is gone.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "process/source/kafka_source.h"
#include "store/sql/database.h"

namespace loch::runner {

// Records readable through loch_raw_records(id()) while this lives.
class PublishedRecords {
 public:
  ~PublishedRecords();
  PublishedRecords(const PublishedRecords&) = delete;
  PublishedRecords& operator=(const PublishedRecords&) = delete;

  int64_t id() const { return id_; }
  // SELECT of the records' rows, with the raw format's column types.
  std::string rows_query() const;

 private:
  friend std::shared_ptr<PublishedRecords> publish_records(std::vector<source::SourceRecord> records);
  explicit PublishedRecords(int64_t id) : id_(id) {}
  int64_t id_;
};

// Makes `records` readable by loch_raw_records until the handle is dropped.
std::shared_ptr<PublishedRecords> publish_records(std::vector<source::SourceRecord> records);

// Registers loch_raw_records in the connection's database (once per database;
// a second call finds it there).
Status register_raw_record_scan(sql::Connection& connection);

}  // namespace loch::runner
