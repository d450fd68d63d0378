#include "store/delta/data_writer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>

#include <nlohmann/json.hpp>

#include "common/ascii.h"
#include "store/delta/file_paths.h"
#include "store/delta/table_schema.h"
#include "store/delta/transaction.h"
#include "store/sql/database.h"

namespace loch::delta {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Spark's name for the directory of null partition values.
constexpr const char* kNullPartition = kNullPartitionDirectory;

bool is_mapped(const Metadata& metadata) {
  auto mode = metadata.configuration.find("delta.columnMapping.mode");
  return mode != metadata.configuration.end() && mode->second != "none";
}

// Percent-encodes a relative path for add.path (a URI): everything but
// unreserved characters, '/', and the '=' of Hive directories.
std::string uri_path(const std::string& relative) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : relative) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/' || c == '=') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// A MAP(VARCHAR, VARCHAR) cell.
std::map<std::string, std::string> read_string_map(const sql::VectorView& column, size_t row) {
  std::map<std::string, std::string> out;
  if (!column.is_valid(row)) return out;
  const duckdb_list_entry entry = column.list_entry(row);
  sql::VectorView entries = column.list_child();
  sql::VectorView keys = entries.struct_child(0);
  sql::VectorView values = entries.struct_child(1);
  for (uint64_t i = entry.offset; i < entry.offset + entry.length; ++i) {
    if (!keys.is_valid(i)) continue;
    out[std::string(keys.string_at(i))] = values.is_valid(i) ? std::string(values.string_at(i)) : std::string();
  }
  return out;
}

// A MAP(VARCHAR, MAP(VARCHAR, VARCHAR)) cell.
std::map<std::string, std::map<std::string, std::string>> read_nested_map(const sql::VectorView& column, size_t row) {
  std::map<std::string, std::map<std::string, std::string>> out;
  if (!column.is_valid(row)) return out;
  const duckdb_list_entry entry = column.list_entry(row);
  sql::VectorView entries = column.list_child();
  sql::VectorView keys = entries.struct_child(0);
  sql::VectorView values = entries.struct_child(1);
  for (uint64_t i = entry.offset; i < entry.offset + entry.length; ++i) {
    if (!keys.is_valid(i)) continue;
    out[std::string(keys.string_at(i))] = read_string_map(values, i);
  }
  return out;
}

// Timestamps in stats are written to the millisecond (as Delta writers do);
// the lower bound is rounded down and the upper bound up so both still hold.
std::optional<std::string> timestamp_bound(sql::Connection& connection, const std::string& value, bool ntz, bool upper) {
  const std::string cast = "CAST(" + sql_string_literal(value) + " AS " + (ntz ? "TIMESTAMP" : "TIMESTAMPTZ") + ")";
  const std::string utc = ntz ? cast : "timezone('UTC', " + cast + ")";
  const std::string rounded = upper ? "date_trunc('millisecond', " + utc + ") + CASE WHEN date_trunc('millisecond', " +
                                          utc + ") < " + utc + " THEN INTERVAL 1 millisecond ELSE INTERVAL 0 millisecond END"
                                    : "date_trunc('millisecond', " + utc + ")";
  auto result = connection.query("SELECT strftime(" + rounded + ", '" + (ntz ? "%Y-%m-%dT%H:%M:%S.%g" : "%Y-%m-%dT%H:%M:%S.%gZ") + "')");
  if (!result.is_ok()) return std::nullopt;
  auto chunk = result->next_chunk();
  if (!chunk.is_ok() || !*chunk || (*chunk)->size() == 0 || !(*chunk)->column(0).is_valid(0)) return std::nullopt;
  return std::string((*chunk)->column(0).string_at(0));
}

