// FileSchemas: whether the data files of a scan share one Parquet schema.
//
// read_parquet(union_by_name = true) reads the footer of every file each
// time a query is bound (about 5 ms for 64 files, a sixth of a 30 ms full
// scan). When every file has the same physical schema the plain
// read_parquet, which takes its columns from the first file, returns the
// same rows, so a scan needs union_by_name only when the files differ (a
// column added or widened after some files were written).
//
// Data files of a Delta table are never rewritten in place (a changed file
// gets a new name), so a file's schema, read once from its footer (parquet_footer.h), is
// remembered for the life of the process, keyed by its path, size,
// modification time and inode as stat(2) reports them: a file replaced at the
// same path (a table dropped and written again) is read again. Deciding from
// the log alone is not possible: a checkpoint keeps only the latest
// metaData, not which files predate a schema change.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace loch::sql {
class Connection;
}

namespace loch::delta {

struct DataFileIdentity {
  std::string path;  // absolute path, as given to read_parquet
  int64_t size = 0;  // from stat(2)
  int64_t modified_ns = 0;
  uint64_t inode = 0;
};

// The identity of the file at `path`; nullopt when stat(2) fails (missing).
std::optional<DataFileIdentity> identify_data_file(const std::string& path);

struct PhysicalColumn {
  std::string name;
  // DuckDB's type name, as DESCRIBE prints it; empty when DuckDB was not
  // asked (no conversion depends on it) and the footer's encoding is not a
  // plain one (parquet_footer.h): the scan then casts to the Delta type,
  // which DuckDB drops when the types are equal.
  std::string type;
};

// The columns every file has, when all `files` have the same Parquet schema
// (names, physical and logical types, repetition, field ids), as
// read_parquet(first file, <read_options>) describes them, or as the footer
// gives them when it can (ParquetSchema::plain_columns). nullopt when the
// schemas differ or a footer could not be read: the caller then reads with
// union_by_name, which reports unreadable files itself.
std::optional<std::vector<PhysicalColumn>> shared_physical_schema(sql::Connection& connection,
                                                                  const std::vector<DataFileIdentity>& files,
                                                                  const std::string& read_options);

// Forgets every remembered schema (tests).
void forget_file_schemas();

}  // namespace loch::delta
