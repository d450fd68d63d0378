#include "store/delta/statement_layer.h"

#include <set>

#include "common/ascii.h"
#include "store/delta/data_skipping.h"
#include "store/delta/file_paths.h"
#include "store/delta/lake_statements.h"
#include "store/delta/snapshot.h"
#include "store/delta/snapshot_cache.h"
#include "store/delta/sql_lexer.h"
#include "store/delta/table_scan.h"
#include "store/delta/write_statements.h"
#include "store/sql/database.h"

namespace loch::delta {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

bool is_zone(const SqlToken& token) {
  return token.is_identifier() && (token.is_word("BRONZE") || token.is_word("SILVER") || token.is_word("GOLD") ||
                                   (token.kind == SqlToken::Kind::kQuotedIdentifier &&
                                    (token.text == "bronze" || token.text == "silver" || token.text == "gold")));
}

// Words after which a name is not an alias.
bool is_clause_keyword(const SqlToken& token) {
  static const std::set<std::string> keywords = {
      "WHERE", "JOIN",   "LEFT",  "RIGHT",   "INNER",     "OUTER",   "FULL",       "CROSS",    "NATURAL",
      "ON",    "USING",  "GROUP", "ORDER",   "LIMIT",     "OFFSET",  "UNION",      "EXCEPT",   "INTERSECT",
      "HAVING", "WINDOW", "QUALIFY", "SELECT", "FROM",    "RETURNING", "POSITIONAL", "ASOF",   "ANTI",
      "SEMI",  "LATERAL", "SAMPLE", "TABLESAMPLE", "VERSION", "TIMESTAMP", "PIVOT",  "UNPIVOT", "FETCH"};
  if (token.kind != SqlToken::Kind::kWord) return false;
  std::string upper = token.text;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return keywords.contains(upper);
}

struct TableReference {
  fs::path root;
  std::string display_name;  // bronze.events or the path
  SnapshotRequest request;
  size_t last_token = 0;  // index of the reference's last token
};

class Rewriter {
 public:
  Rewriter(const std::string& statement, const fs::path& lake_dir, sql::Connection& connection, SnapshotCache* cache)
      : statement_(statement), tokens_(lex_sql(statement)), lake_dir_(lake_dir), connection_(connection), cache_(cache) {}