// The JSON value of a min/max statistic DuckDB reports as text, per the
// column's Delta type; nullopt when Delta keeps no bound for the type.
std::optional<json> stat_value(sql::Connection& connection, const DataType& type, const std::string& text, bool upper) {
  if (type.kind != DataType::Kind::kPrimitive) return std::nullopt;
  const std::string& t = type.primitive;
  if (t == "byte" || t == "short" || t == "integer" || t == "long") {
    try {
      return json(std::stoll(text));
    } catch (...) {
      return std::nullopt;
    }
  }
  if (t == "float" || t == "double") {
    try {
      double value = std::stod(text);
      if (std::isnan(value) || std::isinf(value)) return std::nullopt;
      if (t == "float") {
        // DuckDB prints the shortest text of the float; as a double that
        // text may lie on either side of the stored value, so the bound is
        // moved one float step outwards.
        const float as_float = static_cast<float>(value);
        value = std::nextafter(as_float, upper ? std::numeric_limits<float>::infinity()
                                               : -std::numeric_limits<float>::infinity());
      }
      return json(value);
    } catch (...) {
      return std::nullopt;
    }
  }
  if (t.starts_with("decimal")) {
    // A JSON number is read as a double: only decimals a double holds
    // exactly (15 significant digits) keep bounds.
    size_t digits = 0;
    for (char c : text) digits += std::isdigit(static_cast<unsigned char>(c)) ? 1 : 0;
    if (digits > 15) return std::nullopt;
    try {
      return json(std::stod(text));
    } catch (...) {
      return std::nullopt;
    }
  }
  if (t == "string") {
    // Long strings are cut to a prefix (a valid lower bound); an upper bound
    // cut short would be wrong, so none is kept for it.
    constexpr size_t kPrefix = 32;
    if (text.size() <= kPrefix) return json(text);
    if (upper) return std::nullopt;
    size_t cut = kPrefix;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // whole UTF-8 characters
    return json(text.substr(0, cut));
  }
  if (t == "date") return json(text.substr(0, 10));
  if (t == "timestamp" || t == "timestamp_ntz") {
    auto bound = timestamp_bound(connection, text, t == "timestamp_ntz", upper);
    if (!bound) return std::nullopt;
    return json(*bound);
  }
  return std::nullopt;  // boolean, binary: Delta writers keep no bounds
}

// A partition value that names its directory without escaping (else DuckDB's
// partitioned write names the directories).
bool is_plain_directory_value(const std::string& value) {
  if (value == kNullPartition) return false;
  return std::all_of(value.begin(), value.end(), [](unsigned char ch) {
    return std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.';
  });
}

// The one partition every row of `query` is in, as physical name ->
// serialized value; empty when the rows span several partitions, or when a
// value would need escaping as a directory name (then DuckDB's partitioned
// write names the directories).
Result<std::map<std::string, std::string>> probe_single_partition(sql::Connection& connection, const std::string& query,
                                                                  const std::string& values_select,
                                                                  const std::vector<std::string>& physical) {
  std::map<std::string, std::string> partition;
  LOCH_ASSIGN_OR_RETURN(auto result, connection.query("SELECT DISTINCT " + values_select + " FROM (" + query +
                                                      ") AS loch_rows LIMIT 2"));
  size_t rows = 0;
  std::vector<std::string> values;
  while (true) {
    LOCH_ASSIGN_OR_RETURN(auto chunk, result.next_chunk());
    if (!chunk) break;
    rows += chunk->size();
    if (rows > 1) return std::map<std::string, std::string>{};
    for (size_t c = 0; c < physical.size(); ++c) values.emplace_back(chunk->column(c).string_at(0));
  }
  if (rows != 1) return partition;
  for (size_t c = 0; c < physical.size(); ++c) {
    const std::string& value = values[c];
    if (!is_plain_directory_value(value)) return std::map<std::string, std::string>{};
    partition[physical[c]] = value;
  }
  return partition;
}

// DataWriteOptions::partition_values as physical name -> value; empty unless
// it gives every partition column a value usable as a directory name as it is.
std::map<std::string, std::string> known_single_partition(const TableSchema& schema, const Metadata& metadata,
                                                          bool mapped, const std::map<std::string, std::string>& values) {
  std::map<std::string, std::string> partition;
  for (const std::string& column : metadata.partition_columns) {
    auto value = std::find_if(values.begin(), values.end(),
                              [&](const auto& entry) { return ascii_lower(entry.first) == ascii_lower(column); });
    auto field = std::find_if(schema.fields.begin(), schema.fields.end(),
                              [&](const StructField& f) { return ascii_lower(f.name) == ascii_lower(column); });
    if (value == values.end() || field == schema.fields.end() || !is_plain_directory_value(value->second)) return {};
    partition[field->physical_name(mapped)] = value->second;
  }
  return partition;
}

}  // namespace

