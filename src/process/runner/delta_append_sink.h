// DeltaAppendSink: a pipeline's micro-batches appended to a Delta table,
// exactly once (doc/pipelines.md, "Exactly once").
//
// Each append is ONE Delta commit holding the batch's data files and one
// `txn` action per source partition the batch read (appId
// "<pipeline>/<topic>/<partition>", version = the next offset to read), so
// the data and the position it was read up to become visible together. On
// restart the pipeline starts from committed_offsets(), never from a
// consumer group. The table is created by the first append, with the
// query's columns and the sink's partition columns.
//
// Replays are harmless twice over:
//   - an append whose every partition is already committed at or past the
//     batch's next offset is skipped (nothing written);
//   - with `skip_committed_rows`, rows whose (_topic, _partition, _offset)
//     lies before the table's committed offset are left out, so a replayed
//     batch that straddles the last commit (different batch boundaries after
//     a restart) adds only what is new. Tables written beside the main sink
//     (late events, poison records) rely on this.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "process/pipeline/event.h"
#include "store/delta/transaction.h"

namespace loch::sql {
class Connection;
}

namespace loch::runner {

using pipeline::SourcePartition;
using Offsets = std::map<SourcePartition, int64_t>;

struct SinkTable {
  std::filesystem::path root;   // the table's directory
  std::string display_name;     // e.g. bronze.clicks, for messages
  std::vector<std::string> partition_by;
  std::optional<int64_t> target_file_size_bytes;  // delta.targetFileSize when the table is created
  // Parquet dictionaries up to this many values (delta::DataWriteOptions).
  std::optional<int64_t> dictionary_size_limit = std::nullopt;
};

struct AppendOutcome {
  bool skipped = false;        // every offset was committed already: nothing written
  int64_t version = -1;        // the Delta version created (or the table's, when skipped)
  int64_t rows = 0;
  int64_t files = 0;
  int64_t bytes = 0;           // of the files written
  // The most files under half the target size (see has_small_files_to_compact)
  // that one partition holds after this append, counted from the snapshot the
  // append read and the files it added: no snapshot is loaded for it. A
  // commit of another writer in between is not counted. 0 when skipped.
  int64_t most_small_files_in_a_partition = 0;
};

class DeltaAppendSink {
 public:
  DeltaAppendSink(SinkTable table, std::string pipeline);

  // The next offset of every partition this pipeline committed to the table
  // (empty when there is no table yet).
  Result<Offsets> committed_offsets(sql::Connection& connection) const;
  // The table's latest version, -1 when it does not exist.
  Result<int64_t> version(sql::Connection& connection) const;

  // Appends the rows of `query` (DuckDB SQL) with the txn actions of
  // `next_offsets`. JSON and UUID columns are stored as strings.
  // `rows_materialized`: the query reads rows kept in a table, cheap to read
  // twice, so a batch of one partition is written without DuckDB's
  // partitioned write (delta::DataWriteOptions::probe_single_partition).
  Result<AppendOutcome> append(sql::Connection& connection, const std::string& query, const Offsets& next_offsets,
                               bool skip_committed_rows = false, bool rows_materialized = false);
  // As append, for rows streamed to the writer while they are read
  // (raw_record_scan.h's RecordStream): their offsets are known only once
  // the rows have ended, so `next_offsets` is asked after the files are
  // written, and only then is a stream of committed offsets recognised.
  // `partition_values`: the partition every row is in, by column, when the
  // caller knows it (delta::DataWriteOptions::partition_values).
  Result<AppendOutcome> append_streamed(sql::Connection& connection, const std::string& query,
                                        const std::function<Offsets()>& next_offsets,
                                        const std::map<std::string, std::string>& partition_values);

  // Small files (doc/pipelines.md "Bronze file sizes"): each micro-batch
  // adds at least one file per partition it touches. True when a partition
  // holds at least `min_small_files` files under half the table's target
  // file size.
  Result<bool> has_small_files_to_compact(sql::Connection& connection, int64_t min_small_files) const;
  // The same, from an append's outcome (most_small_files_in_a_partition).
  static bool has_small_files_to_compact(const AppendOutcome& appended, int64_t min_small_files) {
    return !appended.skipped && min_small_files >= 2 && appended.most_small_files_in_a_partition >= min_small_files;
  }
  // Rewrites the small files of those partitions into files of about the
  // target size, in one commit whose adds and removes carry
  // dataChange=false and which has no txn action: the newest txn of each
  // appId, where a restart resumes, is still that of the last append.
  // Returns the version written, none when there was nothing to compact.
  Result<std::optional<int64_t>> compact_small_files(sql::Connection& connection, int64_t min_small_files);

  const SinkTable& table() const { return table_; }

 private:
  // Both appends: `next_offsets` asked before writing when `offsets_known`,
  // else after.
  Result<AppendOutcome> write_and_commit(sql::Connection& connection, const std::string& query,
                                         const std::function<Offsets()>& next_offsets, bool offsets_known,
                                         bool skip_committed_rows, bool rows_materialized,
                                         const std::map<std::string, std::string>& partition_values = {});

  SinkTable table_;
  std::string pipeline_;
};

}  // namespace loch::runner
