#include "store/delta/write_statement_parser.h"

#include "common/ascii.h"
#include "store/delta/sql_lexer.h"

namespace loch::delta {
namespace {

namespace fs = std::filesystem;

bool is_zone_word(const SqlToken& token) {
  if (!token.is_identifier()) return false;
  const std::string name = ascii_lower(token.text);
  return name == "bronze" || name == "silver" || name == "gold";
}

class Parser {
 public:
  Parser(const std::string& statement, const fs::path& lake_dir)
      : statement_(statement), tokens_(lex_sql(statement)), lake_dir_(lake_dir) {}

  Result<std::optional<WriteStatement>> parse() {
    if (tokens_.empty()) return none();
    if (word("CREATE")) return parse_create();
    if (word("INSERT")) return parse_insert();
    if (word("ALTER")) return parse_alter();
    if (word("DROP")) return parse_drop();
    if (word("SET") || word("RESET")) return parse_session_option();
    return none();
  }

 private:
  static Result<std::optional<WriteStatement>> none() { return std::optional<WriteStatement>(); }

  bool at_end() const { return pos_ >= tokens_.size() || (pos_ + 1 == tokens_.size() && tokens_[pos_].is_symbol(";")); }
  const SqlToken* peek(size_t ahead = 0) const {
    return pos_ + ahead < tokens_.size() ? &tokens_[pos_ + ahead] : nullptr;
  }
  bool peek_word(const char* w, size_t ahead = 0) const {
    const SqlToken* t = peek(ahead);
    return t && t->is_word(w);
  }
  bool word(const char* w) {
    if (!peek_word(w)) return false;
    ++pos_;
    return true;
  }
  bool symbol(const char* s) {
    const SqlToken* t = peek();
    if (!t || !t->is_symbol(s)) return false;
    ++pos_;
    return true;
  }
  Status expect_word(const char* w, const std::string& where) {
    if (!word(w)) return error("expected " + std::string(w) + " " + where);
    return Status::ok();
  }
  Status expect_symbol(const char* s, const std::string& where) {
    if (!symbol(s)) return error("expected '" + std::string(s) + "' " + where);
    return Status::ok();
  }
  Status error(const std::string& what) const {
    std::string near = at_end() ? std::string("at the end") : "near '" + tokens_[pos_].text + "'";
    return Status::invalid_argument(what + " (" + near + ")");
  }
  Result<std::string> identifier(const std::string& what) {
    const SqlToken* t = peek();
    if (!t || !t->is_identifier()) return error("expected " + what);
    ++pos_;
    return t->text;
  }
  // SQL text from token `first` up to (not including) token `end`.
  std::string text(size_t first, size_t end) const {
    if (first >= end || first >= tokens_.size()) return "";
    return statement_.substr(tokens_[first].begin, tokens_[end - 1].end - tokens_[first].begin);
  }
  // The index of the ')' closing the '(' at `open`.
  Result<size_t> matching_paren(size_t open) const {
    int depth = 0;
    for (size_t i = open; i < tokens_.size(); ++i) {
      if (tokens_[i].is_symbol("(")) ++depth;
      if (tokens_[i].is_symbol(")") && --depth == 0) return i;
    }
    return Status::invalid_argument("unbalanced parentheses in: " + statement_);
  }
  // The end of the statement, before a trailing ';'.
  size_t statement_end() const {
    size_t end = tokens_.size();
    while (end > 0 && tokens_[end - 1].is_symbol(";")) --end;
    return end;
  }

  // A table reference: bronze.t, 'path' or delta.`path`. nullopt when the
  // tokens name something else (a DuckDB table).
  std::optional<WriteTarget> target() {
    const SqlToken* t = peek();
    if (!t) return std::nullopt;
    if (t->kind == SqlToken::Kind::kString) {
      ++pos_;
      return WriteTarget{fs::path(t->text), t->text, false};
    }
    const SqlToken* dot = peek(1);
    const SqlToken* name = peek(2);
    if (!dot || !dot->is_symbol(".") || !name || !name->is_identifier()) return std::nullopt;
    if (peek(3) && peek(3)->is_symbol(".")) return std::nullopt;
    if (t->is_word("DELTA") && name->kind == SqlToken::Kind::kQuotedIdentifier) {
      pos_ += 3;
      return WriteTarget{fs::path(name->text), name->text, false};
    }
    if (is_zone_word(*t)) {
      pos_ += 3;
      const std::string zone = ascii_lower(t->text);
      return WriteTarget{lake_dir_ / zone / name->text, zone + "." + name->text, true};
    }
    return std::nullopt;
  }