Result<std::string> serialized_partition_sql(const std::string& expr, const DataType& type) {
  if (type.kind != DataType::Kind::kPrimitive) {
    return Status::not_supported("a partition column must have a primitive type, not " + delta_type_name(type));
  }
  const std::string& t = type.primitive;
  std::string text;
  if (t == "timestamp") {
    // An instant, adjusted to UTC in ISO 8601 with its Z, as the spec
    // recommends: a zoneless value would be read in each reader's zone.
    text = "strftime(timezone('UTC', " + expr + "), '%Y-%m-%dT%H:%M:%S.%fZ')";
  } else if (t == "timestamp_ntz") {
    text = "strftime(" + expr + ", '%Y-%m-%d %H:%M:%S.%f')";
  } else if (t == "date") {
    text = "strftime(" + expr + ", '%Y-%m-%d')";
  } else if (t == "binary") {
    return Status::not_supported("binary partition columns are not supported");
  } else if (t == "boolean") {
    text = "CASE WHEN " + expr + " THEN 'true' ELSE 'false' END";
  } else {
    text = "CAST(" + expr + " AS VARCHAR)";
  }
  // An empty string serializes null (PROTOCOL.md): it is written as null too.
  return "CASE WHEN " + expr + " IS NULL OR " + text + " = '' THEN '" + kNullPartition + "' ELSE " + text + " END";
}

Result<int64_t> target_file_size(const Metadata& metadata) {
  constexpr int64_t kDefault = 128LL * 1024 * 1024;
  auto it = metadata.configuration.find("delta.targetFileSize");
  if (it == metadata.configuration.end()) return kDefault;
  const std::string text = ascii_lower(it->second);
  size_t used = 0;
  int64_t number = 0;
  try {
    number = std::stoll(text, &used);
  } catch (...) {
    return Status::invalid_argument("delta.targetFileSize '" + it->second + "' is not a size in bytes");
  }
  std::string unit = text.substr(used);
  while (!unit.empty() && unit.front() == ' ') unit.erase(0, 1);
  int64_t scale = 1;
  if (unit == "" || unit == "b") scale = 1;
  else if (unit == "k" || unit == "kb") scale = 1024;
  else if (unit == "m" || unit == "mb") scale = 1024 * 1024;
  else if (unit == "g" || unit == "gb") scale = 1024LL * 1024 * 1024;
  else return Status::invalid_argument("delta.targetFileSize '" + it->second + "' has an unknown unit");
  if (number <= 0) return Status::invalid_argument("delta.targetFileSize must be positive");
  return number * scale;
}

Result<std::vector<std::string>> query_column_names(sql::Connection& connection, const std::string& query) {
  LOCH_ASSIGN_OR_RETURN(auto result, connection.query("SELECT * FROM (" + query + ") AS loch_columns LIMIT 0"));
  std::vector<std::string> names;
  for (size_t i = 0; i < result.column_count(); ++i) names.push_back(result.column_name(i));
  return names;
}

