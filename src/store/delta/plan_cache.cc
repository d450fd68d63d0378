#include "store/delta/plan_cache.h"

#include "common/ascii.h"
#include "store/delta/sql_lexer.h"

namespace loch::delta {
namespace {

// DuckDB table functions that read files or directories by name.
bool reads_files(const std::string& lower_name) {
  if (lower_name == "delta_scan") return false;
  if (lower_name.starts_with("read_") || lower_name.ends_with("_scan") || lower_name.starts_with("parquet_") ||
      lower_name.starts_with("sniff_") || lower_name.starts_with("iceberg_")) {
    return true;
  }
  return lower_name == "glob" || lower_name == "query_table" || lower_name == "query";
}

}  // namespace

bool PlanCache::cacheable(const std::string& statement) {
  const std::vector<SqlToken> tokens = lex_sql(statement);
  if (tokens.empty() || !(tokens[0].is_word("SELECT") || tokens[0].is_word("WITH"))) return false;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const SqlToken& token = tokens[i];
    if (token.is_symbol(";")) return false;  // one statement only
    if (token.kind == SqlToken::Kind::kWord && i + 1 < tokens.size() && tokens[i + 1].is_symbol("(") &&
        reads_files(ascii_lower(token.text))) {
      return false;
    }
    // A string where a table may stand is a file DuckDB scans by name
    // (FROM 'x.csv', JOIN 'y.parquet', FROM t, 'z.json', FROM ('w.csv')).
    if (token.kind == SqlToken::Kind::kString && i > 0) {
      const SqlToken& before = tokens[i - 1];
      if (before.is_word("FROM") || before.is_word("JOIN") || before.is_symbol(",")) return false;
      if (before.is_symbol("(") && i > 1 && (tokens[i - 2].is_word("FROM") || tokens[i - 2].is_word("JOIN"))) {
        return false;
      }
    }
  }
  return true;
}

Result<sql::QueryResult> PlanCache::stream(sql::Connection& connection, const std::string& statement,
                                           const std::string& rewritten) {
  // Statements the layer left alone read no Delta table: nothing to save.
  if (rewritten == statement || capacity_ == 0 || !cacheable(statement)) return connection.stream(rewritten);
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->first != rewritten) continue;
    entries_.splice(entries_.begin(), entries_, it);
    ++hits_;
    return entries_.front().second.execute_streaming();
  }
  LOCH_ASSIGN_OR_RETURN(sql::PreparedStatement prepared, connection.prepare(rewritten));
  // A statement with parameters ($1, ?) cannot run as is; DuckDB says so.
  if (prepared.parameter_count() > 0) return prepared.execute_streaming();
  entries_.emplace_front(rewritten, std::move(prepared));
  if (entries_.size() > capacity_) entries_.pop_back();
  return entries_.front().second.execute_streaming();
}

}  // namespace loch::delta
