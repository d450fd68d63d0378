// INSERT INTO / INSERT OVERWRITE of Delta tables (write_statement_steps.h):
// positional column matching as in SQL, static and dynamic partition
// overwrite, schema evolution, and constraint checks before any file is
// committed.
#include <algorithm>
#include <set>

#include "common/ascii.h"
#include "store/delta/constraints.h"
#include "store/delta/data_writer.h"
#include "store/delta/file_paths.h"
#include "store/delta/maintenance.h"
#include "store/delta/schema_writer.h"
#include "store/delta/transaction.h"
#include "store/delta/write_statement_steps.h"
#include "store/delta/writer_protocol.h"
#include "store/sql/database.h"

namespace loch::delta {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const StructField* find_field(const std::vector<StructField>& fields, const std::string& name) {
  for (const auto& field : fields) {
    if (ascii_lower(field.name) == ascii_lower(name)) return &field;
  }
  return nullptr;
}

bool mapped(const Metadata& metadata) {
  auto mode = metadata.configuration.find("delta.columnMapping.mode");
  return mode != metadata.configuration.end() && ascii_lower(mode->second) != "none";
}

// The serialized form of a static partition value, as the log records it.
Result<std::optional<std::string>> serialize_static_value(sql::Connection& connection, const std::string& value_sql,
                                                          const DataType& type) {
  LOCH_ASSIGN_OR_RETURN(std::string duck, duckdb_type(type));
  LOCH_ASSIGN_OR_RETURN(std::string serialized, serialized_partition_sql("CAST((" + value_sql + ") AS " + duck + ")", type));
  LOCH_ASSIGN_OR_RETURN(auto result, connection.query("SELECT " + serialized));
  LOCH_ASSIGN_OR_RETURN(auto chunk, result.next_chunk());
  if (!chunk || chunk->size() == 0) return Status::internal("no value for a partition value");
  std::string text(chunk->column(0).string_at(0));
  if (text == kNullPartitionDirectory) return std::optional<std::string>();
  return std::optional<std::string>(text);
}

// Drops a temporary table when the statement ends, however it ends.
class TemporaryTable {
 public:
  TemporaryTable(sql::Connection& connection, std::string name) : connection_(connection), name_(std::move(name)) {}
  ~TemporaryTable() { (void)connection_.execute("DROP TABLE IF EXISTS " + name_); }
  TemporaryTable(const TemporaryTable&) = delete;
  TemporaryTable& operator=(const TemporaryTable&) = delete;

 private:
  sql::Connection& connection_;
  std::string name_;
};

}  // namespace

