#include "store/delta/dml_parser.h"

#include <cctype>

#include "common/ascii.h"
#include "store/delta/sql_lexer.h"

namespace loch::delta {
namespace {

namespace fs = std::filesystem;

class Parser {
 public:
  Parser(const std::string& statement, const fs::path& lake_dir)
      : statement_(statement), tokens_(lex_sql(statement)), lake_dir_(lake_dir) {
    // A trailing semicolon ends the statement, it is not part of it.
    while (!tokens_.empty() && tokens_.back().is_symbol(";")) tokens_.pop_back();
  }

  Result<std::optional<DmlStatement>> parse() {
    if (tokens_.empty()) return none();
    if (word("DELETE") && word_at(1, "FROM")) return parse_delete();
    if (word("UPDATE")) return parse_update();
    if (word("MERGE") && word_at(1, "INTO")) return parse_merge();
    if (word("RESTORE")) return parse_restore();
    if (word("OPTIMIZE")) return parse_optimize();
    if (word("VACUUM")) return parse_vacuum();
    return none();
  }

 private:
  static Result<std::optional<DmlStatement>> none() { return std::optional<DmlStatement>(); }

  bool at_end() const { return position_ >= tokens_.size(); }
  bool word(std::string_view upper) const { return !at_end() && tokens_[position_].is_word(upper); }
  bool word_at(size_t ahead, std::string_view upper) const {
    return position_ + ahead < tokens_.size() && tokens_[position_ + ahead].is_word(upper);
  }
  bool symbol(std::string_view s) const { return !at_end() && tokens_[position_].is_symbol(s); }

  std::string where_am_i() const {
    if (at_end()) return "at the end of the statement";
    return "at '" + tokens_[position_].text + "' (byte " + std::to_string(tokens_[position_].begin) + ")";
  }
  Status expected(const std::string& what) const {
    return Status::invalid_argument(statement_name_ + ": expected " + what + " " + where_am_i());
  }
  Status expect_word(std::string_view upper) {
    if (!word(upper)) return expected(std::string(upper));
    ++position_;
    return Status::ok();
  }
  Status expect_symbol(std::string_view s) {
    if (!symbol(s)) return expected("'" + std::string(s) + "'");
    ++position_;
    return Status::ok();
  }

  // The statement's text from token `first` up to (not including) `last`.
  std::string text(size_t first, size_t last) const {
    if (first >= last) return "";
    return statement_.substr(tokens_[first].begin, tokens_[last - 1].end - tokens_[first].begin);
  }

  // Advances to the first token at nesting depth 0 (parentheses and
  // CASE ... END) for which `stop` holds, or the end; returns the text passed.
  template <typename Stop>
  std::string text_until(Stop stop) {
    const size_t first = position_;
    int depth = 0;
    for (; position_ < tokens_.size(); ++position_) {
      const SqlToken& token = tokens_[position_];
      if (depth == 0 && stop(token)) break;
      if (token.is_symbol("(") || token.is_word("CASE")) ++depth;
      if ((token.is_symbol(")") || token.is_word("END")) && depth > 0) --depth;
    }
    return text(first, position_);
  }

  // A Delta table: bronze.t, silver.t, gold.t, 'path' or delta.`path`.
  // nullopt when the tokens name something else (a DuckDB table).
  Result<std::optional<TargetTable>> parse_target(bool must_exist) {
    if (at_end()) return expected("a table");
    const SqlToken& first = tokens_[position_];
    std::optional<TargetTable> target;
    if (first.kind == SqlToken::Kind::kString) {
      target = TargetTable{fs::path(first.text), first.text, fs::path(first.text).filename().string()};
      position_ += 1;
    } else if (first.is_identifier() && position_ + 2 < tokens_.size() && tokens_[position_ + 1].is_symbol(".") &&
               tokens_[position_ + 2].is_identifier()) {
      const std::string zone = ascii_lower(first.text);
      const SqlToken& name = tokens_[position_ + 2];
      if (zone == "delta" && name.kind == SqlToken::Kind::kQuotedIdentifier) {
        target = TargetTable{fs::path(name.text), name.text, fs::path(name.text).filename().string()};
      } else if (zone == "bronze" || zone == "silver" || zone == "gold") {
        target = TargetTable{lake_dir_ / zone / name.text, zone + "." + name.text, name.text};
      }
      if (target) position_ += 3;
    }
    if (!target) return std::optional<TargetTable>();
    std::error_code ec;
    if (!fs::is_directory(target->root / "_delta_log", ec)) {
      if (!must_exist) return std::optional<TargetTable>();
      return Status::not_found(statement_name_ + ": no Delta table " + target->display_name);
    }
    return target;
  }