  Result<std::string> rewrite() {
    if (tokens_.empty()) return statement_;
    std::string out;
    size_t copied = 0;
    for (size_t i = 0; i < tokens_.size(); ++i) {
      const bool after_dot = i > 0 && tokens_[i - 1].is_symbol(".");
      if (after_dot) continue;
      if (tokens_[i].is_word("DESCRIBE") && i + 2 < tokens_.size() &&
          (tokens_[i + 1].is_word("HISTORY") || tokens_[i + 1].is_word("DETAIL"))) {
        // Also inside a subquery: SELECT version FROM (DESCRIBE HISTORY t).
        LOCH_ASSIGN_OR_RETURN(auto described, parse_reference_at(i + 2));
        if (!described) {
          return Status::invalid_argument("DESCRIBE " + tokens_[i + 1].text +
                                          " needs a Delta table: bronze.t, silver.t, gold.t or 'path'");
        }
        std::string sql;
        if (tokens_[i + 1].is_word("HISTORY")) {
          LOCH_ASSIGN_OR_RETURN(sql, history_sql(*described));
        } else {
          LOCH_ASSIGN_OR_RETURN(sql, detail_sql(*described));
        }
        out += statement_.substr(copied, tokens_[i].begin - copied) + sql;
        copied = tokens_[described->last_token].end;
        i = described->last_token;
        continue;
      }
      std::optional<TableReference> reference;
      bool needs_alias = false;
      if (tokens_[i].is_word("DELTA_SCAN") && i + 1 < tokens_.size() && tokens_[i + 1].is_symbol("(")) {
        LOCH_ASSIGN_OR_RETURN(reference, parse_delta_scan(i));
      } else if (is_zone(tokens_[i]) && !follows_ddl_keyword(i)) {
        LOCH_ASSIGN_OR_RETURN(reference, parse_zone_table(i));
        // COPY t TO, DESCRIBE t and SUMMARIZE t take a bare subquery.
        const bool bare = i > 0 && (tokens_[i - 1].is_word("COPY") || tokens_[i - 1].is_word("DESCRIBE") ||
                                    tokens_[i - 1].is_word("SUMMARIZE"));
        needs_alias = reference.has_value() && !bare;
      }
      if (!reference) continue;
      const size_t next = reference->last_token + 1;
      std::optional<std::string> alias;
      if (next + 1 < tokens_.size() && tokens_[next].is_word("AS") && tokens_[next + 1].is_identifier()) {
        alias = tokens_[next + 1].text;
      } else if (next < tokens_.size() && tokens_[next].is_identifier() && !is_clause_keyword(tokens_[next])) {
        alias = tokens_[next].text;
      }
      const std::string qualifier = alias.value_or(needs_alias ? reference->root.filename().string() : "");
      auto predicates = predicates_for_reference(tokens_, i, reference->last_token, qualifier);
      LOCH_ASSIGN_OR_RETURN(std::string scan, scan_sql(*reference, predicates));
      out += statement_.substr(copied, tokens_[i].begin - copied);
      out += "(" + scan + ")";
      if (needs_alias && !alias) out += " AS " + sql_identifier(reference->root.filename().string());
      copied = tokens_[reference->last_token].end;
      i = reference->last_token;
    }
    if (copied == 0) return statement_;
    out += statement_.substr(copied);
    if (tokens_[0].is_word("EXPLAIN") && !explanations_.empty()) return explain_sql(out);
    return out;
  }

 private:
  bool follows_ddl_keyword(size_t i) const {
    if (i == 0) return false;
    const SqlToken& previous = tokens_[i - 1];
    return previous.is_word("INTO") || previous.is_word("TABLE") || previous.is_word("UPDATE") ||
           previous.is_word("VIEW") || previous.is_word("EXISTS") || previous.is_word("SCHEMA");
  }

  // bronze.events [VERSION AS OF n | TIMESTAMP AS OF '...']
  Result<std::optional<TableReference>> parse_zone_table(size_t i) {
    if (i + 2 >= tokens_.size() || !tokens_[i + 1].is_symbol(".") || !tokens_[i + 2].is_identifier()) {
      return std::optional<TableReference>();
    }
    if (i + 3 < tokens_.size() && (tokens_[i + 3].is_symbol(".") || tokens_[i + 3].is_symbol("("))) {
      return std::optional<TableReference>();
    }
    const std::string zone = ascii_lower(tokens_[i].text);
    const std::string table = tokens_[i + 2].text;
    TableReference reference{lake_dir_ / zone / table, zone + "." + table, {}, i + 2};
    std::error_code ec;
    if (!fs::is_directory(reference.root / "_delta_log", ec)) return std::optional<TableReference>();
    LOCH_RETURN_IF_ERROR(parse_time_travel(reference));
    return std::optional<TableReference>(std::move(reference));
  }

  Status parse_time_travel(TableReference& reference) {
    const size_t j = reference.last_token + 1;
    if (j + 2 >= tokens_.size()) return Status::ok();
    if (!(tokens_[j].is_word("VERSION") || tokens_[j].is_word("TIMESTAMP")) || !tokens_[j + 1].is_word("AS") ||
        !tokens_[j + 2].is_word("OF")) {
      return Status::ok();
    }
    if (j + 3 >= tokens_.size()) return Status::invalid_argument(tokens_[j].text + " AS OF needs a value after it");
    const SqlToken& value = tokens_[j + 3];
    if (tokens_[j].is_word("VERSION")) {
      if (value.kind != SqlToken::Kind::kNumber) return Status::invalid_argument("VERSION AS OF needs a version number");
      reference.request.version = TableVersion(std::stoll(value.text));
    } else if (tokens_[j].is_word("TIMESTAMP")) {
      if (value.kind != SqlToken::Kind::kString) {
        return Status::invalid_argument("TIMESTAMP AS OF needs a timestamp string");
      }
      LOCH_ASSIGN_OR_RETURN(int64_t ms, parse_timestamp_ms(value.text));
      reference.request.timestamp_ms = ms;
    } else {
      return Status::ok();
    }
    reference.last_token = j + 3;
    return Status::ok();
  }

