// RecordDecoder: turns the payload of one record written in Confluent's wire
// format (the bytes after magic byte, schema id and, for Protobuf, message
// indexes) into one row of typed columns, checking it against its schema.
//
//   AVRO      Avro binary encoding of the writer schema, logical types
//             mapped to DATE / TIME / TIMESTAMP / DECIMAL / UUID columns;
//   JSON      a JSON document, validated against the JSON Schema;
//   PROTOBUF  the message the indexes designate, parsed as a libprotobuf
//             DynamicMessage from the registry's descriptors.
//
// A top-level record / object / message becomes one column per field (in
// declaration order); any other top-level schema becomes a single column
// named "value". Nested values (records, arrays, maps, non-null unions) are
// JSON text columns. doc/registry-decoding.md has the full mapping.
//
// Decoders are immutable after creation: decode() and check() may be called
// from any number of threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "collect/decode/column_batch.h"
#include "collect/registry/parsed_schema.h"
#include "common/result.h"

namespace loch::decode {

class RecordDecoder {
 public:
  virtual ~RecordDecoder() = default;

  const std::vector<ColumnSpec>& columns() const { return columns_; }
  ColumnBatch new_batch() const { return ColumnBatch(columns_); }

  // Appends one row to `out` (a batch made by new_batch()). On error the
  // batch is unchanged and the status (kCorruption) says what is wrong and
  // where ("field 'amount': decimal of 17 bytes ...", "#/age: ...").
  Status decode(std::string_view payload, ColumnBatch& out) const;

  // Whether `payload` decodes, without keeping the row (contract checks).
  Status check(std::string_view payload) const;

 protected:
  explicit RecordDecoder(std::vector<ColumnSpec> columns);
  // Appends one value to every column, or fails (the caller rolls back).
  virtual Status decode_row(std::string_view payload, ColumnBatch& out) const = 0;

 private:
  std::vector<ColumnSpec> columns_;
  uint64_t serial_;  // unique per decoder for the process's life (check()'s scratch batch)
};

// A decoder for records written with `schema`. For PROTOBUF,
// `message_indexes` pick the message (as in the wire format; {} is the
// first). NotSupported when the schema holds something the columns cannot
// represent (a decimal wider than 38 digits); InvalidArgument for indexes
// that designate no message.
Result<std::shared_ptr<const RecordDecoder>> make_record_decoder(
    std::shared_ptr<const registry::ParsedSchema> schema, const std::vector<int32_t>& message_indexes = {});

}  // namespace loch::decode