Result<std::vector<FileAction>> write_data_files(sql::Connection& connection, const fs::path& table_root,
                                                 const Metadata& metadata, const std::string& query,
                                                 const DataWriteOptions& options) {
  LOCH_ASSIGN_OR_RETURN(TableSchema schema, parse_schema(metadata.schema_string));
  const bool mapped = is_mapped(metadata);
  int64_t file_size = 0;
  if (options.target_file_size) {
    file_size = *options.target_file_size;
  } else {
    LOCH_ASSIGN_OR_RETURN(file_size, target_file_size(metadata));
  }

  // Match the query's columns to the table's by name.
  LOCH_ASSIGN_OR_RETURN(auto names, query_column_names(connection, query));
  std::map<std::string, std::string> query_columns;  // lower -> as written
  for (const auto& name : names) {
    if (!query_columns.emplace(ascii_lower(name), name).second) {
      return Status::invalid_argument("the rows to write have two columns named " + name);
    }
    if (!schema.find(name)) {
      bool found = false;
      for (const auto& field : schema.fields) found = found || ascii_lower(field.name) == ascii_lower(name);
      if (!found) {
        return Status::invalid_argument("column " + name + " is not in the table's schema (add it with ALTER TABLE ADD "
                                        "COLUMNS or write with mergeSchema)");
      }
    }
  }
  auto is_partition = [&](const StructField& field) {
    return std::any_of(metadata.partition_columns.begin(), metadata.partition_columns.end(),
                       [&](const std::string& p) { return ascii_lower(p) == ascii_lower(field.name); });
  };

  std::string select;
  std::string partition_by;
  std::string partition_values_select;  // the serialized partition values, for the probe
  std::vector<std::string> partition_physical;
  json field_ids = json::object();
  std::map<std::string, const StructField*> by_physical;
  for (const auto& field : schema.fields) {
    const std::string physical = field.physical_name(mapped);
    if (mapped && field.type.kind != DataType::Kind::kPrimitive && has_renamed_fields(field.type)) {
      return Status::not_supported("writing nested column " + field.name + " with column mapping is not supported");
    }
    auto source = query_columns.find(ascii_lower(field.name));
    LOCH_ASSIGN_OR_RETURN(std::string type, duckdb_type(field.type));
    const std::string value = source == query_columns.end()
                                  ? "CAST(NULL AS " + type + ")"
                                  : "CAST(loch_rows." + sql_identifier(source->second) + " AS " + type + ")";
    std::string expr = value;
    if (is_partition(field)) {
      LOCH_ASSIGN_OR_RETURN(expr, serialized_partition_sql(value, field.type));
      partition_by += (partition_by.empty() ? "" : ", ") + sql_identifier(physical);
      partition_values_select += (partition_values_select.empty() ? "" : ", ") + expr;
      partition_physical.push_back(physical);
    } else if (mapped && field.metadata.contains("delta.columnMapping.id")) {
      field_ids[physical] = field.metadata["delta.columnMapping.id"];
    }
    select += (select.empty() ? "" : ", ") + expr + " AS " + sql_identifier(physical);
    by_physical[physical] = &field;
  }
  if (select.empty()) return Status::invalid_argument("the table has no columns to write");

  // Unpartitioned files go to the table root, as Delta writers put them.
  // An absolute root, so that DuckDB reports absolute file names.
  std::error_code absolute_error;
  const fs::path root = fs::absolute(table_root, absolute_error).lexically_normal();
  // One partition only: its directory is the target, the partition columns
  // left out of the files as PARTITION_BY would.
  fs::path target = root;
  std::map<std::string, std::string> single_partition;
  if (!partition_by.empty() && !options.partition_values.empty()) {
    single_partition = known_single_partition(schema, metadata, mapped, options.partition_values);
  } else if (!partition_by.empty() && options.probe_single_partition) {
    LOCH_ASSIGN_OR_RETURN(single_partition, probe_single_partition(connection, query, partition_values_select,
                                                                   partition_physical));
  }
  if (!partition_by.empty()) {
    if (!single_partition.empty()) {
      select.clear();
      for (const auto& field : schema.fields) {
        if (is_partition(field)) continue;
        const std::string physical = field.physical_name(mapped);
        auto source = query_columns.find(ascii_lower(field.name));
        LOCH_ASSIGN_OR_RETURN(std::string type, duckdb_type(field.type));
        select += (select.empty() ? "" : ", ") +
                  (source == query_columns.end() ? "CAST(NULL AS " + type + ")"
                                                 : "CAST(loch_rows." + sql_identifier(source->second) + " AS " + type + ")") +
                  " AS " + sql_identifier(physical);
      }
      for (const std::string& physical : partition_physical) target /= physical + "=" + single_partition.at(physical);
      partition_by.clear();
    }
  }
  std::string copy = "COPY (SELECT " + select + " FROM (" + query + ") AS loch_rows) TO " +
                     sql_string_literal(target.string()) +
                     " (FORMAT parquet, COMPRESSION snappy, RETURN_STATS true, FILENAME_PATTERN 'part-{uuid}', APPEND true";
  // DuckDB cannot rotate files of a partitioned write: there each write
  // makes one file per partition (and thread), which OPTIMIZE bin-packs.
  // DuckDB cuts a file only between row groups (about 122,880 rows); for
  // small targets the row groups are sized in bytes too, which DuckDB
  // allows only without insertion order (rows of a Delta table have none).
  constexpr int64_t kSmallTarget = 32LL * 1024 * 1024;
  std::optional<std::string> saved_order;
  if (partition_by.empty()) {
    copy += ", FILE_SIZE_BYTES " + std::to_string(file_size);
    if (file_size < kSmallTarget) {
      LOCH_ASSIGN_OR_RETURN(auto setting, connection.query("SELECT current_setting('preserve_insertion_order')::VARCHAR"));
      LOCH_ASSIGN_OR_RETURN(auto value, setting.next_chunk());
      saved_order = value && value->size() > 0 ? std::string(value->column(0).string_at(0)) : "true";
      LOCH_RETURN_IF_ERROR(connection.execute("SET preserve_insertion_order = false"));
      copy += ", ROW_GROUP_SIZE_BYTES " + std::to_string(std::max<int64_t>(file_size / 4, 64 * 1024));
    }
  } else {
    copy += ", PARTITION_BY (" + partition_by + ")";
  }
  if (options.dictionary_size_limit) copy += ", DICTIONARY_SIZE_LIMIT " + std::to_string(*options.dictionary_size_limit);
  if (mapped && !field_ids.empty()) copy += ", FIELD_IDS " + field_ids.dump();
  copy += ")";
  auto copied = connection.query(copy);
  if (saved_order) {
    Status restored = connection.execute("SET preserve_insertion_order = " + *saved_order);
    if (!restored.is_ok() && copied.is_ok()) return restored;
  }
  LOCH_ASSIGN_OR_RETURN(auto result, std::move(copied));

  const int64_t modification_time = now_ms();
  std::vector<FileAction> adds;
  const std::string root_prefix = root.string() + "/";
  while (true) {
    LOCH_ASSIGN_OR_RETURN(auto chunk, result.next_chunk());
    if (!chunk) break;
    for (size_t row = 0; row < chunk->size(); ++row) {
      std::string file = std::string(chunk->column(0).string_at(row));
      const int64_t count = chunk->column(1).values<int64_t>()[row];
      const int64_t size = chunk->column(2).values<int64_t>()[row];
      auto column_stats = read_nested_map(chunk->column(4), row);
      auto partition_keys = read_string_map(chunk->column(5), row);
      for (const auto& [physical, value] : single_partition) partition_keys[physical] = value;
      if (count == 0) {
        std::error_code ec;
        fs::remove(file, ec);
        continue;
      }
      FileAction add;
      std::string relative = fs::path(file).lexically_normal().string();
      if (!relative.starts_with(root_prefix)) {
        return Status::internal("DuckDB wrote " + file + " outside the table root " + root.string());
      }
      relative = relative.substr(root_prefix.size());
      add.path = uri_path(relative);
      add.size = size;
      add.modification_time = modification_time;
      add.data_change = options.data_change;
      for (const auto& [key, value] : partition_keys) {
        add.partition_values[key] = value == kNullPartition ? std::nullopt : std::optional<std::string>(value);
      }
      json min_values = json::object(), max_values = json::object(), null_count = json::object();
      for (const auto& [physical, field] : by_physical) {
        if (is_partition(*field)) continue;
        // DuckDB names a column by its quoted path ("a", "s"."x").
        auto stats = column_stats.find(sql_identifier(physical));
        if (stats == column_stats.end()) continue;
        const auto& s = stats->second;
        if (auto nulls = s.find("null_count"); nulls != s.end()) {
          try {
            null_count[physical] = std::stoll(nulls->second);
          } catch (...) {
            // No null count for this column: readers then assume nothing.
          }
        }
        // NaN sorts above every number in Parquet but not in Delta's stats.
        if (auto nan = s.find("has_nan"); nan != s.end() && nan->second == "true") continue;
        if (auto min = s.find("min"); min != s.end()) {
          if (auto value = stat_value(connection, field->type, min->second, false)) min_values[physical] = *value;
        }
        if (auto max = s.find("max"); max != s.end()) {
          if (auto value = stat_value(connection, field->type, max->second, true)) max_values[physical] = *value;
        }
      }
      // Keys in the order Delta writers use.
      nlohmann::ordered_json stats;
      stats["numRecords"] = count;
      stats["minValues"] = min_values;
      stats["maxValues"] = max_values;
      stats["nullCount"] = null_count;
      add.stats = stats.dump();
      adds.push_back(std::move(add));
    }
  }
  return adds;
}

}  // namespace loch::delta
