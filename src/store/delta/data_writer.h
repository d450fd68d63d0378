// DataWriter: the rows of a DuckDB query written into new Parquet data files
// of a Delta table, with the add actions (and their stats) that publish them.
//
// Files are written by DuckDB's COPY ... (FORMAT parquet): partitioned by
// the table's partition columns into Hive-style directories (<col>=<value>,
// null as __HIVE_DEFAULT_PARTITION__, as Spark does), partition columns left
// out of the files (PROTOCOL.md: partition values live in the log), files
// cut at delta.targetFileSize (default 128 MiB), columns named by their
// physical names and given field ids under column mapping. Each add carries
// the stats PROTOCOL.md "Per-file Statistics" describes: numRecords, and
// minValues / maxValues / nullCount per top-level column (min/max for
// numbers, strings, dates, timestamps and decimals; timestamps to the
// millisecond, the bounds widened so that they still hold).
//
// Nothing is visible to readers until a Transaction commits the adds; files
// of a write that never commits are orphans that VACUUM removes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"
#include "store/delta/actions.h"
#include "store/delta/table_schema.h"

namespace loch::sql {
class Connection;
}

namespace loch::delta {

struct DataWriteOptions {
  // dataChange of the adds: false for rewrites that change no rows (OPTIMIZE).
  bool data_change = true;
  // Overrides delta.targetFileSize when set (bytes).
  std::optional<int64_t> target_file_size;
  // Partitioned tables: first read the query's distinct partition values
  // (the query runs twice, so only for queries over materialized rows).
  // When every row is in one partition, as in a bronze micro-batch of one
  // _ingested_date, its files are written straight into that partition's
  // directory and cut at the target size, without DuckDB's partitioned
  // write (which hashes every row and cannot cut files).
  bool probe_single_partition = false;
  // The one partition every row is in, when the caller knows it (by column
  // name, each value as the log serializes it): the files go straight into
  // its directory as above, without a probe (for a query that can run only
  // once). Used only when it names every partition column.
  std::map<std::string, std::string> partition_values;
  // Parquet dictionary encoding: a column chunk with more distinct values
  // than this is written plain (DuckDB's DICTIONARY_SIZE_LIMIT). Unset:
  // DuckDB's default, which tries a dictionary for far longer.
  std::optional<int64_t> dictionary_size_limit;
};

// Writes the rows of `query` into new files under `table_root`. The query's
// columns are matched to the table's columns BY NAME (case-insensitively);
// a table column the query lacks is written as NULL; a query column the
// table lacks is an error (evolve the schema first). Values are cast to the
// column's Delta type. Returns one add per file written (none for no rows).
Result<std::vector<FileAction>> write_data_files(sql::Connection& connection, const std::filesystem::path& table_root,
                                                 const Metadata& metadata, const std::string& query,
                                                 const DataWriteOptions& options = {});

// delta.targetFileSize of the table ("134217728", "128mb", ...), 128 MiB by default.
Result<int64_t> target_file_size(const Metadata& metadata);

// The serialized partition value (PROTOCOL.md "Partition Value
// Serialization") of SQL expression `expr` of Delta type `type`, as a SQL
// expression; NULL (and '') serialize as kNullPartitionDirectory.
Result<std::string> serialized_partition_sql(const std::string& expr, const DataType& type);
inline constexpr const char* kNullPartitionDirectory = "__HIVE_DEFAULT_PARTITION__";

// The names of the columns `query` produces, in order.
Result<std::vector<std::string>> query_column_names(sql::Connection& connection, const std::string& query);

}  // namespace loch::delta