  // delta_scan('path' [, version := N] [, timestamp := '...'])
  Result<std::optional<TableReference>> parse_delta_scan(size_t i) {
    size_t j = i + 2;
    if (j >= tokens_.size() || tokens_[j].kind != SqlToken::Kind::kString) {
      return Status::invalid_argument("delta_scan needs the table's path as a string literal first");
    }
    TableReference reference{fs::path(tokens_[j].text), tokens_[j].text, {}, 0};
    ++j;
    while (j < tokens_.size() && tokens_[j].is_symbol(",")) {
      if (j + 3 >= tokens_.size() || !(tokens_[j + 2].is_symbol(":=") || tokens_[j + 2].is_symbol("=>"))) {
        return Status::invalid_argument("delta_scan options are written name := value");
      }
      const SqlToken& name = tokens_[j + 1];
      const SqlToken& value = tokens_[j + 3];
      if (name.is_word("VERSION") && value.kind == SqlToken::Kind::kNumber) {
        reference.request.version = TableVersion(std::stoll(value.text));
      } else if (name.is_word("TIMESTAMP") && value.kind == SqlToken::Kind::kString) {
        LOCH_ASSIGN_OR_RETURN(int64_t ms, parse_timestamp_ms(value.text));
        reference.request.timestamp_ms = ms;
      } else {
        return Status::invalid_argument("delta_scan: unknown option '" + name.text +
                                        "' (version := N or timestamp := '...')");
      }
      j += 4;
    }
    if (j >= tokens_.size() || !tokens_[j].is_symbol(")")) return Status::invalid_argument("delta_scan: missing )");
    reference.last_token = j;
    return std::optional<TableReference>(std::move(reference));
  }

  // The reference a DESCRIBE statement names: a zone table or a path.
  Result<std::optional<TableReference>> parse_reference_at(size_t i) {
    if (tokens_[i].kind == SqlToken::Kind::kString) {
      return std::optional<TableReference>(TableReference{fs::path(tokens_[i].text), tokens_[i].text, {}, i});
    }
    if (tokens_[i].is_word("DELTA_SCAN")) return parse_delta_scan(i);
    if (is_zone(tokens_[i])) {
      LOCH_ASSIGN_OR_RETURN(auto reference, parse_zone_table(i));
      if (!reference && i + 2 < tokens_.size()) {
        return Status::not_found("no Delta table " + ascii_lower(tokens_[i].text) + "." + tokens_[i + 2].text + " under " +
                                 lake_dir_.string());
      }
      return reference;
    }
    return std::optional<TableReference>();
  }

  Result<std::shared_ptr<const Snapshot>> load(const TableReference& reference) {
    Result<std::shared_ptr<const Snapshot>> snapshot = Status::internal("unset");
    if (cache_) {
      snapshot = cache_->load(reference.root, connection_, reference.request);
    } else {
      auto loaded = Snapshot::load(reference.root, connection_, reference.request);
      if (loaded.is_ok()) {
        snapshot = std::shared_ptr<const Snapshot>(std::make_shared<const Snapshot>(std::move(loaded).value()));
      } else {
        snapshot = loaded.status();
      }
    }
    if (!snapshot.is_ok()) return snapshot.status().with_context("table " + reference.display_name);
    return snapshot;
  }