  // [AS] alias, unless the next word is one of `keywords`.
  void parse_alias(TargetTable& target, std::initializer_list<std::string_view> keywords) {
    if (word("AS") && position_ + 1 < tokens_.size() && tokens_[position_ + 1].is_identifier()) {
      target.alias = tokens_[position_ + 1].text;
      position_ += 2;
      return;
    }
    if (at_end() || !tokens_[position_].is_identifier()) return;
    for (std::string_view keyword : keywords) {
      if (word(keyword)) return;
    }
    target.alias = tokens_[position_].text;
    ++position_;
  }

  Result<std::optional<DmlStatement>> parse_delete() {
    statement_name_ = "DELETE";
    position_ = 2;
    LOCH_ASSIGN_OR_RETURN(auto target, parse_target(false));
    if (!target) return none();
    parse_alias(*target, {"WHERE"});
    DeleteStatement out{*target, std::nullopt};
    if (word("WHERE")) {
      ++position_;
      out.where = text_until([](const SqlToken&) { return false; });
      if (out.where->empty()) return expected("a condition after WHERE");
    }
    if (!at_end()) return expected("WHERE or the end of the statement");
    return std::optional<DmlStatement>(std::move(out));
  }

  // col = expr [, col = expr ...], ending at a depth-0 word in `stops`.
  Result<std::vector<Assignment>> parse_assignments(std::initializer_list<std::string_view> stops) {
    std::vector<Assignment> assignments;
    while (true) {
      if (at_end() || !tokens_[position_].is_identifier()) return expected("a column name");
      size_t name_token = position_;
      // t.col = ...: the qualifier names the target and is dropped.
      if (position_ + 2 < tokens_.size() && tokens_[position_ + 1].is_symbol(".") &&
          tokens_[position_ + 2].is_identifier()) {
        name_token = position_ + 2;
        position_ += 2;
      }
      ++position_;
      LOCH_RETURN_IF_ERROR(expect_symbol("="));
      std::string expression = text_until([&](const SqlToken& token) {
        if (token.is_symbol(",")) return true;
        for (std::string_view stop : stops) {
          if (token.is_word(stop)) return true;
        }
        return false;
      });
      if (expression.empty()) return expected("an expression after '='");
      assignments.push_back({tokens_[name_token].text, std::move(expression)});
      if (!symbol(",")) break;
      ++position_;
    }
    return assignments;
  }

  Result<std::optional<DmlStatement>> parse_update() {
    statement_name_ = "UPDATE";
    position_ = 1;
    LOCH_ASSIGN_OR_RETURN(auto target, parse_target(false));
    if (!target) return none();
    parse_alias(*target, {"SET", "WHERE"});
    LOCH_RETURN_IF_ERROR(expect_word("SET"));
    UpdateStatement out{*target, {}, std::nullopt};
    LOCH_ASSIGN_OR_RETURN(out.assignments, parse_assignments({"WHERE"}));
    if (word("WHERE")) {
      ++position_;
      out.where = text_until([](const SqlToken&) { return false; });
      if (out.where->empty()) return expected("a condition after WHERE");
    }
    if (!at_end()) return expected("',' , WHERE or the end of the statement");
    return std::optional<DmlStatement>(std::move(out));
  }

  // ( item, item, ... ) where each item is text at depth 0.
  Result<std::vector<std::string>> parse_parenthesized_list() {
    LOCH_RETURN_IF_ERROR(expect_symbol("("));
    std::vector<std::string> items;
    while (true) {
      std::string item = text_until([](const SqlToken& token) { return token.is_symbol(",") || token.is_symbol(")"); });
      if (item.empty()) return expected("a list item");
      items.push_back(std::move(item));
      if (symbol(")")) break;
      LOCH_RETURN_IF_ERROR(expect_symbol(","));
    }
    ++position_;
    return items;
  }

