#include "store/delta/table_scan.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>

#include "common/ascii.h"
#include "store/delta/file_paths.h"
#include "store/delta/file_schemas.h"
#include "store/sql/database.h"

namespace loch::delta {
namespace {

// A nested value rebuilt with logical field names from physical ones
// (column mapping renames struct fields at every depth).
std::string rename_nested(const std::string& expr, const DataType& type, int depth) {
  const std::string var = "loch_x" + std::to_string(depth);
  switch (type.kind) {
    case DataType::Kind::kStruct: {
      std::string out = "CASE WHEN (" + expr + ") IS NULL THEN NULL ELSE struct_pack(";
      for (size_t i = 0; i < type.fields.size(); ++i) {
        const auto& field = type.fields[i];
        if (i > 0) out += ", ";
        out += sql_identifier(field.name) + " := " +
               rename_nested("(" + expr + ")." + sql_identifier(field.physical_name(true)), field.type, depth + 1);
      }
      return out + ") END";
    }
    case DataType::Kind::kArray:
      if (!has_renamed_fields(*type.element)) return expr;
      return "list_transform(" + expr + ", " + var + " -> " + rename_nested(var, *type.element, depth + 1) + ")";
    case DataType::Kind::kMap:
      if (!has_renamed_fields(*type.key) && !has_renamed_fields(*type.value)) return expr;
      return "map_from_entries(list_transform(map_entries(" + expr + "), " + var + " -> struct_pack(key := " +
             rename_nested(var + ".key", *type.key, depth + 1) + ", value := " +
             rename_nested(var + ".value", *type.value, depth + 1) + ")))";
    case DataType::Kind::kPrimitive:
      return expr;
  }
  return expr;
}

// A data column converted from its type in the files to its Delta type.
Result<std::string> convert_column(const std::string& expr, const StructField& field, const std::string& physical_type,
                                   bool column_mapping) {
  if (field.type.kind != DataType::Kind::kPrimitive) {
    return column_mapping ? rename_nested(expr, field.type, 0) : expr;
  }
  LOCH_ASSIGN_OR_RETURN(std::string target, duckdb_type(field.type));
  const bool physical_has_zone = physical_type.find("WITH TIME ZONE") != std::string::npos;
  if (target == "TIMESTAMPTZ" && physical_type.starts_with("TIMESTAMP") && !physical_has_zone) {
    // INT96 and non-adjusted timestamps hold UTC wall-clock values.
    return "timezone('UTC', CAST(" + expr + " AS TIMESTAMP))";
  }
  if (target == "TIMESTAMP" && physical_has_zone) return "timezone('UTC', " + expr + ")";
  if (target == physical_type) return expr;
  return "CAST(" + expr + " AS " + target + ")";
}

Result<std::string> build_scan_sql_impl(const Snapshot& snapshot, sql::Connection& connection,
                                        const std::vector<const LiveFile*>& files, bool with_row_location);

// The text `[v1, NULL, ...]` DuckDB casts to a list of `type`, when every
// value is an integer or a date written plainly (other types, whose text
// could need quoting, keep a list of typed literals).
std::optional<std::string> partition_list_text(
    size_t count, const std::function<const std::optional<std::string>&(size_t)>& value_at, const DataType& type) {
  const std::string& p = type.primitive;
  const bool integer = p == "byte" || p == "short" || p == "integer" || p == "long";
  if (type.kind != DataType::Kind::kPrimitive || (!integer && p != "date")) return std::nullopt;
  auto plain = [&](const std::string& v) {
    if (integer) {
      const size_t digits = v[0] == '-' ? 1 : 0;
      return v.size() > digits && v.size() <= 20 &&
             std::all_of(v.begin() + static_cast<std::ptrdiff_t>(digits), v.end(),
                         [](char c) { return c >= '0' && c <= '9'; });
    }
    return v.size() == 10 && v[4] == '-' && v[7] == '-' &&
           std::all_of(v.begin(), v.end(), [](char c) { return c == '-' || (c >= '0' && c <= '9'); });
  };
  std::string text = "[";
  for (size_t i = 0; i < count; ++i) {
    const std::optional<std::string>& value = value_at(i);
    if (i > 0) text += ", ";
    if (!value || value->empty()) {
      text += "NULL";  // the serialization of null
    } else if (plain(*value)) {
      text += *value;
    } else {
      return std::nullopt;
    }
  }
  return text + "]";
}
}  // namespace

std::vector<const LiveFile*> all_files(const Snapshot& snapshot) {
  std::vector<const LiveFile*> files;
  files.reserve(snapshot.files().size());
  for (const auto& file : snapshot.files()) files.push_back(&file);
  return files;
}

Result<std::string> partition_value_sql(const std::optional<std::string>& value, const DataType& type) {
  LOCH_ASSIGN_OR_RETURN(std::string target, duckdb_type(type));
  // An empty string is the serialization of null (PROTOCOL.md "Partition
  // Value Serialization").
  if (!value || value->empty()) return "CAST(NULL AS " + target + ")";
  if (target == "BLOB") return "encode(" + sql_string_literal(*value) + ")";
  // A timestamp with a zone or offset is that instant; one without a zone is
  // read in the session's time zone (DuckDB's TimeZone setting), as Spark
  // reads it in spark.sql.session.timeZone and Delta Kernel in the JVM's
  // zone. The spec means the writer's zone, which no log records; the
  // session's zone is where the user can say which it was.
  return "CAST(" + sql_string_literal(*value) + " AS " + target + ")";
}

Result<std::string> build_scan_sql(const Snapshot& snapshot, sql::Connection& connection,
                                   const std::vector<const LiveFile*>& files) {
  return build_scan_sql_impl(snapshot, connection, files, false);
}

Result<std::string> build_located_scan_sql(const Snapshot& snapshot, sql::Connection& connection,
                                           const std::vector<const LiveFile*>& files) {
  return build_scan_sql_impl(snapshot, connection, files, true);
}

namespace {

Result<std::string> build_scan_sql_impl(const Snapshot& snapshot, sql::Connection& connection,
                                        const std::vector<const LiveFile*>& files, bool with_row_location) {
  const TableSchema& schema = snapshot.schema();
  const bool column_mapping = snapshot.column_mapping() != ColumnMappingMode::kNone;
  const std::string at_version = " (version " + std::to_string(snapshot.version().value()) + ")";
  std::vector<const StructField*> partition_fields;
  for (const auto& name : snapshot.metadata().partition_columns) {
    const StructField* field = schema.find(name);
    if (!field) return Status::corruption("partition column " + name + " is not in the schema" + at_version);
    partition_fields.push_back(field);
  }
  auto is_partition = [&](const StructField& field) {
    return std::find(partition_fields.begin(), partition_fields.end(), &field) != partition_fields.end();
  };

  if (files.empty()) {
    std::string sql = "SELECT ";
    for (size_t i = 0; i < schema.fields.size(); ++i) {
      LOCH_ASSIGN_OR_RETURN(std::string type, duckdb_type(schema.fields[i].type));
      sql += (i > 0 ? ", " : "") + std::string("CAST(NULL AS ") + type + ") AS " + sql_identifier(schema.fields[i].name);
    }
    if (schema.fields.empty()) sql += "NULL AS loch_no_columns";
    if (with_row_location) sql += ", NULL::BIGINT AS loch_file_index, NULL::BIGINT AS loch_row_number";
    return sql + " LIMIT 0";
  }

  // Per file: its typed partition values and the rows its deletion vector removes.
  struct PreparedFile {
    const LiveFile* file;
    std::string path_literal;
    DataFileIdentity identity;
    std::vector<std::string> partition_sql;
    std::vector<std::optional<std::string>> partition_values;  // serialized, as in the log
    std::string deleted_rows;  // "[3,4,7]" or empty
  };
  std::vector<PreparedFile> prepared;
  prepared.reserve(files.size());
  for (const LiveFile* file : files) {
    std::optional<DataFileIdentity> identity = identify_data_file(file->absolute_path.string());
    if (!identity) {
      return Status::not_found("data file " + file->absolute_path.string() + " of the table is missing" + at_version);
    }
    PreparedFile entry{file, sql_string_literal(file->absolute_path.string()), std::move(*identity), {}, {}, ""};
    for (const StructField* field : partition_fields) {
      auto value = file->add.partition_values.find(field->physical_name(column_mapping));
      if (value == file->add.partition_values.end()) value = file->add.partition_values.find(field->name);
      std::optional<std::string> serialized;
      if (value != file->add.partition_values.end()) serialized = value->second;
      entry.partition_values.push_back(serialized);
      auto sql = partition_value_sql(serialized, field->type);
      if (!sql.is_ok()) return sql.status().with_context("partition column " + field->name + at_version);
      entry.partition_sql.push_back(std::move(sql).value());
    }
    if (file->add.deletion_vector) {
      auto rows = load_deletion_vector(*file->add.deletion_vector, snapshot.table_root());
      if (!rows.is_ok()) {
        return rows.status().with_context("deletion vector of " + file->absolute_path.filename().string() + at_version);
      }
      if (!rows->empty()) {
        entry.deleted_rows = "[";
        for (size_t r = 0; r < rows->size(); ++r) entry.deleted_rows += (r > 0 ? "," : "") + std::to_string((*rows)[r]);
        entry.deleted_rows += "]";
      }
    }
    prepared.push_back(std::move(entry));
  }

  // One read_parquet over every file. A partition column is a lookup of
  // the file's value by DuckDB's file_index (the file's position in the
  // list): when a query does not use the column the lookup is dropped, and
  // when it does it costs far less than a join on the file name.
  std::string file_list = "[";
  std::string deleted_rows;
  for (size_t i = 0; i < prepared.size(); ++i) {
    file_list += (i > 0 ? ", " : "") + prepared[i].path_literal;
    if (!prepared[i].deleted_rows.empty()) {
      deleted_rows += (deleted_rows.empty() ? "(" : ", (") + std::to_string(i) + ", " + prepared[i].deleted_rows + ")";
    }
  }
  file_list += "]";

  // The columns the files actually have, with their types: a column added
  // after every file was written reads as NULL. union_by_name (a footer read
  // per file at every bind) only when the files' schemas differ
  // (file_schemas.h).
  const std::string read_options = "hive_partitioning = false, binary_as_string = false";
  std::vector<DataFileIdentity> identities;
  identities.reserve(prepared.size());
  for (const auto& entry : prepared) identities.push_back(entry.identity);
  std::map<std::string, std::pair<std::string, std::string>> physical_columns;  // lower name -> (name, type)
  std::string source;
  if (auto shared = shared_physical_schema(connection, identities, read_options)) {
    source = "read_parquet(" + file_list + ", " + read_options + ")";
    for (const auto& column : *shared) {
      physical_columns.emplace(ascii_lower(column.name), std::make_pair(column.name, column.type));
    }
  } else {
    source = "read_parquet(" + file_list + ", union_by_name = true, " + read_options + ")";
    auto described = connection.query("DESCRIBE SELECT * FROM " + source);
    if (!described.is_ok()) return described.status().with_context("reading data files" + at_version);
    while (true) {
      LOCH_ASSIGN_OR_RETURN(auto chunk, described->next_chunk());
      if (!chunk) break;
      for (size_t row = 0; row < chunk->size(); ++row) {
        std::string name(chunk->column(0).string_at(row));
        std::string type(chunk->column(1).string_at(row));
        physical_columns.emplace(ascii_lower(name), std::make_pair(name, type));
      }
    }
  }

  // file_index and file_row_number are DuckDB virtual columns; a data
  // column of the same name would hide them and silently misplace
  // partition values or deleted rows, so such a table is refused.
  for (const char* virtual_column : {"file_index", "file_row_number"}) {
    if (physical_columns.contains(virtual_column)) {
      return Status::not_supported(std::string("data files have a column named ") + virtual_column +
                                   ", which loch's scan uses internally" + at_version);
    }
  }

  std::string select;
  for (const auto& field : schema.fields) {
    if (!select.empty()) select += ", ";
    if (is_partition(field)) {
      const size_t index = static_cast<size_t>(std::find(partition_fields.begin(), partition_fields.end(), &field) -
                                               partition_fields.begin());
      LOCH_ASSIGN_OR_RETURN(std::string type, duckdb_type(field.type));
      std::string values = "[";
      bool all_same = true;
      for (size_t i = 0; i < prepared.size(); ++i) {
        values += (i > 0 ? ", " : "") + prepared[i].partition_sql[index];
        all_same = all_same && prepared[i].partition_sql[index] == prepared[0].partition_sql[index];
      }
      values += "]";
      if (all_same) {
        select += prepared[0].partition_sql[index] + " AS " + sql_identifier(field.name);
      } else {
        // Integers and dates as one text literal cast to a list: DuckDB binds
        // one constant instead of one per file (0.3 ms for 64 files, paid by
        // every query even when it does not use the column).
        if (auto text_list = partition_list_text(prepared.size(), [&](size_t i) -> const std::optional<std::string>& {
              return prepared[i].partition_values[index];
            }, field.type)) {
          values = sql_string_literal(*text_list);
        }
        select += "CAST(" + values + " AS " + type + "[])[CAST(loch_d.file_index AS BIGINT) + 1] AS " +
                  sql_identifier(field.name);
      }
      continue;
    }
    auto physical = physical_columns.find(ascii_lower(field.physical_name(column_mapping)));
    if (physical == physical_columns.end()) {
      LOCH_ASSIGN_OR_RETURN(std::string type, duckdb_type(field.type));
      select += "CAST(NULL AS " + type + ") AS " + sql_identifier(field.name);
      continue;
    }
    auto converted = convert_column("loch_d." + sql_identifier(physical->second.first), field,
                                    physical->second.second, column_mapping);
    if (!converted.is_ok()) return converted.status().with_context("column " + field.name + at_version);
    select += *converted + " AS " + sql_identifier(field.name);
  }
  if (select.empty()) select = "NULL AS loch_no_columns";
  if (with_row_location) {
    select += ", CAST(loch_d.file_index AS BIGINT) AS loch_file_index, "
              "CAST(loch_d.file_row_number AS BIGINT) AS loch_row_number";
  }

  std::string sql = "SELECT " + select + " FROM " + source + " AS loch_d";
  if (!deleted_rows.empty()) {
    sql += " ANTI JOIN (SELECT loch_file, unnest(loch_rows) AS loch_row FROM (VALUES " + deleted_rows +
           ") AS loch_dv_lists(loch_file, loch_rows)) AS loch_dv ON CAST(loch_d.file_index AS BIGINT) = loch_dv.loch_file "
           "AND loch_d.file_row_number = loch_dv.loch_row";
  }
  return sql;
}

}  // namespace

}  // namespace loch::delta
