#include "store/delta/dml_executor.h"

#include <cctype>
#include <functional>

#include "common/ascii.h"
#include "store/delta/data_skipping.h"
#include "store/delta/file_paths.h"
#include "store/delta/maintenance.h"
#include "store/delta/merge_key_filter.h"
#include "store/delta/merge_pruning.h"
#include "store/delta/sql_lexer.h"
#include "store/delta/statement_layer.h"
#include "store/delta/table_scan.h"
#include "store/delta/transaction.h"
#include "store/sql/database.h"

namespace loch::delta {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kChangesTable = "loch_dml_changes";

// Drops the temporary changes table however the statement ends.
class ChangesTableGuard {
 public:
  explicit ChangesTableGuard(sql::Connection& connection) : connection_(connection) {}
  ~ChangesTableGuard() { (void)connection_.execute(std::string("DROP TABLE IF EXISTS ") + kChangesTable); }

 private:
  sql::Connection& connection_;
};

// Holds a MERGE's source, evaluated once (see execute_merge), and drops it
// however the statement ends.
constexpr const char* kMergeSourceTable = "loch_merge_source";

class MergeSourceGuard {
 public:
  explicit MergeSourceGuard(sql::Connection& connection) : connection_(connection) {}
  ~MergeSourceGuard() { (void)connection_.execute(std::string("DROP TABLE IF EXISTS ") + kMergeSourceTable); }

 private:
  sql::Connection& connection_;
};

// The schema field a SET / INSERT column names (case-insensitive, as Spark).
Result<const StructField*> find_column(const TableSchema& schema, const std::string& name, const std::string& where) {
  for (const auto& field : schema.fields) {
    if (ascii_lower(field.name) == ascii_lower(name)) return &field;
  }
  return Status::invalid_argument(where + ": the table has no column '" + name + "'");
}

struct DmlContext {
  Transaction txn;
  std::vector<const LiveFile*> files;
  std::string located_scan;
};

// The files a WHERE clause may match (data_skipping.h): the others are
// neither scanned nor recorded as read, so concurrent changes to them do
// not conflict.
std::vector<const LiveFile*> candidate_files(const Snapshot& snapshot, const std::string& alias,
                                             const std::optional<std::string>& where) {
  if (!where) return all_files(snapshot);
  const std::string query = "SELECT * FROM loch_target AS " + sql_identifier(alias) + " WHERE " + *where;
  const std::vector<SqlToken> tokens = lex_sql(query);
  // tokens: SELECT * FROM loch_target ...: the reference is token 3.
  std::vector<ColumnPredicate> predicates = predicates_for_reference(tokens, 3, 3, alias);
  if (predicates.empty()) return all_files(snapshot);
  return skip_files(snapshot, predicates).files;
}

// Starts the statement's transaction and builds the located scan of the
// files `choose_files` picks from its snapshot.
using FileChooser = std::function<Result<std::vector<const LiveFile*>>(const Snapshot&)>;

Result<DmlContext> begin(const TargetTable& target, sql::Connection& connection, const FileChooser& choose_files) {
  auto txn = Transaction::begin(target.root, connection);
  if (!txn.is_ok()) return txn.status().with_context("table " + target.display_name);
  const Snapshot* snapshot = txn->read_snapshot();
  auto chosen = choose_files(*snapshot);
  if (!chosen.is_ok()) return chosen.status().with_context("table " + target.display_name);
  std::vector<const LiveFile*> files = std::move(chosen).value();
  auto scan = build_located_scan_sql(*snapshot, connection, files);
  if (!scan.is_ok()) return scan.status().with_context("table " + target.display_name);
  return DmlContext{std::move(txn).value(), std::move(files), std::move(scan).value()};
}

Result<DmlContext> begin(const TargetTable& target, sql::Connection& connection,
                         const std::optional<std::string>& where) {
  return begin(target, connection, [&](const Snapshot& snapshot) -> Result<std::vector<const LiveFile*>> {
    return candidate_files(snapshot, target.alias, where);
  });
}

Result<DmlOutcome> finish(DmlContext& context, const std::string& table, CommitOperation operation,
                          sql::Connection& connection) {
  DmlOutcome outcome;
  auto counts = apply_row_changes(context.txn, connection, context.files, kChangesTable);
  if (!counts.is_ok()) return counts.status().with_context(table);
  outcome.counts = *counts;
  if (outcome.counts.deleted + outcome.counts.updated + outcome.counts.inserted == 0) return outcome;
  operation.metrics = change_metrics(outcome.counts);
  if (operation.name == "MERGE") {
    operation.metrics["numTargetRowsInserted"] = std::to_string(outcome.counts.inserted);
    operation.metrics["numTargetRowsUpdated"] = std::to_string(outcome.counts.updated);
    operation.metrics["numTargetRowsDeleted"] = std::to_string(outcome.counts.deleted);
    operation.metrics["numTargetRowsCopied"] = std::to_string(outcome.counts.copied);
  }
  context.txn.set_operation(std::move(operation));
  auto committed = context.txn.commit();
  if (!committed.is_ok()) return committed.status().with_context(table);
  outcome.version = committed->version.value();
  // Small files of the new rows are compacted once a partition has many
  // (maintenance.h auto_compact). The statement has committed: a failed or
  // conflicting compaction is left for the next write to retry.
  (void)auto_compact(context.txn.table_root(), connection);
  return outcome;
}

}  // namespace

