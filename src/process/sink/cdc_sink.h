// CDC sinks: a micro-batch of Debezium change events applied to a Delta
// table in one commit (doc/pipelines.md, "CDC sinks").
//
//   apply_scd1  the table holds each key's current row (SCD type 1): per key
//               the batch's last change in source order wins; c/u/r upsert
//               it, d and tombstones delete it;
//   apply_scd2  the table holds every version (SCD type 2): each c/u/r adds a
//               row valid from its change time, the key's previous current
//               row is closed (valid_to = that time, is_current = false), a
//               d or tombstone closes the current row.
//
// Both are idempotent on replay twice over: the commit carries the batch's
// Delta txn marks (a batch whose marks are all in the table is skipped), and
// the table keeps each row's `_lsn`, so a change not newer than what the
// table holds for its key is ignored.
//
// The batch is a DuckDB table or view on the connection with (cdc_batch.h):
//   the key columns and value columns   stored in the table;
//   _op VARCHAR       c, u, r (upsert), d (delete), t (tombstone: delete);
//   _lsn BIGINT       source order (may be NULL); stored as the row's `_lsn`;
//   optional _source_ts_ms BIGINT (then-by order; the change time),
//   _offset BIGINT (last tie-break), _timestamp TIMESTAMPTZ (change time
//   when _source_ts_ms is NULL), _key (the Debezium JSON key: the key of a
//   tombstone whose key columns are NULL).
// Other columns whose names start with '_' are not stored. The table is
// created by the first batch from the batch's stored columns.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace loch::sql {
class Connection;
}

namespace loch::sink {

// A Delta txn action committed with the batch: appId (the pipeline's
// "<pipeline>/<topic>/<partition>") and version (the next offset to read).
struct CdcTxnMark {
  std::string app_id;
  int64_t version = 0;
};

// What a NULL in a key column means. A change captured from a database
// always has its key (kRefused: an upsert without one is an error, a
// tombstone without one is ignored); a window's group value may be NULL as
// in SQL's GROUP BY, where NULLs form one group (kOneValue: NULL keys match
// each other).
enum class NullKeys { kRefused, kOneValue };

struct CdcOutcome {
  bool skipped = false;            // every txn mark was already in the table: nothing written
  std::optional<int64_t> version;  // the Delta version committed; none when nothing was committed
  int64_t changes = 0;             // rows of the batch
  int64_t ignored = 0;             // changes not applied: older than the table's row, or a tombstone without a key
  int64_t upserted = 0;            // SCD1: rows inserted or updated
  int64_t deleted = 0;             // SCD1: rows deleted
  int64_t versions_inserted = 0;   // SCD2: history rows added
  int64_t versions_closed = 0;     // SCD2: rows that stopped being current (existing or added by this batch)
};

// `keys` are the sink's merge_keys; `batch_relation` names the batch (above).
// Errors name the table: a missing _op or key column, an unknown _op, a
// change of c/u/r with a NULL key, a batch column the table lacks, or a
// concurrent commit (Conflict).
Result<CdcOutcome> apply_scd1(sql::Connection& connection, const std::filesystem::path& table_root,
                              const std::vector<std::string>& keys, const std::string& batch_relation,
                              const std::vector<CdcTxnMark>& txns, NullKeys null_keys = NullKeys::kRefused);

Result<CdcOutcome> apply_scd2(sql::Connection& connection, const std::filesystem::path& table_root,
                              const std::vector<std::string>& keys, const std::string& batch_relation,
                              const std::vector<CdcTxnMark>& txns);

}  // namespace loch::sink