  Result<MergeClause> parse_merge_clause() {
    LOCH_RETURN_IF_ERROR(expect_word("WHEN"));
    MergeClause clause{MergeClause::Match::kMatched, MergeClause::Action::kDelete, std::nullopt, {}};
    if (word("NOT")) {
      ++position_;
      LOCH_RETURN_IF_ERROR(expect_word("MATCHED"));
      clause.match = MergeClause::Match::kNotMatched;
      if (word("BY")) {
        ++position_;
        if (word("SOURCE")) {
          clause.match = MergeClause::Match::kNotMatchedBySource;
        } else if (!word("TARGET")) {
          return expected("SOURCE or TARGET after NOT MATCHED BY");
        }
        ++position_;
      }
    } else {
      LOCH_RETURN_IF_ERROR(expect_word("MATCHED"));
    }
    if (word("AND")) {
      ++position_;
      clause.condition = text_until([](const SqlToken& token) { return token.is_word("THEN"); });
      if (clause.condition->empty()) return expected("a condition after AND");
    }
    LOCH_RETURN_IF_ERROR(expect_word("THEN"));
    if (clause.match == MergeClause::Match::kNotMatched) {
      LOCH_RETURN_IF_ERROR(expect_word("INSERT"));
      if (symbol("*")) {
        ++position_;
        clause.action = MergeClause::Action::kInsertAll;
        return clause;
      }
      clause.action = MergeClause::Action::kInsert;
      LOCH_ASSIGN_OR_RETURN(std::vector<std::string> columns, parse_parenthesized_list());
      LOCH_RETURN_IF_ERROR(expect_word("VALUES"));
      LOCH_ASSIGN_OR_RETURN(std::vector<std::string> values, parse_parenthesized_list());
      if (columns.size() != values.size()) {
        return Status::invalid_argument("MERGE: INSERT names " + std::to_string(columns.size()) + " columns but gives " +
                                        std::to_string(values.size()) + " values");
      }
      for (size_t i = 0; i < columns.size(); ++i) {
        std::string column = columns[i];
        // A quoted column name is the identifier itself.
        auto column_tokens = lex_sql(column);
        if (column_tokens.empty() || !column_tokens.back().is_identifier()) {
          return Status::invalid_argument("MERGE: INSERT column '" + column + "' is not a column name");
        }
        clause.assignments.push_back({column_tokens.back().text, values[i]});
      }
      return clause;
    }
    if (word("DELETE")) {
      ++position_;
      clause.action = MergeClause::Action::kDelete;
      return clause;
    }
    LOCH_RETURN_IF_ERROR(expect_word("UPDATE"));
    LOCH_RETURN_IF_ERROR(expect_word("SET"));
    if (symbol("*")) {
      if (clause.match == MergeClause::Match::kNotMatchedBySource) {
        return Status::invalid_argument("MERGE: UPDATE SET * needs a source row; WHEN NOT MATCHED BY SOURCE has none");
      }
      ++position_;
      clause.action = MergeClause::Action::kUpdateAll;
      return clause;
    }
    clause.action = MergeClause::Action::kUpdate;
    LOCH_ASSIGN_OR_RETURN(clause.assignments, parse_assignments({"WHEN"}));
    return clause;
  }

  Result<std::optional<DmlStatement>> parse_merge() {
    statement_name_ = "MERGE";
    position_ = 2;
    // DuckDB runs MERGE INTO its own tables.
    LOCH_ASSIGN_OR_RETURN(auto target, parse_target(false));
    if (!target) return none();
    parse_alias(*target, {"USING"});
    LOCH_RETURN_IF_ERROR(expect_word("USING"));
    MergeStatement out{*target, "", "", "", {}};
    const size_t source_first = position_;
    text_until([](const SqlToken& token) { return token.is_word("ON"); });
    size_t source_last = position_;
    if (source_last == source_first) return expected("a source table or query after USING");
    // The source's alias: the last identifier, unless it ends a dotted name.
    const SqlToken& last = tokens_[source_last - 1];
    const bool has_alias = source_last - source_first >= 2 && last.is_identifier() &&
                           !tokens_[source_last - 2].is_symbol(".") && !last.is_word("OF");
    if (has_alias) {
      out.source_alias = last.text;
      --source_last;
      if (source_last - source_first >= 2 && tokens_[source_last - 1].is_word("AS")) --source_last;
    } else if (last.is_identifier()) {
      out.source_alias = last.text;  // a plain table is referred to by its name
    } else {
      out.source_alias = "source";
    }
    out.source = text(source_first, source_last);
    LOCH_RETURN_IF_ERROR(expect_word("ON"));
    out.on = text_until([](const SqlToken& token) { return token.is_word("WHEN"); });
    if (out.on.empty()) return expected("a join condition after ON");
    while (!at_end()) {
      LOCH_ASSIGN_OR_RETURN(MergeClause clause, parse_merge_clause());
      out.clauses.push_back(std::move(clause));
    }
    if (out.clauses.empty()) return expected("at least one WHEN clause");
    return std::optional<DmlStatement>(std::move(out));
  }

