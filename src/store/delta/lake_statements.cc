#include "store/delta/lake_statements.h"

#include "common/ascii.h"
#include "store/delta/dml_executor.h"
#include "store/delta/dml_parser.h"
#include "store/delta/maintenance.h"
#include "store/delta/sql_lexer.h"
#include "store/sql/database.h"

namespace loch::delta {
namespace {

std::string count_sql(int64_t value) { return std::to_string(value) + "::BIGINT"; }

// SET loch.delta.retentionDurationCheck = false (or the Spark name): DuckDB
// has no such option, so it is kept as a variable of the session.
std::optional<std::string> rewrite_setting(const std::string& statement) {
  auto tokens = lex_sql(statement);
  while (!tokens.empty() && tokens.back().is_symbol(";")) tokens.pop_back();
  if (tokens.size() < 3 || !tokens[0].is_word("SET")) return std::nullopt;
  std::string name;
  size_t i = 1;
  for (; i < tokens.size() && !tokens[i].is_symbol("=") && !tokens[i].is_word("TO"); ++i) name += tokens[i].text;
  name = ascii_lower(name);
  if (name != "loch.delta.retentiondurationcheck" && name != "spark.databricks.delta.retentiondurationcheck.enabled") {
    return std::nullopt;
  }
  if (i + 1 >= tokens.size()) return std::nullopt;
  std::string value = ascii_lower(tokens[i + 1].text);
  const bool enabled = !(value == "false" || value == "0" || value == "off");
  return std::string("SET VARIABLE ") + kRetentionCheckVariable + " = " + (enabled ? "true" : "false");
}

}  // namespace

Result<std::optional<std::string>> run_lake_statement(const std::string& statement, const std::filesystem::path& lake_dir,
                                                      sql::Connection& connection) {
  if (auto setting = rewrite_setting(statement)) return std::optional<std::string>(*setting);
  LOCH_ASSIGN_OR_RETURN(auto parsed, parse_dml_statement(statement, lake_dir));
  if (!parsed) return std::optional<std::string>();
  if (auto* d = std::get_if<DeleteStatement>(&*parsed)) {
    LOCH_ASSIGN_OR_RETURN(DmlOutcome outcome, execute_delete(*d, connection));
    return std::optional<std::string>("SELECT " + count_sql(outcome.counts.deleted) + " AS num_affected_rows");
  }
  if (auto* u = std::get_if<UpdateStatement>(&*parsed)) {
    LOCH_ASSIGN_OR_RETURN(DmlOutcome outcome, execute_update(*u, connection));
    return std::optional<std::string>("SELECT " + count_sql(outcome.counts.updated) + " AS num_affected_rows");
  }
  if (auto* m = std::get_if<MergeStatement>(&*parsed)) {
    LOCH_ASSIGN_OR_RETURN(DmlOutcome outcome, execute_merge(*m, connection, lake_dir));
    const auto& c = outcome.counts;
    return std::optional<std::string>("SELECT " + count_sql(c.updated + c.deleted + c.inserted) +
                                      " AS num_affected_rows, " + count_sql(c.updated) + " AS num_updated_rows, " +
                                      count_sql(c.deleted) + " AS num_deleted_rows, " + count_sql(c.inserted) +
                                      " AS num_inserted_rows");
  }
  if (auto* r = std::get_if<RestoreStatement>(&*parsed)) {
    LOCH_ASSIGN_OR_RETURN(std::string sql, execute_restore(*r, connection));
    return std::optional<std::string>(sql);
  }
  if (auto* o = std::get_if<OptimizeStatement>(&*parsed)) {
    LOCH_ASSIGN_OR_RETURN(std::string sql, execute_optimize(*o, connection));
    return std::optional<std::string>(sql);
  }
  if (auto* v = std::get_if<VacuumStatement>(&*parsed)) {
    LOCH_ASSIGN_OR_RETURN(std::string sql, execute_vacuum(*v, connection));
    return std::optional<std::string>(sql);
  }
  return std::optional<std::string>();
}

}  // namespace loch::delta
