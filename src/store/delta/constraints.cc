#include "store/delta/constraints.h"

#include "store/delta/file_paths.h"
#include "store/sql/database.h"

namespace loch::delta {

TableConstraints table_constraints(const Metadata& metadata, const TableSchema& schema) {
  TableConstraints constraints;
  for (const auto& field : schema.fields) {
    if (!field.nullable) constraints.not_null_columns.push_back(field.name);
  }
  static const std::string prefix = "delta.constraints.";
  for (const auto& [key, value] : metadata.configuration) {
    if (key.starts_with(prefix)) constraints.checks.emplace_back(key.substr(prefix.size()), value);
  }
  return constraints;
}

namespace {

// The first row of `relation` matching `violation`, as JSON text; nullopt
// when there is none.
Result<std::optional<std::string>> first_violation(sql::Connection& connection, const std::string& relation,
                                                   const std::string& violation) {
  LOCH_ASSIGN_OR_RETURN(auto result, connection.query("SELECT CAST(to_json(loch_rows) AS VARCHAR) FROM " + relation +
                                                      " AS loch_rows WHERE " + violation + " LIMIT 1"));
  LOCH_ASSIGN_OR_RETURN(auto chunk, result.next_chunk());
  if (!chunk || chunk->size() == 0) return std::optional<std::string>();
  return std::optional<std::string>(std::string(chunk->column(0).string_at(0)));
}

}  // namespace

Status check_condition(sql::Connection& connection, const std::string& name, const std::string& condition,
                       const std::string& relation) {
  auto bad = first_violation(connection, relation, "NOT coalesce((" + condition + "), false)");
  if (!bad.is_ok()) return bad.status().with_context("CHECK constraint " + name + " (" + condition + ")");
  if (*bad) {
    return Status::invalid_argument("CHECK constraint " + name + " (" + condition + ") violated by row with values " +
                                    **bad);
  }
  return Status::ok();
}

Status check_constraints(sql::Connection& connection, const TableConstraints& constraints, const std::string& relation) {
  for (const auto& column : constraints.not_null_columns) {
    LOCH_ASSIGN_OR_RETURN(auto bad, first_violation(connection, relation, sql_identifier(column) + " IS NULL"));
    if (bad) return Status::invalid_argument("NOT NULL constraint violated for column " + column + " by row with values " + *bad);
  }
  for (const auto& [name, condition] : constraints.checks) {
    LOCH_RETURN_IF_ERROR(check_condition(connection, name, condition, relation));
  }
  return Status::ok();
}

}  // namespace loch::delta