  Result<std::optional<DmlStatement>> parse_restore() {
    statement_name_ = "RESTORE";
    position_ = 1;
    if (word("TABLE")) ++position_;
    LOCH_ASSIGN_OR_RETURN(auto target, parse_target(true));
    if (!target) return expected("a Delta table (bronze.t, silver.t, gold.t, 'path' or delta.`path`)");
    RestoreStatement out{*target, std::nullopt, std::nullopt};
    if (word("TO")) ++position_;
    if (word("VERSION")) {
      ++position_;
      LOCH_RETURN_IF_ERROR(expect_word("AS"));
      LOCH_RETURN_IF_ERROR(expect_word("OF"));
      if (at_end() || tokens_[position_].kind != SqlToken::Kind::kNumber) return expected("a version number");
      out.version = std::stoll(tokens_[position_].text);
      ++position_;
    } else if (word("TIMESTAMP")) {
      ++position_;
      LOCH_RETURN_IF_ERROR(expect_word("AS"));
      LOCH_RETURN_IF_ERROR(expect_word("OF"));
      if (at_end() || tokens_[position_].kind != SqlToken::Kind::kString) return expected("a timestamp string");
      out.timestamp = tokens_[position_].text;
      ++position_;
    } else {
      return expected("VERSION AS OF n or TIMESTAMP AS OF '...'");
    }
    if (!at_end()) return expected("the end of the statement");
    return std::optional<DmlStatement>(std::move(out));
  }

  Result<std::optional<DmlStatement>> parse_optimize() {
    statement_name_ = "OPTIMIZE";
    position_ = 1;
    LOCH_ASSIGN_OR_RETURN(auto target, parse_target(true));
    if (!target) return expected("a Delta table (bronze.t, silver.t, gold.t, 'path' or delta.`path`)");
    OptimizeStatement out{*target, std::nullopt, {}};
    if (word("WHERE")) {
      ++position_;
      out.where = text_until([](const SqlToken& token) { return token.is_word("ZORDER"); });
      if (out.where->empty()) return expected("a partition predicate after WHERE");
    }
    if (word("ZORDER")) {
      ++position_;
      LOCH_RETURN_IF_ERROR(expect_word("BY"));
      const bool parenthesized = symbol("(");
      if (parenthesized) ++position_;
      while (true) {
        if (at_end() || !tokens_[position_].is_identifier()) return expected("a column name");
        out.zorder_by.push_back(tokens_[position_].text);
        ++position_;
        if (!symbol(",")) break;
        ++position_;
      }
      if (parenthesized) LOCH_RETURN_IF_ERROR(expect_symbol(")"));
    }
    if (!at_end()) return expected("WHERE, ZORDER BY or the end of the statement");
    return std::optional<DmlStatement>(std::move(out));
  }

  Result<std::optional<DmlStatement>> parse_vacuum() {
    statement_name_ = "VACUUM";
    position_ = 1;
    if (at_end()) return none();
    LOCH_ASSIGN_OR_RETURN(auto target, parse_target(false));
    // DuckDB has its own VACUUM (of its catalog); only a Delta table is ours.
    if (!target) return none();
    VacuumStatement out{*target, std::nullopt, false};
    while (!at_end()) {
      if (word("RETAIN")) {
        ++position_;
        if (at_end() || tokens_[position_].kind != SqlToken::Kind::kNumber) return expected("a number of hours");
        out.retain_hours = std::stod(tokens_[position_].text);
        ++position_;
        LOCH_RETURN_IF_ERROR(expect_word("HOURS"));
      } else if (word("DRY")) {
        ++position_;
        LOCH_RETURN_IF_ERROR(expect_word("RUN"));
        out.dry_run = true;
      } else {
        return expected("RETAIN n HOURS, DRY RUN or the end of the statement");
      }
    }
    return std::optional<DmlStatement>(std::move(out));
  }

  const std::string& statement_;
  std::vector<SqlToken> tokens_;
  fs::path lake_dir_;
  size_t position_ = 0;
  std::string statement_name_;
};

}  // namespace

Result<std::optional<DmlStatement>> parse_dml_statement(const std::string& statement, const fs::path& lake_dir) {
  Parser parser(statement, lake_dir);
  return parser.parse();
}

}  // namespace loch::delta
