// CdcBatch: a micro-batch of Debezium changes (cdc_sink.h) put in source
// order, the step both CDC sinks start from.
//
// load_cdc_batch() materializes the batch as the temporary table
// kCdcChangesTable, one row per change that has a key:
//   <key and value columns>   as in the batch (a tombstone's keys recovered
//                             from its _key JSON, {"id": 1} or Debezium's
//                             {"schema": ..., "payload": {"id": 1}});
//   _lsn        BIGINT        the change's LSN; a tombstone without one takes
//                             the LSN (and _source_ts_ms) of its key's
//                             previous change in the batch: its delete;
//   loch_action VARCHAR       'U' upsert (c, u, r) or 'D' delete (d, t);
//   loch_seq    BIGINT        1, 2, ... per key in source order: _lsn (NULL
//                             first), then _source_ts_ms, then _offset;
//   loch_time   TIMESTAMPTZ   when the change happened: _source_ts_ms, else
//                             _timestamp, else now.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "process/sink/cdc_sink.h"

namespace loch::sql {
class Connection;
}

namespace loch::sink {

inline constexpr const char* kCdcChangesTable = "loch_cdc_changes";

struct CdcColumn {
  std::string name;  // as the batch spells it
  std::string type;  // DuckDB type
};

struct CdcBatch {
  std::vector<CdcColumn> keys;
  // The columns a table keeps: keys and values in batch order, then _lsn BIGINT.
  std::vector<CdcColumn> stored;
  int64_t rows = 0;             // rows of the batch
  int64_t without_key = 0;      // tombstones whose key could not be found (not in the table)
};

Result<CdcBatch> load_cdc_batch(sql::Connection& connection, const std::vector<std::string>& keys,
                                const std::string& batch_relation, NullKeys null_keys = NullKeys::kRefused);

// Drops kCdcChangesTable (and the other temporary tables of a sink) when a
// sink call ends, whichever way.
class CdcTempTables {
 public:
  explicit CdcTempTables(sql::Connection& connection) : connection_(connection) {}
  ~CdcTempTables();
  CdcTempTables(const CdcTempTables&) = delete;
  CdcTempTables& operator=(const CdcTempTables&) = delete;

 private:
  sql::Connection& connection_;
};

// Runs `query` (one BIGINT value) and returns it.
Result<int64_t> query_int64(sql::Connection& connection, const std::string& query);

}  // namespace loch::sink
