// ParquetFooter: the schema of a Parquet file, read straight from its
// footer without DuckDB.
//
// A scan needs to know whether its data files share one physical schema
// (file_schemas.h). Asking DuckDB (parquet_schema) costs about 10 ms for 64
// files in a new process, more than a 6.4M-row scan's whole difference from
// read_parquet; reading the 8-byte tail and the footer of each file and
// decoding just its schema list (Thrift compact protocol, the only encoding
// Parquet footers use) takes a few microseconds per file.
//
// The layout (parquet-format, "File Format"): ... <FileMetaData> <4-byte
// little-endian length of FileMetaData> "PAR1". FileMetaData field 2 is the
// list<SchemaElement>; each element's fields (type, type_length,
// repetition_type, name, num_children, converted_type, scale, precision,
// field_id, logicalType) are kept verbatim.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace loch::delta {

struct ParquetColumn {
  std::string name;
  // DuckDB's type when the encoding is one of the plain unambiguous ones
  // (BOOLEAN, INT32, INT64, FLOAT, DOUBLE without annotation; BYTE_ARRAY as
  // UTF8; the timestamps above): "BOOLEAN", "INTEGER", "BIGINT", "FLOAT",
  // "DOUBLE", "VARCHAR", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE". Empty
  // otherwise.
  std::string duckdb_type;
};

struct ParquetSchema {
  // A canonical text of the schema: every field of every SchemaElement with
  // its id and encoded value, in file order, except the root element's name
  // (which only says which writer wrote the file). Equal texts mean equal
  // physical schemas.
  std::string text;
  // The top-level columns, when the footer tells a scan what it needs:
  // every top-level timestamp has its duckdb_type (whether DuckDB reads it
  // as an instant or a wall clock decides the scan's conversion; INT96 and
  // TIMESTAMP in milliseconds or microseconds are known, nanoseconds and
  // converted-type-only encodings are not) and no two names differ only in
  // case (DuckDB would rename one). nullopt otherwise: ask DuckDB.
  std::optional<std::vector<ParquetColumn>> plain_columns;
};

// The schema of a FileMetaData; nullopt when `footer` is not a well-formed
// one.
std::optional<ParquetSchema> parse_parquet_schema(std::string_view footer);

// The schema of the file at `path`; nullopt when the file cannot be read,
// is not Parquet (no "PAR1" tail), has an encrypted footer ("PARE") or a
// malformed one. Callers fall back to DuckDB, which names the problem.
std::optional<ParquetSchema> read_parquet_schema(const std::string& path);

}  // namespace loch::delta