  // ('key' = 'value', ...) with keys as strings or dotted words.
  Result<std::map<std::string, std::string>> properties() {
    LOCH_RETURN_IF_ERROR(expect_symbol("(", "before the table properties"));
    std::map<std::string, std::string> out;
    if (symbol(")")) return out;
    do {
      LOCH_ASSIGN_OR_RETURN(std::string key, property_key());
      symbol("=");
      const SqlToken* value = peek();
      if (!value || value->is_symbol(",") || value->is_symbol(")")) return error("expected a value for property " + key);
      ++pos_;
      out[key] = value->text;
    } while (symbol(","));
    LOCH_RETURN_IF_ERROR(expect_symbol(")", "after the table properties"));
    return out;
  }
  Result<std::string> property_key() {
    const SqlToken* t = peek();
    if (t && t->kind == SqlToken::Kind::kString) {
      ++pos_;
      return t->text;
    }
    std::string key;
    do {
      LOCH_ASSIGN_OR_RETURN(std::string part, identifier("a property name"));
      key += (key.empty() ? "" : ".") + part;
    } while (symbol("."));
    return key;
  }

  // name type [NOT NULL] [COMMENT 'c'], ... up to the closing token.
  Result<std::vector<ColumnDefinition>> column_definitions(size_t end) {
    std::vector<ColumnDefinition> columns;
    while (pos_ < end) {
      ColumnDefinition column;
      LOCH_ASSIGN_OR_RETURN(column.name, identifier("a column name"));
      const size_t type_start = pos_;
      int depth = 0;
      while (pos_ < end) {
        const SqlToken& t = tokens_[pos_];
        if (t.is_symbol("(") || t.is_symbol("<")) ++depth;
        if (t.is_symbol(")") || t.is_symbol(">")) --depth;
        if (depth == 0 && (t.is_symbol(",") || t.is_word("NOT") || t.is_word("NULL") || t.is_word("COMMENT"))) break;
        ++pos_;
      }
      if (pos_ == type_start) return error("column " + column.name + " needs a type");
      column.type = text(type_start, pos_);
      while (pos_ < end && !tokens_[pos_].is_symbol(",")) {
        if (word("NOT")) {
          LOCH_RETURN_IF_ERROR(expect_word("NULL", "after NOT"));
          column.not_null = true;
        } else if (word("NULL")) {
          column.not_null = false;
        } else if (word("COMMENT")) {
          const SqlToken* comment = peek();
          if (!comment || comment->kind != SqlToken::Kind::kString) return error("COMMENT needs a string");
          column.comment = comment->text;
          ++pos_;
        } else {
          return error("unexpected word in the definition of column " + column.name);
        }
      }
      columns.push_back(std::move(column));
      if (pos_ < end) ++pos_;  // the comma
    }
    return columns;
  }

  // (a, b, c)
  Result<std::vector<std::string>> name_list(const std::string& what) {
    LOCH_RETURN_IF_ERROR(expect_symbol("(", "before " + what));
    std::vector<std::string> names;
    do {
      LOCH_ASSIGN_OR_RETURN(std::string name, identifier(what));
      names.push_back(std::move(name));
    } while (symbol(","));
    LOCH_RETURN_IF_ERROR(expect_symbol(")", "after " + what));
    return names;
  }

  Result<std::optional<WriteStatement>> parse_create() {
    CreateTableStatement create;
    if (word("OR")) {
      LOCH_RETURN_IF_ERROR(expect_word("REPLACE", "after CREATE OR"));
      create.or_replace = true;
    }
    if (!word("TABLE")) return none();  // CREATE VIEW, CREATE SCHEMA, ...
    if (word("IF")) {
      LOCH_RETURN_IF_ERROR(expect_word("NOT", "in IF NOT EXISTS"));
      LOCH_RETURN_IF_ERROR(expect_word("EXISTS", "in IF NOT EXISTS"));
      create.if_not_exists = true;
    }
    auto target = this->target();
    if (!target) return none();
    create.target = std::move(*target);
    if (peek() && peek()->is_symbol("(")) {
      LOCH_ASSIGN_OR_RETURN(size_t close, matching_paren(pos_));
      ++pos_;
      LOCH_ASSIGN_OR_RETURN(create.columns, column_definitions(close));
      pos_ = close + 1;
    }
    const size_t end = statement_end();
    while (pos_ < end) {
      if (word("USING")) {
        LOCH_ASSIGN_OR_RETURN(std::string format, identifier("a table format after USING"));
        if (ascii_lower(format) != "delta") {
          return Status::not_supported("loch creates Delta tables only (USING DELTA), not USING " + format);
        }
      } else if (word("PARTITIONED")) {
        LOCH_RETURN_IF_ERROR(expect_word("BY", "after PARTITIONED"));
        LOCH_ASSIGN_OR_RETURN(create.partition_by, name_list("partition column names"));
      } else if (word("TBLPROPERTIES")) {
        LOCH_ASSIGN_OR_RETURN(create.properties, properties());
      } else if (word("COMMENT")) {
        const SqlToken* comment = peek();
        if (!comment || comment->kind != SqlToken::Kind::kString) return error("COMMENT needs a string");
        create.comment = comment->text;
        ++pos_;
      } else if (word("AS")) {
        create.as_query = text(pos_, end);
        if (create.as_query->empty()) return error("AS needs a query");
        pos_ = end;
      } else {
        return error("unexpected clause in CREATE TABLE");
      }
    }
    if (create.as_query && !create.columns.empty()) {
      return Status::invalid_argument("CREATE TABLE ... AS takes its columns from the query; leave out the column list");
    }
    if (!create.as_query && create.columns.empty()) {
      return Status::invalid_argument("CREATE TABLE " + create.target.display_name + " needs columns or AS query");
    }
    return std::optional<WriteStatement>(std::move(create));
  }

