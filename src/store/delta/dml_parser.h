// Parsing of the Delta statements that change or maintain a table, in the
// vocabulary Spark/Delta users know (doc/delta-dml.md):
//
//   DELETE FROM t [[AS] a] [WHERE cond]
//   UPDATE t [[AS] a] SET col = expr [, ...] [WHERE cond]
//   MERGE INTO t [[AS] a] USING source [[AS] s] ON cond
//     WHEN MATCHED [AND cond] THEN UPDATE SET col = expr, ... | UPDATE SET * | DELETE
//     WHEN NOT MATCHED [BY TARGET] [AND cond] THEN INSERT (cols) VALUES (exprs) | INSERT *
//     WHEN NOT MATCHED BY SOURCE [AND cond] THEN UPDATE SET ... | DELETE
//   RESTORE [TABLE] t [TO] VERSION AS OF n | TIMESTAMP AS OF 'ts'
//   OPTIMIZE t [WHERE partition_predicate] [ZORDER BY (col, ...)]
//   VACUUM t [RETAIN n HOURS] [DRY RUN]
//
// t is a zone table (bronze.t, silver.t, gold.t), a 'path' string, or
// delta.`path`. Expressions and conditions stay SQL text (cut from the
// statement on token boundaries) for DuckDB to evaluate; a MERGE source is
// any table reference or parenthesized query, rewritten by the statement
// layer like any other SQL.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/result.h"

namespace loch::delta {

struct TargetTable {
  std::filesystem::path root;
  std::string display_name;  // bronze.events or the path
  std::string alias;         // the alias written, else the table's name
};

struct Assignment {
  std::string column;
  std::string expression;  // SQL text
};

struct DeleteStatement {
  TargetTable target;
  std::optional<std::string> where;
};

struct UpdateStatement {
  TargetTable target;
  std::vector<Assignment> assignments;
  std::optional<std::string> where;
};

struct MergeClause {
  enum class Match { kMatched, kNotMatched, kNotMatchedBySource } match;
  enum class Action { kUpdate, kUpdateAll, kDelete, kInsert, kInsertAll } action;
  std::optional<std::string> condition;
  // UPDATE SET: column = expression. INSERT (cols) VALUES (exprs): one per column.
  std::vector<Assignment> assignments;
};

struct MergeStatement {
  TargetTable target;
  std::string source;  // SQL text of a table reference or (subquery)
  std::string source_alias;
  std::string on;
  std::vector<MergeClause> clauses;
};

struct RestoreStatement {
  TargetTable target;
  std::optional<int64_t> version;
  std::optional<std::string> timestamp;
};

struct OptimizeStatement {
  TargetTable target;
  std::optional<std::string> where;
  std::vector<std::string> zorder_by;
};

struct VacuumStatement {
  TargetTable target;
  std::optional<double> retain_hours;
  bool dry_run = false;
};

using DmlStatement = std::variant<DeleteStatement, UpdateStatement, MergeStatement, RestoreStatement,
                                  OptimizeStatement, VacuumStatement>;

// nullopt when `statement` is not one of these statements (or names no
// Delta table: DELETE, UPDATE, MERGE and VACUUM of DuckDB tables are left
// to DuckDB). An error when
// it is one but is malformed; the message says what was expected where.
Result<std::optional<DmlStatement>> parse_dml_statement(const std::string& statement,
                                                        const std::filesystem::path& lake_dir);

}  // namespace loch::delta
