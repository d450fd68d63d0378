// Records the transform SQL fails on (doc/pipelines.md "Poison records"):
// a run-time error of the transform (a CAST of a bad value, a division by
// zero, a failed error() call) on some records sends those records to the
// DLQ with the error; the rest of the batch is committed as usual.
//
// The rule that tells a record's failure from the pipeline's: when the
// transform fails on a batch, it is run on zero rows of it first. If that
// fails too (a column or table that does not exist, a syntax error), the
// error is the pipeline's and is returned. Else the batch's rows are
// bisected, each half staged as `batch`, down to the single records the
// transform fails on alone (k bad records of n cost O(k log n) runs). A
// failure no single record causes (rows failing only together) is the
// pipeline's too.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "store/sql/database.h"

namespace loch::runner {

// A record (by its staged metadata) the transform fails on, and the error.
struct TransformFailure {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string error;
};

// Runs `query`, the transform reading the view `batch`, into the table
// `into` (replaced). When it fails on the batch, `batch` becomes the batch
// without the records it fails on, which are returned, and `into` holds the
// transform of the rest.
Result<std::vector<TransformFailure>> run_transform_isolating_failures(sql::Connection& connection,
                                                                       const std::string& query,
                                                                       const std::string& into);

}  // namespace loch::runner