  Result<std::string> scan_sql(const TableReference& reference, const std::vector<ColumnPredicate>& predicates) {
    LOCH_ASSIGN_OR_RETURN(auto loaded, load(reference));
    const Snapshot& snapshot = *loaded;
    SkippingResult skipping = skip_files(snapshot, predicates);
    Explanation explanation{reference.display_name, snapshot.version().value(), snapshot.files().size(),
                            skipping.files.size(), {}};
    for (const auto& [reason, count] : skipping.skipped_by_reason) {
      explanation.reasons.push_back(std::to_string(count) + " by " + reason);
    }
    explanations_.push_back(std::move(explanation));
    auto sql = build_scan_sql(snapshot, connection_, skipping.files);
    if (!sql.is_ok()) return sql.status().with_context("table " + reference.display_name);
    return sql;
  }

  Result<std::string> history_sql(const TableReference& reference) {
    auto history = load_history(reference.root);
    if (!history.is_ok()) return history.status().with_context("table " + reference.display_name);
    std::string rows;
    for (const auto& commit : *history) {
      const json& info = commit.commit_info;
      auto text = [&](const char* key) {
        return info.is_object() && info.contains(key) && info[key].is_string() ? sql_string_literal(info[key].get<std::string>())
                                                                               : std::string("NULL");
      };
      auto json_text = [&](const char* key) {
        return info.is_object() && info.contains(key) ? "CAST(" + sql_string_literal(info[key].dump()) + " AS JSON)"
                                                      : std::string("CAST(NULL AS JSON)");
      };
      if (!rows.empty()) rows += ", ";
      rows += "(CAST(" + std::to_string(commit.version.value()) + " AS BIGINT), to_timestamp(" + std::to_string(commit.timestamp_ms) +
              " / 1000.0), " + text("operation") + ", " + json_text("operationParameters") + ", " +
              json_text("operationMetrics") + ", " + text("engineInfo") + ", " +
              (info.is_null() ? std::string("CAST(NULL AS JSON)") : "CAST(" + sql_string_literal(info.dump()) + " AS JSON)") +
              ")";
    }
    const std::string columns =
        "(version, timestamp, operation, operation_parameters, operation_metrics, engine_info, commit_info)";
    if (rows.empty()) {
      return "SELECT * FROM (VALUES (0::BIGINT, NULL::TIMESTAMPTZ, NULL::VARCHAR, NULL::JSON, NULL::JSON, "
             "NULL::VARCHAR, NULL::JSON)) AS history" + columns + " LIMIT 0";
    }
    return "SELECT * FROM (VALUES " + rows + ") AS history" + columns + " ORDER BY version DESC";
  }

  Result<std::string> detail_sql(const TableReference& reference) {
    LOCH_ASSIGN_OR_RETURN(auto loaded, load(reference));
    const Snapshot& snapshot = *loaded;
    int64_t bytes = 0;
    for (const auto& file : snapshot.files()) bytes += file.add.size;
    auto string_list = [](const std::vector<std::string>& items) {
      std::string out = "[";
      for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + sql_string_literal(items[i]);
      return out + "]::VARCHAR[]";
    };
    const Metadata& metadata = snapshot.metadata();
    json properties(metadata.configuration);
    auto optional_text = [](const std::optional<std::string>& text) {
      return text ? sql_string_literal(*text) : std::string("NULL::VARCHAR");
    };
    std::string sql = "SELECT 'delta' AS format, " + sql_string_literal(metadata.id) + " AS id, " +
                      optional_text(metadata.name) + " AS name, " + optional_text(metadata.description) +
                      " AS description, " + sql_string_literal(fs::absolute(reference.root).string()) + " AS location, " +
                      (metadata.created_time ? "to_timestamp(" + std::to_string(*metadata.created_time) + " / 1000.0)"
                                             : std::string("NULL::TIMESTAMPTZ")) +
                      " AS created_at, " + std::to_string(snapshot.version().value()) + "::BIGINT AS version, " +
                      string_list(metadata.partition_columns) + " AS partition_columns, " +
                      std::to_string(snapshot.files().size()) + "::BIGINT AS num_files, " + std::to_string(bytes) +
                      "::BIGINT AS size_in_bytes, CAST(" + sql_string_literal(properties.dump()) +
                      " AS JSON) AS properties, " + std::to_string(snapshot.protocol().min_reader_version) +
                      " AS min_reader_version, " + std::to_string(snapshot.protocol().min_writer_version) +
                      " AS min_writer_version, " + string_list(snapshot.protocol().reader_features.value_or(std::vector<std::string>{})) +
                      " AS reader_features, " + string_list(snapshot.protocol().writer_features.value_or(std::vector<std::string>{})) +
                      " AS writer_features, CAST(" + sql_string_literal(metadata.schema_string) + " AS JSON) AS schema";
    return sql;
  }