  Result<std::optional<WriteStatement>> parse_insert() {
    InsertStatement insert;
    if (word("WITH")) {
      if (!(word("SCHEMA") && word("EVOLUTION"))) return error("expected WITH SCHEMA EVOLUTION");
      insert.schema_evolution = true;
    }
    if (word("OVERWRITE")) {
      insert.overwrite = true;
    } else if (!word("INTO")) {
      return none();  // INSERT OR REPLACE and other DuckDB forms
    }
    word("TABLE");
    auto target = this->target();
    if (!target) return none();
    insert.target = std::move(*target);
    if (word("PARTITION")) {
      LOCH_RETURN_IF_ERROR(expect_symbol("(", "after PARTITION"));
      do {
        PartitionSpec spec;
        LOCH_ASSIGN_OR_RETURN(spec.column, identifier("a partition column"));
        if (symbol("=")) {
          const size_t start = pos_;
          int depth = 0;
          while (pos_ < tokens_.size()) {
            if (tokens_[pos_].is_symbol("(")) ++depth;
            if (tokens_[pos_].is_symbol(")")) {
              if (depth == 0) break;
              --depth;
            }
            if (depth == 0 && tokens_[pos_].is_symbol(",")) break;
            ++pos_;
          }
          if (pos_ == start) return error("PARTITION (" + spec.column + " = ...) needs a value");
          spec.value = text(start, pos_);
        }
        insert.partition.push_back(std::move(spec));
      } while (symbol(","));
      LOCH_RETURN_IF_ERROR(expect_symbol(")", "after the partition spec"));
    }
    // A column list: '(' followed by names and ')' then VALUES / SELECT / WITH / '('.
    if (peek() && peek()->is_symbol("(") && peek(1) && peek(1)->is_identifier() && !peek_word("SELECT", 1) &&
        !peek_word("WITH", 1) && !peek_word("VALUES", 1) && !peek_word("FROM", 1)) {
      LOCH_ASSIGN_OR_RETURN(insert.columns, name_list("the column list"));
    }
    if (insert.columns.empty() && peek_word("BY") && peek_word("NAME", 1)) {
      pos_ += 2;
      insert.by_name = true;
    }
    const size_t end = statement_end();
    if (pos_ >= end) return error("INSERT needs VALUES or a query");
    insert.query = text(pos_, end);
    return std::optional<WriteStatement>(std::move(insert));
  }

