#include "store/delta/merge_pruning.h"

#include "common/ascii.h"
#include "store/delta/data_skipping.h"
#include "store/delta/file_paths.h"
#include "store/delta/sql_lexer.h"
#include "store/delta/table_scan.h"
#include "store/sql/database.h"

namespace loch::delta {
namespace {

// `alias . column` at tokens[i..i+2]: the column, else empty.
std::string qualified_column(const std::vector<SqlToken>& tokens, size_t i, const std::string& alias) {
  if (!tokens[i].is_identifier() || ascii_lower(tokens[i].text) != ascii_lower(alias)) return "";
  if (!tokens[i + 1].is_symbol(".") || !tokens[i + 2].is_identifier()) return "";
  return tokens[i + 2].text;
}

// How the key's values compare, when loch's data skipping compares them the
// same way DuckDB's join does; empty for other types.
std::string key_category(const std::string& delta_type) {
  if (delta_type == "long" || delta_type == "integer" || delta_type == "short" || delta_type == "byte") return "integer";
  if (delta_type == "string") return "string";
  if (delta_type == "date") return "date";
  return "";
}

std::string duckdb_category(const std::string& duckdb_type) {
  for (const char* integer : {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
                              "UINTEGER", "UBIGINT"}) {
    if (duckdb_type == integer) return "integer";
  }
  if (duckdb_type == "VARCHAR") return "string";
  if (duckdb_type == "DATE") return "date";
  return "";
}

}  // namespace

std::vector<KeyEquality> key_equalities(const std::string& on, const std::string& target_alias,
                                        const std::string& source_alias) {
  const std::vector<SqlToken> tokens = lex_sql(on);
  // Conjuncts at parenthesis depth 0; anything that could make one of them
  // not a necessary condition gives up.
  std::vector<std::pair<size_t, size_t>> conjuncts;  // [begin, end)
  int depth = 0;
  size_t begin = 0;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const SqlToken& token = tokens[i];
    if (token.is_symbol("(")) ++depth;
    if (token.is_symbol(")")) --depth;
    if (depth != 0) continue;
    if (token.is_word("OR") || token.is_word("NOT") || token.is_word("CASE") || token.is_word("BETWEEN")) return {};
    if (token.is_word("AND")) {
      conjuncts.emplace_back(begin, i);
      begin = i + 1;
    }
  }
  if (depth != 0) return {};
  conjuncts.emplace_back(begin, tokens.size());
  std::vector<KeyEquality> equalities;
  for (auto [first, end] : conjuncts) {
    // Redundant parentheses around the whole conjunct.
    while (end - first >= 2 && tokens[first].is_symbol("(") && tokens[end - 1].is_symbol(")")) {
      ++first;
      --end;
    }
    if (end - first != 7 || !tokens[first + 3].is_symbol("=")) continue;
    std::string target = qualified_column(tokens, first, target_alias);
    std::string source = qualified_column(tokens, first + 4, source_alias);
    if (target.empty() || source.empty()) {
      target = qualified_column(tokens, first + 4, target_alias);
      source = qualified_column(tokens, first, source_alias);
    }
    if (!target.empty() && !source.empty()) equalities.push_back({target, source});
  }
  return equalities;
}

Result<std::vector<const LiveFile*>> merge_target_files(const Snapshot& snapshot, sql::Connection& connection,
                                                        const MergeStatement& statement, const std::string& source_sql) {
  for (const auto& clause : statement.clauses) {
    if (clause.match == MergeClause::Match::kNotMatchedBySource) return all_files(snapshot);
  }
  if (ascii_lower(statement.target.alias) == ascii_lower(statement.source_alias)) return all_files(snapshot);
  std::vector<ColumnPredicate> predicates;
  for (const KeyEquality& key : key_equalities(statement.on, statement.target.alias, statement.source_alias)) {
    const StructField* field = nullptr;
    for (const auto& candidate : snapshot.schema().fields) {
      if (ascii_lower(candidate.name) == ascii_lower(key.target_column)) field = &candidate;
    }
    if (!field || field->type.kind != DataType::Kind::kPrimitive) continue;
    const std::string category = key_category(field->type.primitive);
    if (category.empty()) continue;
    const std::string column = "loch_s." + sql_identifier(key.source_column);
    LOCH_ASSIGN_OR_RETURN(auto result,
                          connection.query("SELECT CAST(min(" + column + ") AS VARCHAR), CAST(max(" + column +
                                           ") AS VARCHAR), typeof(min(" + column + ")) FROM (" + source_sql +
                                           ") AS loch_s"));
    LOCH_ASSIGN_OR_RETURN(auto chunk, result.next_chunk());
    if (!chunk || chunk->size() == 0) continue;
    if (duckdb_category(std::string(chunk->column(2).string_at(0))) != category) continue;
    if (!chunk->column(0).is_valid(0)) {
      // No source row has a key: no target row is matched.
      return std::vector<const LiveFile*>{};
    }
    const auto kind = category == "integer" ? ColumnPredicate::LiteralKind::kNumber : ColumnPredicate::LiteralKind::kString;
    const std::string min(chunk->column(0).string_at(0));
    const std::string max(chunk->column(1).string_at(0));
    const std::string shown = "merge key " + field->name + " in source range";
    predicates.push_back({ColumnPredicate::Op::kGe, field->name, kind, min, {}, shown});
    predicates.push_back({ColumnPredicate::Op::kLe, field->name, kind, max, {}, shown});
  }
  if (predicates.empty()) return all_files(snapshot);
  return skip_files(snapshot, predicates).files;
}

}  // namespace loch::delta
