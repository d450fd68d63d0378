// MergePruning: the target files a MERGE must read.
//
// Without a WHEN NOT MATCHED BY SOURCE clause only target rows that some
// source row matches can change. When the ON condition is a conjunction
// holding `target.a = source.b`, such a row has `a` between min(b) and
// max(b) over the source, so files whose partition values or statistics
// exclude that range (data_skipping.h) are neither scanned nor recorded as
// read (a concurrent change to them does not conflict), as DELETE and UPDATE
// already do with their WHERE clause. Used only where it cannot change an
// answer: ON without OR / NOT / CASE / BETWEEN at its top level, and key
// types compared the same way on both sides (integers, strings, dates).
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "store/delta/dml_parser.h"
#include "store/delta/snapshot.h"

namespace loch::sql {
class Connection;
}

namespace loch::delta {

struct KeyEquality {
  std::string target_column;  // as written after the target alias
  std::string source_column;  // as written after the source alias
};

// The `target.a = source.b` conjuncts of `on` (either side first); empty
// when `on` is not a plain conjunction.
std::vector<KeyEquality> key_equalities(const std::string& on, const std::string& target_alias,
                                        const std::string& source_alias);

// The live files of `snapshot` the MERGE must scan; `source_sql` is the
// rewritten query of its source (a SELECT).
Result<std::vector<const LiveFile*>> merge_target_files(const Snapshot& snapshot, sql::Connection& connection,
                                                        const MergeStatement& statement, const std::string& source_sql);

}  // namespace loch::delta