  struct Explanation {
    std::string table;
    int64_t version;
    size_t files_total;
    size_t files_read;
    std::vector<std::string> reasons;
  };

  // EXPLAIN of a statement over Delta tables: DuckDB's plan of the
  // rewritten statement, preceded by a row per table on file skipping.
  Result<std::string> explain_sql(const std::string& rewritten) {
    std::string rows;
    for (const auto& e : explanations_) {
      std::string reasons;
      for (const auto& reason : e.reasons) reasons += (reasons.empty() ? "" : "; ") + reason;
      std::string line = "delta table " + e.table + " version " + std::to_string(e.version) + ": " +
                         std::to_string(e.files_read) + " of " + std::to_string(e.files_total) + " files read, " +
                         std::to_string(e.files_total - e.files_read) + " skipped" +
                         (reasons.empty() ? std::string("") : " (" + reasons + ")");
      rows += (rows.empty() ? "" : ", ") + std::string("(") + sql_string_literal("delta_scan") + ", " +
              sql_string_literal(line) + ")";
    }
    // DuckDB's own plan of the rewritten statement follows.
    LOCH_ASSIGN_OR_RETURN(auto plan, connection_.query(rewritten));
    while (true) {
      LOCH_ASSIGN_OR_RETURN(auto chunk, plan.next_chunk());
      if (!chunk) break;
      if (chunk->column_count() < 2) continue;
      for (size_t row = 0; row < chunk->size(); ++row) {
        rows += ", (" + sql_string_literal(chunk->column(0).string_at(row)) + ", " +
                sql_string_literal(chunk->column(1).string_at(row)) + ")";
      }
    }
    return "SELECT * FROM (VALUES " + rows + ") AS delta_explain(explain_key, explain_value)";
  }

  const std::string& statement_;
  std::vector<SqlToken> tokens_;
  fs::path lake_dir_;
  sql::Connection& connection_;
  SnapshotCache* cache_;  // may be null
  std::vector<Explanation> explanations_;
};

}  // namespace

Result<std::string> rewrite_delta_statement(const std::string& statement, const fs::path& lake_dir,
                                            sql::Connection& connection, SnapshotCache* cache) {
  // DELETE / UPDATE / MERGE / OPTIMIZE / VACUUM / RESTORE run here (lake_statements.h).
  LOCH_ASSIGN_OR_RETURN(auto changed, run_lake_statement(statement, lake_dir, connection));
  if (changed) return std::move(*changed);
  // CREATE / INSERT / ALTER / DROP of lake tables run here (write_statements.h).
  LOCH_ASSIGN_OR_RETURN(auto written, run_write_statement(statement, WriteContext{lake_dir, connection, cache}));
  if (written) return std::move(*written);
  Rewriter rewriter(statement, lake_dir, connection, cache);
  return rewriter.rewrite();
}

}  // namespace loch::delta