  Result<std::optional<WriteStatement>> parse_alter() {
    if (!word("TABLE")) return none();
    auto target = this->target();
    if (!target) return none();
    AlterTableStatement alter;
    alter.target = std::move(*target);
    const size_t end = statement_end();
    if (word("ADD")) {
      if (word("CONSTRAINT")) {
        alter.kind = AlterTableStatement::Kind::kAddConstraint;
        LOCH_ASSIGN_OR_RETURN(alter.constraint_name, identifier("a constraint name"));
        LOCH_RETURN_IF_ERROR(expect_word("CHECK", "after the constraint name (only CHECK constraints can be added)"));
        if (!peek() || !peek()->is_symbol("(")) return error("CHECK needs a (condition)");
        LOCH_ASSIGN_OR_RETURN(size_t close, matching_paren(pos_));
        alter.check = text(pos_ + 1, close);
        if (alter.check.empty()) return error("CHECK needs a condition");
        pos_ = close + 1;
      } else {
        alter.kind = AlterTableStatement::Kind::kAddColumns;
        if (!word("COLUMNS")) word("COLUMN");
        if (peek() && peek()->is_symbol("(")) {
          LOCH_ASSIGN_OR_RETURN(size_t close, matching_paren(pos_));
          ++pos_;
          LOCH_ASSIGN_OR_RETURN(alter.columns, column_definitions(close));
          pos_ = close + 1;
        } else {
          LOCH_ASSIGN_OR_RETURN(alter.columns, column_definitions(end));
        }
        if (alter.columns.empty()) return error("ADD COLUMNS needs at least one column");
      }
    } else if (word("DROP")) {
      LOCH_RETURN_IF_ERROR(expect_word("CONSTRAINT", "after DROP (ALTER TABLE ... DROP CONSTRAINT name)"));
      alter.kind = AlterTableStatement::Kind::kDropConstraint;
      if (word("IF")) {
        LOCH_RETURN_IF_ERROR(expect_word("EXISTS", "after IF"));
        alter.if_exists = true;
      }
      LOCH_ASSIGN_OR_RETURN(alter.constraint_name, identifier("a constraint name"));
    } else if (word("SET")) {
      LOCH_RETURN_IF_ERROR(expect_word("TBLPROPERTIES", "after SET"));
      alter.kind = AlterTableStatement::Kind::kSetProperties;
      LOCH_ASSIGN_OR_RETURN(alter.properties, properties());
    } else if (word("UNSET")) {
      LOCH_RETURN_IF_ERROR(expect_word("TBLPROPERTIES", "after UNSET"));
      alter.kind = AlterTableStatement::Kind::kUnsetProperties;
      if (word("IF")) {
        LOCH_RETURN_IF_ERROR(expect_word("EXISTS", "after IF"));
        alter.if_exists = true;
      }
      LOCH_RETURN_IF_ERROR(expect_symbol("(", "before the property names"));
      do {
        LOCH_ASSIGN_OR_RETURN(std::string key, property_key());
        alter.property_keys.push_back(std::move(key));
      } while (symbol(","));
      LOCH_RETURN_IF_ERROR(expect_symbol(")", "after the property names"));
    } else {
      return error("ALTER TABLE on a Delta table supports ADD COLUMNS, ADD CONSTRAINT, DROP CONSTRAINT, "
                   "SET TBLPROPERTIES and UNSET TBLPROPERTIES");
    }
    if (pos_ < end) return error("unexpected text after ALTER TABLE");
    return std::optional<WriteStatement>(std::move(alter));
  }

  Result<std::optional<WriteStatement>> parse_drop() {
    if (!word("TABLE")) return none();
    DropTableStatement drop;
    if (word("IF")) {
      LOCH_RETURN_IF_ERROR(expect_word("EXISTS", "after IF"));
      drop.if_exists = true;
    }
    auto target = this->target();
    if (!target) return none();
    drop.target = std::move(*target);
    if (pos_ < statement_end()) return error("unexpected text after DROP TABLE");
    return std::optional<WriteStatement>(std::move(drop));
  }

  Result<std::optional<WriteStatement>> parse_session_option() {
    const bool reset = tokens_[pos_ - 1].is_word("RESET");
    if (!(peek_word("LOCH") && peek(1) && peek(1)->is_symbol(".") && peek_word("DELTA", 2) && peek(3) &&
          peek(3)->is_symbol("."))) {
      return none();
    }
    // Options of the writer; others (e.g. VACUUM's retentionDurationCheck)
    // belong to other handlers of the statement layer.
    const SqlToken* name_token = peek(4);
    if (!name_token || !name_token->is_identifier()) return none();
    const std::string name = ascii_lower(name_token->text);
    SessionOptionStatement option;
    if (name == "mergeschema") {
      option.name = "mergeSchema";
    } else if (name == "partitionoverwritemode") {
      option.name = "partitionOverwriteMode";
    } else {
      return none();
    }
    pos_ += 5;
    if (!reset) {
      if (!symbol("=")) word("TO");
      const SqlToken* value = peek();
      if (!value || value->is_symbol(";")) return error("SET loch.delta." + option.name + " needs a value");
      option.value = ascii_lower(value->text);
      ++pos_;
      if (option.name == "mergeSchema" && *option.value != "true" && *option.value != "false") {
        return Status::invalid_argument("loch.delta.mergeSchema is true or false, not " + value->text);
      }
      if (option.name == "partitionOverwriteMode" && *option.value != "static" && *option.value != "dynamic") {
        return Status::invalid_argument("loch.delta.partitionOverwriteMode is static or dynamic, not " + value->text);
      }
    }
    if (pos_ < statement_end()) return error("unexpected text after the option");
    return std::optional<WriteStatement>(std::move(option));
  }

  const std::string& statement_;
  std::vector<SqlToken> tokens_;
  fs::path lake_dir_;
  size_t pos_ = 0;
};

}  // namespace

Result<std::optional<WriteStatement>> parse_write_statement(const std::string& statement, const fs::path& lake_dir) {
  return Parser(statement, lake_dir).parse();
}

}  // namespace loch::delta
