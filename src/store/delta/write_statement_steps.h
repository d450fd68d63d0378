// The steps of each write statement (write_statements.h), one file each,
// and what they share. Internal to store/delta.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "store/delta/actions.h"
#include "store/delta/table_schema.h"
#include "store/delta/write_statement_parser.h"
#include "store/delta/write_statements.h"

namespace loch::delta {

Result<std::string> run_create_table(const CreateTableStatement& create, const WriteContext& context);
Result<std::string> run_insert(const InsertStatement& insert, const WriteContext& context);
Result<std::string> run_alter_table(const AlterTableStatement& alter, const WriteContext& context);
Result<std::string> run_drop_table(const DropTableStatement& drop, const WriteContext& context);

// `query` with the lake's syntax (zone tables, delta_scan) rewritten.
Result<std::string> rewrite_query(const std::string& query, const WriteContext& context);

// (name, DuckDB type) of each column `query` produces.
Result<std::vector<std::pair<std::string, std::string>>> describe_query(sql::Connection& connection,
                                                                        const std::string& query);

// SELECT n AS num_affected_rows, n AS num_inserted_rows.
std::string inserted_rows_sql(int64_t rows);
// A statement that returns no rows (for DDL), recording `what` in a
// session variable.
std::string no_rows_sql(const std::string& what);

// A session option set with SET loch.delta.<name> (nullopt when unset).
Result<std::optional<std::string>> session_option(sql::Connection& connection, const std::string& name);

// Gives each field without column mapping metadata an id above
// *max_column_id and a physical name (top-level: "col-<uuid>"; nested fields
// keep their names, which is valid and lets DuckDB write them as they are).
void assign_column_mapping(std::vector<StructField>& fields, int64_t* max_column_id, bool top_level);

// The table's schema with `columns` (definitions) appended; fails naming a
// column that exists already.
Result<std::vector<StructField>> fields_from_definitions(const std::vector<ColumnDefinition>& columns);

std::string new_uuid();

}  // namespace loch::delta
