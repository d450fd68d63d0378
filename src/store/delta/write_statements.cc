#include "store/delta/write_statements.h"

#include <random>

#include "common/ascii.h"
#include "store/delta/file_paths.h"
#include "store/delta/schema_writer.h"
#include "store/delta/statement_layer.h"
#include "store/delta/write_statement_steps.h"
#include "store/sql/database.h"

namespace loch::delta {

std::string new_uuid() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  const uint64_t high = (random() & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;
  const uint64_t low = (random() & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;
  char text[37];
  std::snprintf(text, sizeof text, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(high >> 32),
                static_cast<unsigned>((high >> 16) & 0xFFFF), static_cast<unsigned>(high & 0xFFFF),
                static_cast<unsigned>(low >> 48), static_cast<unsigned long long>(low & 0xFFFFFFFFFFFFULL));
  return text;
}

Result<std::string> rewrite_query(const std::string& query, const WriteContext& context) {
  return rewrite_delta_statement(query, context.lake_dir, context.connection, context.cache);
}

Result<std::vector<std::pair<std::string, std::string>>> describe_query(sql::Connection& connection,
                                                                        const std::string& query) {
  LOCH_ASSIGN_OR_RETURN(auto result, connection.query("DESCRIBE SELECT * FROM (" + query + ") AS loch_described"));
  std::vector<std::pair<std::string, std::string>> columns;
  while (true) {
    LOCH_ASSIGN_OR_RETURN(auto chunk, result.next_chunk());
    if (!chunk) break;
    for (size_t row = 0; row < chunk->size(); ++row) {
      columns.emplace_back(std::string(chunk->column(0).string_at(row)), std::string(chunk->column(1).string_at(row)));
    }
  }
  return columns;
}

std::string inserted_rows_sql(int64_t rows) {
  const std::string n = std::to_string(rows);
  return "SELECT " + n + "::BIGINT AS num_affected_rows, " + n + "::BIGINT AS num_inserted_rows";
}

std::string no_rows_sql(const std::string& what) {
  return "SET VARIABLE loch_delta_last_statement = " + sql_string_literal(what);
}

Result<std::optional<std::string>> session_option(sql::Connection& connection, const std::string& name) {
  LOCH_ASSIGN_OR_RETURN(auto result,
                        connection.query("SELECT CAST(getvariable(" + sql_string_literal("loch_delta_" + ascii_lower(name)) +
                                         ") AS VARCHAR)"));
  LOCH_ASSIGN_OR_RETURN(auto chunk, result.next_chunk());
  if (!chunk || chunk->size() == 0 || !chunk->column(0).is_valid(0)) return std::optional<std::string>();
  return std::optional<std::string>(std::string(chunk->column(0).string_at(0)));
}

void assign_column_mapping(std::vector<StructField>& fields, int64_t* max_column_id, bool top_level) {
  for (auto& field : fields) {
    if (!field.metadata.is_object()) field.metadata = nlohmann::json::object();
    if (!field.metadata.contains("delta.columnMapping.id")) {
      field.metadata["delta.columnMapping.id"] = ++*max_column_id;
      field.metadata["delta.columnMapping.physicalName"] = top_level ? "col-" + new_uuid() : field.name;
    }
    if (field.type.kind == DataType::Kind::kStruct) assign_column_mapping(field.type.fields, max_column_id, false);
  }
}

Result<std::vector<StructField>> fields_from_definitions(const std::vector<ColumnDefinition>& columns) {
  std::vector<StructField> fields;
  for (const auto& column : columns) {
    StructField field;
    field.name = column.name;
    auto type = parse_sql_type(column.type);
    if (!type.is_ok()) return type.status().with_context("column " + column.name);
    field.type = std::move(type).value();
    field.nullable = !column.not_null;
    field.metadata = nlohmann::json::object();
    if (column.comment) field.metadata["comment"] = *column.comment;
    for (const auto& other : fields) {
      if (ascii_lower(other.name) == ascii_lower(field.name)) {
        return Status::invalid_argument("column " + field.name + " is defined twice");
      }
    }
    fields.push_back(std::move(field));
  }
  return fields;
}

namespace {

Result<std::string> run_session_option(const SessionOptionStatement& option, const WriteContext& context) {
  if (!option.value) {
    LOCH_RETURN_IF_ERROR(context.connection.execute("RESET VARIABLE loch_delta_" + ascii_lower(option.name)));
    return no_rows_sql("RESET loch.delta." + option.name);
  }
  return "SET VARIABLE loch_delta_" + ascii_lower(option.name) + " = " + sql_string_literal(*option.value);
}

}  // namespace

Result<std::optional<std::string>> run_write_statement(const std::string& statement, const WriteContext& context) {
  LOCH_ASSIGN_OR_RETURN(auto parsed, parse_write_statement(statement, context.lake_dir));
  if (!parsed) return std::optional<std::string>();
  Result<std::string> sql = std::visit(
      [&](const auto& s) -> Result<std::string> {
        using T = std::decay_t<decltype(s)>;
        if constexpr (std::is_same_v<T, CreateTableStatement>) return run_create_table(s, context);
        if constexpr (std::is_same_v<T, InsertStatement>) return run_insert(s, context);
        if constexpr (std::is_same_v<T, AlterTableStatement>) return run_alter_table(s, context);
        if constexpr (std::is_same_v<T, DropTableStatement>) return run_drop_table(s, context);
        if constexpr (std::is_same_v<T, SessionOptionStatement>) return run_session_option(s, context);
      },
      *parsed);
  if (!sql.is_ok()) return sql.status();
  return std::optional<std::string>(std::move(sql).value());
}

}  // namespace loch::delta
