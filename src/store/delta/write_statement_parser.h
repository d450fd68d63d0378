// Parsing of the statements that create and write Delta tables, in the
// vocabulary Spark/Delta users know (doc/delta-sql.md "Writing tables"):
//
//   CREATE [OR REPLACE] TABLE [IF NOT EXISTS] t [(col type [NOT NULL] [COMMENT 'c'], ...)]
//       [USING DELTA] [PARTITIONED BY (col, ...)] [COMMENT 'c']
//       [TBLPROPERTIES ('key' = 'value', ...)] [AS query]
//   INSERT [WITH SCHEMA EVOLUTION] {INTO | OVERWRITE} [TABLE] t
//       [PARTITION (p = value | p, ...)] [(col, ...) | BY NAME] {VALUES ... | query}
//   ALTER TABLE t ADD COLUMN[S] [(]col type [COMMENT 'c'], ...[)]
//   ALTER TABLE t ADD CONSTRAINT name CHECK (condition)
//   ALTER TABLE t DROP CONSTRAINT [IF EXISTS] name
//   ALTER TABLE t SET TBLPROPERTIES ('key' = 'value', ...)
//   ALTER TABLE t UNSET TBLPROPERTIES [IF EXISTS] ('key', ...)
//   DROP TABLE [IF EXISTS] t
//   SET loch.delta.mergeSchema | partitionOverwriteMode = value, RESET ...
//
// t is a zone table (bronze.t, silver.t, gold.t), a 'path' string or
// delta.`path`. Queries, values and conditions stay SQL text for DuckDB.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/result.h"

namespace loch::delta {

struct WriteTarget {
  std::filesystem::path root;
  std::string display_name;  // bronze.events or the path
  bool is_zone_table = false;
};

struct ColumnDefinition {
  std::string name;
  std::string type;  // SQL text, parsed by parse_sql_type
  bool not_null = false;
  std::optional<std::string> comment;
};

struct CreateTableStatement {
  WriteTarget target;
  bool or_replace = false;
  bool if_not_exists = false;
  std::vector<ColumnDefinition> columns;
  std::vector<std::string> partition_by;
  std::map<std::string, std::string> properties;
  std::optional<std::string> comment;
  std::optional<std::string> as_query;  // CTAS
};

struct PartitionSpec {
  std::string column;
  std::optional<std::string> value;  // SQL text; none for a dynamic partition
};

struct InsertStatement {
  WriteTarget target;
  bool overwrite = false;
  bool schema_evolution = false;
  std::vector<PartitionSpec> partition;
  std::vector<std::string> columns;  // empty: every column, in table order
  bool by_name = false;              // BY NAME: the query's column names say where values go
  std::string query;  // SQL text: VALUES ... or a query
};

struct AlterTableStatement {
  enum class Kind { kAddColumns, kAddConstraint, kDropConstraint, kSetProperties, kUnsetProperties } kind;
  WriteTarget target;
  std::vector<ColumnDefinition> columns;  // kAddColumns
  std::string constraint_name;            // kAddConstraint, kDropConstraint
  std::string check;                      // kAddConstraint: SQL text
  std::map<std::string, std::string> properties;  // kSetProperties
  std::vector<std::string> property_keys;         // kUnsetProperties
  bool if_exists = false;
};

struct DropTableStatement {
  WriteTarget target;
  bool if_exists = false;
};

// SET loch.delta.<name> = value; RESET clears it (value empty).
struct SessionOptionStatement {
  std::string name;  // mergeSchema, partitionOverwriteMode
  std::optional<std::string> value;
};

using WriteStatement = std::variant<CreateTableStatement, InsertStatement, AlterTableStatement, DropTableStatement,
                                    SessionOptionStatement>;

// The write statement `statement` is, or nullopt when it is not one loch
// handles (e.g. CREATE TABLE of a DuckDB table outside the lake zones).
// Fails with a message naming the problem for a malformed write statement.
Result<std::optional<WriteStatement>> parse_write_statement(const std::string& statement,
                                                            const std::filesystem::path& lake_dir);

}  // namespace loch::delta
