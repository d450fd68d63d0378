// RecordFormat: Kafka records of a pipeline's source decoded into typed
// columns (decode::ColumnBatch), one row per record, for DuckDB.
//
// Every row starts with the record's metadata columns
//   _topic VARCHAR, _partition INTEGER, _offset BIGINT,
//   _timestamp TIMESTAMPTZ, _key BLOB, _headers JSON
// followed by the value's columns, by format (doc/pipelines.md, "Formats"):
//   jsonl     one JSON object per record; the declared columns, or else one
//             column `value` JSON holding the document;
//   csv       one CSV line (RFC 4180 quoting) per record; the declared columns;
//   debezium  a Debezium change event (optionally inside {"schema","payload"});
//             _op (c, u, d, r, or t for a tombstone), _source_ts_ms, _lsn, then
//             the declared columns from `after` (`before` for deletes), or else
//             `before` and `after` as JSON;
//   raw       the value's bytes: one column `value` BLOB (null for a
//             tombstone); never fails (bronze);
//   avro/json/protobuf  Confluent wire format through a decode::DecoderCache
//             (the registry lookup is the caller's: see make_record_format).
// A record that does not decode (a poison record) leaves the batch unchanged
// and returns Corruption with the reason, for the DLQ.
#pragma once

#include <memory>
#include <vector>

#include "collect/decode/column_batch.h"
#include "collect/decode/decoder_cache.h"
#include "process/pipeline/pipeline_definition.h"
#include "process/source/kafka_source.h"

namespace loch::source {

inline constexpr size_t kMetadataColumnCount = 6;

class RecordFormat {
 public:
  virtual ~RecordFormat() = default;

  // All columns, metadata first. Registry formats know theirs only after the
  // first record (the schema comes with it): empty until then.
  const std::vector<decode::ColumnSpec>& columns() const { return columns_; }

  // Appends one row for `record` to `out` (made from columns(), or empty).
  virtual Status decode(const SourceRecord& record, decode::ColumnBatch& out) = 0;

 protected:
  std::vector<decode::ColumnSpec> columns_;
};

// The decoder of a pipeline's format. `registry` serves avro/json/protobuf
// (NotSupported without one: the pipeline must build it from the registry URL).
Result<std::unique_ptr<RecordFormat>> make_record_format(const pipeline::FormatDefinition& format,
                                                         std::shared_ptr<decode::DecoderCache> registry = nullptr);

// Whether `format` is Confluent wire format (avro, json, protobuf), which
// needs a registry lookup.
bool is_registry_format(pipeline::RecordFormat format);

// The six metadata columns.
std::vector<decode::ColumnSpec> metadata_columns();

// The _headers column of a record with headers: {"name": "value", ...}, a
// null header as null, a value that is not UTF-8 as {"base64": "..."}.
std::string headers_json(const SourceRecord& record);

// Splits one CSV line (RFC 4180: "" inside quotes is a quote) into fields;
// `quoted` tells which were quoted. Corruption for an unclosed quote.
Status split_csv_line(std::string_view line, char delimiter, std::vector<std::string>& fields,
                      std::vector<bool>& quoted);

}  // namespace loch::source