Result<DmlOutcome> execute_delete(const DeleteStatement& statement, sql::Connection& connection) {
  LOCH_ASSIGN_OR_RETURN(DmlContext context, begin(statement.target, connection, statement.where));
  ChangesTableGuard guard(connection);
  const std::string where = statement.where ? "WHERE (" + *statement.where + ")" : "";
  auto created = connection.execute(std::string("CREATE OR REPLACE TEMP TABLE ") + kChangesTable +
                                    " AS SELECT loch_file_index, loch_row_number, 'D' AS loch_action FROM (" +
                                    context.located_scan + ") AS " + sql_identifier(statement.target.alias) + " " +
                                    where);
  if (!created.is_ok()) return created.with_context("DELETE FROM " + statement.target.display_name);
  CommitOperation operation{"DELETE", {{"predicate", json::array({statement.where.value_or("true")}).dump()}}, {}};
  return finish(context, "DELETE FROM " + statement.target.display_name, std::move(operation), connection);
}

Result<DmlOutcome> execute_update(const UpdateStatement& statement, sql::Connection& connection) {
  LOCH_ASSIGN_OR_RETURN(DmlContext context, begin(statement.target, connection, statement.where));
  const TableSchema& schema = context.txn.read_snapshot()->schema();
  const std::string what = "UPDATE " + statement.target.display_name;
  std::map<const StructField*, std::string> assigned;
  for (const auto& assignment : statement.assignments) {
    LOCH_ASSIGN_OR_RETURN(const StructField* field, find_column(schema, assignment.column, what));
    if (!assigned.emplace(field, assignment.expression).second) {
      return Status::invalid_argument(what + ": column '" + field->name + "' is set twice");
    }
  }
  std::string values;
  for (const auto& field : schema.fields) {
    auto it = assigned.find(&field);
    values += ", " + (it == assigned.end() ? sql_identifier(field.name) : "(" + it->second + ")") + " AS " +
              sql_identifier(field.name);
  }
  ChangesTableGuard guard(connection);
  const std::string where = statement.where ? "WHERE (" + *statement.where + ")" : "";
  auto created = connection.execute(std::string("CREATE OR REPLACE TEMP TABLE ") + kChangesTable +
                                    " AS SELECT loch_file_index, loch_row_number, 'U' AS loch_action" + values +
                                    " FROM (" + context.located_scan + ") AS " + sql_identifier(statement.target.alias) +
                                    " " + where);
  if (!created.is_ok()) return created.with_context(what);
  CommitOperation operation{"UPDATE", {{"predicate", json::array({statement.where.value_or("true")}).dump()}}, {}};
  return finish(context, what, std::move(operation), connection);
}

