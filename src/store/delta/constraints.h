// The constraints a Delta writer enforces (PROTOCOL.md "Column Invariants"
// for NOT NULL, "CHECK Constraints" for delta.constraints.<name>): rows
// that break one are refused before any file is committed, with a message
// naming the constraint and one offending row.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "store/delta/actions.h"
#include "store/delta/table_schema.h"

namespace loch::sql {
class Connection;
}

namespace loch::delta {

struct TableConstraints {
  std::vector<std::string> not_null_columns;  // top-level columns declared NOT NULL
  std::vector<std::pair<std::string, std::string>> checks;  // name, SQL condition
  bool empty() const { return not_null_columns.empty() && checks.empty(); }
};

TableConstraints table_constraints(const Metadata& metadata, const TableSchema& schema);

// Checks every row of `relation` (SQL text usable after FROM, with the
// table's logical column names). A CHECK condition that is false or NULL
// is a violation, as in Delta.
Status check_constraints(sql::Connection& connection, const TableConstraints& constraints, const std::string& relation);

// Checks one CHECK condition (ALTER TABLE ADD CONSTRAINT over existing rows).
Status check_condition(sql::Connection& connection, const std::string& name, const std::string& condition,
                       const std::string& relation);

}  // namespace loch::delta