Result<std::string> run_insert(const InsertStatement& insert, const WriteContext& context) {
  const std::string& name = insert.target.display_name;
  auto begun = Transaction::begin(insert.target.root, context.connection);
  if (!begun.is_ok()) {
    if (begun.status().code() == StatusCode::kNotFound) {
      return Status::not_found("no Delta table " + name + " (create it with CREATE TABLE " + name + " ...)");
    }
    return begun.status().with_context("table " + name);
  }
  Transaction txn = std::move(begun).value();
  const Snapshot& snapshot = *txn.read_snapshot();
  Metadata metadata = snapshot.metadata();
  std::vector<StructField> fields = snapshot.schema().fields;
  auto is_partition = [&](const std::string& column) {
    return std::any_of(metadata.partition_columns.begin(), metadata.partition_columns.end(),
                       [&](const std::string& p) { return ascii_lower(p) == ascii_lower(column); });
  };

  // PARTITION (p = v, q): static values and dynamic columns.
  std::vector<std::pair<const StructField*, std::string>> static_values;
  bool dynamic_spec = false;
  for (const auto& spec : insert.partition) {
    const StructField* field = find_field(fields, spec.column);
    if (!field || !is_partition(spec.column)) {
      return Status::invalid_argument(spec.column + " is not a partition column of " + name);
    }
    if (spec.value) {
      static_values.emplace_back(field, *spec.value);
    } else {
      dynamic_spec = true;
    }
  }
  auto is_static = [&](const std::string& column) {
    return std::any_of(static_values.begin(), static_values.end(),
                       [&](const auto& v) { return ascii_lower(v.first->name) == ascii_lower(column); });
  };

  LOCH_ASSIGN_OR_RETURN(std::string query, rewrite_query(insert.query, context));
  LOCH_ASSIGN_OR_RETURN(auto query_columns, describe_query(context.connection, query));
  LOCH_ASSIGN_OR_RETURN(auto merge_option, session_option(context.connection, "mergeSchema"));
  const bool merge_schema = insert.schema_evolution || merge_option.value_or("false") == "true";

  // The table columns the query's columns go to, by position.
  std::vector<std::string> targets;
  std::vector<StructField> new_fields;
  std::vector<std::string> named_columns = insert.columns;
  if (insert.by_name) {
    for (const auto& [column, type] : query_columns) named_columns.push_back(column);
  }
  if (!named_columns.empty()) {
    for (size_t i = 0; i < named_columns.size(); ++i) {
      const std::string& column = named_columns[i];
      if (is_static(column)) return Status::invalid_argument(column + " has a static value in PARTITION (...)");
      if (!find_field(fields, column)) {
        if (!merge_schema || i >= query_columns.size()) {
          return Status::invalid_argument("column " + column + " is not in table " + name +
                                          " (add it with ALTER TABLE ADD COLUMNS, or SET loch.delta.mergeSchema = true)");
        }
        LOCH_ASSIGN_OR_RETURN(auto added, fields_from_definitions({{column, query_columns[i].second, false, std::nullopt}}));
        new_fields.push_back(std::move(added[0]));
      }
      targets.push_back(column);
    }
  } else {
    for (const auto& field : fields) {
      if (!is_static(field.name)) targets.push_back(field.name);
    }
    if (merge_schema && query_columns.size() > targets.size()) {
      for (size_t i = targets.size(); i < query_columns.size(); ++i) {
        const std::string& column = query_columns[i].first;
        if (find_field(fields, column) || find_field(new_fields, column)) {
          return Status::invalid_argument("schema evolution: the query's extra column " + column +
                                          " has the name of a column the table has");
        }
        LOCH_ASSIGN_OR_RETURN(auto added, fields_from_definitions({{column, query_columns[i].second, false, std::nullopt}}));
        new_fields.push_back(std::move(added[0]));
        targets.push_back(column);
      }
    }
  }
  if (query_columns.size() != targets.size()) {
    std::string list;
    for (const auto& t : targets) list += (list.empty() ? "" : ", ") + t;
    return Status::invalid_argument("INSERT into " + name + ": the query has " + std::to_string(query_columns.size()) +
                                    " columns but " + std::to_string(targets.size()) + " are expected (" + list + ")");
  }
  if (!new_fields.empty()) {
    int64_t max_id = 0;
    if (mapped(metadata)) {
      auto configured = metadata.configuration.find("delta.columnMapping.maxColumnId");
      if (configured != metadata.configuration.end()) {
        try {
          max_id = std::stoll(configured->second);
        } catch (...) {
          return Status::corruption("delta.columnMapping.maxColumnId '" + configured->second + "' is not a number");
        }
      }
      assign_column_mapping(new_fields, &max_id, true);
      metadata.configuration["delta.columnMapping.maxColumnId"] = std::to_string(max_id);
    }
    for (auto& field : new_fields) fields.push_back(std::move(field));
    metadata.schema_string = schema_string(TableSchema{fields});
    txn.set_metadata(metadata);
    LOCH_ASSIGN_OR_RETURN(Protocol protocol, required_protocol(metadata, snapshot.protocol()));
    txn.set_protocol(protocol);
  }

  std::string aliases;
  for (const auto& target : targets) aliases += (aliases.empty() ? "" : ", ") + sql_identifier(target);
  std::string rows = "SELECT loch_insert.*";
  for (const auto& [field, value] : static_values) rows += ", (" + value + ") AS " + sql_identifier(field->name);
  rows += " FROM (" + query + ") AS loch_insert(" + aliases + ")";

  // Constraints are checked on the rows as they will be written, kept in a
  // temporary table so that the query runs once.
  const TableConstraints constraints = table_constraints(metadata, TableSchema{fields});
  std::optional<TemporaryTable> staged;
  if (!constraints.empty()) {
    const std::string temporary = "loch_insert_rows_" + std::to_string(now_ms());
    LOCH_RETURN_IF_ERROR(context.connection.execute("CREATE TEMP TABLE " + temporary + " AS " + rows));
    staged.emplace(context.connection, temporary);
    auto checked = check_constraints(context.connection, constraints, temporary);
    if (!checked.is_ok()) return checked.with_context("INSERT into " + name);
    rows = "SELECT * FROM " + temporary;
  }

  LOCH_ASSIGN_OR_RETURN(auto adds, write_data_files(context.connection, txn.table_root(), metadata, rows));
  int64_t row_count = 0, bytes = 0;
  for (const auto& add : adds) {
    row_count += json::parse(*add.stats)["numRecords"].get<int64_t>();
    bytes += add.size;
  }
  json parameters = {{"mode", insert.overwrite ? "Overwrite" : "Append"},
                     {"partitionBy", json(metadata.partition_columns).dump()}};
  json metrics = {{"numFiles", std::to_string(adds.size())},
                  {"numOutputRows", std::to_string(row_count)},
                  {"numOutputBytes", std::to_string(bytes)}};

  if (insert.overwrite) {
    const bool mapped_columns = mapped(metadata);
    LOCH_ASSIGN_OR_RETURN(auto overwrite_mode, session_option(context.connection, "partitionOverwriteMode"));
    const bool dynamic = !metadata.partition_columns.empty() &&
                         (dynamic_spec || (overwrite_mode.value_or("static") == "dynamic" && static_values.empty()));
    // Which live files the overwrite replaces.
    std::map<std::string, std::optional<std::string>> static_serialized;  // physical name -> value
    std::string predicate;
    for (const auto& [field, value] : static_values) {
      LOCH_ASSIGN_OR_RETURN(auto serialized, serialize_static_value(context.connection, value, field->type));
      static_serialized[field->physical_name(mapped_columns)] = serialized;
      predicate += (predicate.empty() ? "" : " AND ") + field->name + " = " + value;
    }
    std::set<std::map<std::string, std::optional<std::string>>> written_partitions;
    for (const auto& add : adds) written_partitions.insert(add.partition_values);
    std::vector<const LiveFile*> replaced;
    for (const auto& file : snapshot.files()) {
      bool matches = true;
      for (const auto& [physical, value] : static_serialized) {
        auto it = file.add.partition_values.find(physical);
        std::optional<std::string> own = it == file.add.partition_values.end() ? std::nullopt : it->second;
        if (own && own->empty()) own.reset();
        matches = matches && own == value;
      }
      if (dynamic) matches = matches && written_partitions.contains(file.add.partition_values);
      if (matches) replaced.push_back(&file);
    }
    txn.record_read_predicate(dynamic ? "dynamic partition overwrite" : (predicate.empty() ? "true" : predicate));
    txn.record_read_files(replaced);
    for (const LiveFile* file : replaced) txn.remove_file(remove_for(file->add));
    if (!predicate.empty()) parameters["predicate"] = json::array({predicate}).dump();
    if (dynamic) parameters["dynamicPartitionOverwrite"] = "true";
    metrics["numRemovedFiles"] = std::to_string(replaced.size());
  }
  for (auto& add : adds) txn.add_file(std::move(add));
  txn.set_operation({"WRITE", parameters, metrics});
  auto committed = txn.commit();
  if (!committed.is_ok()) return committed.status().with_context("INSERT into " + name);
  // Appends compact small files only when the table asks for it: by default
  // each INSERT is exactly one version (as in open-source Delta), so
  // concurrent appenders can count on their versions. The INSERT has
  // committed; a failed compaction is left for the next write.
  auto auto_compaction = metadata.configuration.find("delta.autoOptimize.autoCompact");
  if (auto_compaction != metadata.configuration.end() && ascii_lower(auto_compaction->second) == "true") {
    (void)auto_compact(txn.table_root(), context.connection);
  }
  return inserted_rows_sql(row_count);
}

}  // namespace loch::delta