Result<DmlOutcome> execute_merge(const MergeStatement& statement, sql::Connection& connection,
                                 const fs::path& lake_dir) {
  const std::string what = "MERGE INTO " + statement.target.display_name;
  const std::string target = sql_identifier(statement.target.alias);
  const std::string source = sql_identifier(statement.source_alias);
  if (ascii_lower(statement.target.alias) == ascii_lower(statement.source_alias)) {
    return Status::invalid_argument(what + ": the target and the source are both called '" + statement.target.alias +
                                    "'; give one an alias");
  }
  LOCH_ASSIGN_OR_RETURN(std::string source_query,
                        rewrite_delta_statement("SELECT * FROM " + statement.source, lake_dir, connection));
  // The source is evaluated exactly once, into a temporary table, as Delta
  // Lake does by default (merge.materializeSource): the key-range pruning
  // and the join then see the same rows even when the source is not
  // deterministic (random(), nextval(), a table changing meanwhile).
  MergeSourceGuard source_guard(connection);
  auto materialized = connection.execute(std::string("CREATE OR REPLACE TEMP TABLE ") + kMergeSourceTable + " AS " +
                                         source_query);
  if (!materialized.is_ok()) return materialized.with_context(what + ": reading the source");
  const std::string source_sql = std::string("SELECT * FROM ") + kMergeSourceTable;
  // Only the target files the source's key range can match (merge_pruning.h),
  // then only those holding one of its keys and, in them, only the rows
  // whose key is one, when that is all the clauses need (merge_key_filter.h).
  std::unique_ptr<MergeKeyFilter> key_filter;
  auto choose_files = [&](const Snapshot& snapshot) -> Result<std::vector<const LiveFile*>> {
    LOCH_ASSIGN_OR_RETURN(auto files, merge_target_files(snapshot, connection, statement, source_sql));
    if (files.empty()) return files;
    auto built = MergeKeyFilter::build(snapshot.schema(), connection, statement, kMergeSourceTable);
    if (!built.is_ok()) return built.status().with_context("reading the source's keys");
    key_filter = std::move(built).value();
    if (key_filter) files = key_filter->files_that_may_match(snapshot, files);
    return files;
  };
  LOCH_ASSIGN_OR_RETURN(DmlContext context, begin(statement.target, connection, choose_files));
  const TableSchema& schema = context.txn.read_snapshot()->schema();
  const std::string target_rows =
      key_filter ? "(SELECT * FROM (" + context.located_scan + ") AS loch_t WHERE " + key_filter->predicate("loch_t") + ")"
                 : "(" + context.located_scan + ")";

  // The clause number each joined row takes, per kind of match.
  bool has_matched = false, has_not_matched = false, has_by_source = false;
  std::string matched_case, not_matched_case, by_source_case;
  std::string action_case = "CASE loch_clause";
  std::vector<std::string> value_cases(schema.fields.size(), "CASE loch_clause");
  for (size_t k = 0; k < statement.clauses.size(); ++k) {
    const MergeClause& clause = statement.clauses[k];
    const std::string number = std::to_string(k);
    const std::string when = " WHEN (" + clause.condition.value_or("true") + ") THEN " + number;
    switch (clause.match) {
      case MergeClause::Match::kMatched: matched_case += when; has_matched = true; break;
      case MergeClause::Match::kNotMatched: not_matched_case += when; has_not_matched = true; break;
      case MergeClause::Match::kNotMatchedBySource: by_source_case += when; has_by_source = true; break;
    }
    std::map<const StructField*, std::string> assigned;
    for (const auto& assignment : clause.assignments) {
      LOCH_ASSIGN_OR_RETURN(const StructField* field, find_column(schema, assignment.column, what));
      if (!assigned.emplace(field, assignment.expression).second) {
        return Status::invalid_argument(what + ": column '" + field->name + "' is set twice in one clause");
      }
    }
    char action = 'D';
    for (size_t c = 0; c < schema.fields.size(); ++c) {
      const StructField& field = schema.fields[c];
      const std::string column = sql_identifier(field.name);
      std::string value;
      switch (clause.action) {
        case MergeClause::Action::kDelete: value = "NULL"; break;
        case MergeClause::Action::kUpdateAll: action = 'U'; value = source + "." + column; break;
        case MergeClause::Action::kInsertAll: action = 'I'; value = source + "." + column; break;
        case MergeClause::Action::kUpdate: {
          action = 'U';
          auto it = assigned.find(&field);
          value = it == assigned.end() ? target + "." + column : "(" + it->second + ")";
          break;
        }
        case MergeClause::Action::kInsert: {
          action = 'I';
          auto it = assigned.find(&field);
          value = it == assigned.end() ? "NULL" : "(" + it->second + ")";
          break;
        }
      }
      value_cases[c] += " WHEN " + number + " THEN " + value;
    }
    action_case += " WHEN " + number + " THEN '" + std::string(1, action) + "'";
  }
  auto case_or_null = [](const std::string& whens) {
    return whens.empty() ? std::string("NULL::INTEGER") : "CASE" + whens + " END";
  };
  const std::string clause_sql = "CASE WHEN " + target + ".loch_file_index IS NOT NULL AND " + source +
                                 ".loch_source_present THEN " + case_or_null(matched_case) + " WHEN " + target +
                                 ".loch_file_index IS NOT NULL THEN " + case_or_null(by_source_case) + " ELSE " +
                                 case_or_null(not_matched_case) + " END";
  // The narrowest join that still produces every row some clause needs.
  std::string join = "JOIN";
  if (has_not_matched && has_by_source) {
    join = "FULL OUTER JOIN";
  } else if (has_not_matched) {
    join = "RIGHT OUTER JOIN";
  } else if (has_by_source) {
    join = "LEFT OUTER JOIN";
  }
  (void)has_matched;
  std::string inner = "SELECT " + target + ".loch_file_index, " + target + ".loch_row_number, " + clause_sql +
                      " AS loch_clause, " + action_case + " END AS loch_action";
  for (size_t c = 0; c < value_cases.size(); ++c) inner += ", " + value_cases[c] + " END AS loch_v" + std::to_string(c);
  inner += " FROM " + target_rows + " AS " + target + " " + join +
           " (SELECT loch_s.*, true AS loch_source_present FROM (" + source_sql + ") AS loch_s) AS " + source +
           " ON (" + statement.on + ")";
  std::string outer = "SELECT loch_file_index, loch_row_number, loch_action";
  for (size_t c = 0; c < schema.fields.size(); ++c) {
    outer += ", loch_v" + std::to_string(c) + " AS " + sql_identifier(schema.fields[c].name);
  }
  outer += " FROM (" + inner + ") WHERE loch_clause IS NOT NULL";

  ChangesTableGuard guard(connection);
  auto created = connection.execute(std::string("CREATE OR REPLACE TEMP TABLE ") + kChangesTable + " AS " + outer);
  if (!created.is_ok()) return created.with_context(what);

  // A target row matched by several source rows: apply_row_changes refuses
  // it when one of them updates it, and deletes it once otherwise.

  json parameters = {{"predicate", json::array({statement.on}).dump()}};
  json matched = json::array(), not_matched = json::array(), by_source = json::array();
  for (const auto& clause : statement.clauses) {
    static const char* kActions[] = {"update", "update", "delete", "insert", "insert"};
    json entry = {{"actionType", kActions[static_cast<int>(clause.action)]}};
    if (clause.condition) entry["predicate"] = *clause.condition;
    (clause.match == MergeClause::Match::kMatched      ? matched
     : clause.match == MergeClause::Match::kNotMatched ? not_matched
                                                       : by_source)
        .push_back(entry);
  }
  parameters["matchedPredicates"] = matched.dump();
  parameters["notMatchedPredicates"] = not_matched.dump();
  parameters["notMatchedBySourcePredicates"] = by_source.dump();
  auto outcome = finish(context, what, CommitOperation{"MERGE", parameters, {}}, connection);
  return outcome;
}

}  // namespace loch::delta
