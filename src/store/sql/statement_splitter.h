// Splits a SQL script into statements at top-level semicolons, keeping the
// line each statement starts on, so that an error can say "line 12".
//
// Semicolons inside 'strings', "identifiers", $tag$dollar quotes$tag$,
// -- line comments and /* block comments */ (nested, as in PostgreSQL and
// DuckDB) do not split. Statements that hold only comments and space are
// dropped.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace loch::sql {

struct ScriptStatement {
  std::string text;  // without the terminating semicolon
  int line = 1;      // 1-based line of the statement's first token
};

std::vector<ScriptStatement> split_statements(std::string_view script);

// True when `script` ends inside a string, quote or comment, or has text
// after its last semicolon: an interactive shell then waits for more lines.
bool is_statement_incomplete(std::string_view script);

}  // namespace loch::sql
