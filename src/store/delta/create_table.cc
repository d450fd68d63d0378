// CREATE TABLE [AS] and DROP TABLE of Delta tables (write_statement_steps.h).
#include <filesystem>

#include "common/ascii.h"
#include "store/delta/constraints.h"
#include "store/delta/data_writer.h"
#include "store/delta/file_paths.h"
#include "store/delta/schema_writer.h"
#include "store/delta/transaction.h"
#include "store/delta/write_statement_steps.h"
#include "store/delta/writer_protocol.h"

namespace loch::delta {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

bool table_exists(const fs::path& root) {
  std::error_code ec;
  return fs::is_directory(root / "_delta_log", ec) && !fs::is_empty(root / "_delta_log", ec);
}

Result<std::vector<StructField>> fields_of_query(sql::Connection& connection, const std::string& query) {
  LOCH_ASSIGN_OR_RETURN(auto columns, describe_query(connection, query));
  std::vector<ColumnDefinition> definitions;
  for (const auto& [name, type] : columns) {
    // A DuckDB TIMESTAMP has no zone: it is Delta's timestamp_ntz.
    const std::string delta_type = type == "TIMESTAMP" ? "TIMESTAMP WITHOUT TIME ZONE" : type;
    definitions.push_back({name, delta_type, false, std::nullopt});
  }
  return fields_from_definitions(definitions);
}

}  // namespace

Result<std::string> run_create_table(const CreateTableStatement& create, const WriteContext& context) {
  const std::string& name = create.target.display_name;
  if (table_exists(create.target.root) && !create.or_replace) {
    if (create.if_not_exists) return no_rows_sql("CREATE TABLE IF NOT EXISTS " + name);
    return Status::already_exists("table " + name + " already exists");
  }
  std::optional<std::string> query;
  std::vector<StructField> fields;
  if (create.as_query) {
    LOCH_ASSIGN_OR_RETURN(query, rewrite_query(*create.as_query, context));
    LOCH_ASSIGN_OR_RETURN(fields, fields_of_query(context.connection, *query));
  } else {
    LOCH_ASSIGN_OR_RETURN(fields, fields_from_definitions(create.columns));
  }
  std::vector<std::string> partition_columns;
  for (const auto& column : create.partition_by) {
    auto field = std::find_if(fields.begin(), fields.end(),
                              [&](const StructField& f) { return ascii_lower(f.name) == ascii_lower(column); });
    if (field == fields.end()) return Status::invalid_argument("partition column " + column + " is not a column of " + name);
    if (field->type.kind != DataType::Kind::kPrimitive || field->type.primitive == "binary") {
      return Status::invalid_argument("partition column " + column + " must have a primitive, non-binary type");
    }
    partition_columns.push_back(field->name);
  }
  if (!fields.empty() && partition_columns.size() == fields.size()) {
    return Status::invalid_argument("a table cannot be partitioned by all of its columns");
  }

  Metadata metadata;
  metadata.id = new_uuid();
  metadata.description = create.comment;
  metadata.partition_columns = partition_columns;
  metadata.configuration = create.properties;
  metadata.created_time = now_ms();
  auto mode = metadata.configuration.find("delta.columnMapping.mode");
  if (mode != metadata.configuration.end()) {
    const std::string value = ascii_lower(mode->second);
    if (value != "none" && value != "name" && value != "id") {
      return Status::invalid_argument("delta.columnMapping.mode is none, name or id, not " + mode->second);
    }
    if (value != "none") {
      int64_t max_id = 0;
      assign_column_mapping(fields, &max_id, true);
      metadata.configuration["delta.columnMapping.maxColumnId"] = std::to_string(max_id);
    }
  }
  for (const auto& [key, value] : metadata.configuration) {
    if (key.starts_with("delta.constraints.")) {
      return Status::invalid_argument("add CHECK constraints with ALTER TABLE ... ADD CONSTRAINT, not as " + key);
    }
  }
  TableSchema schema{fields};
  metadata.schema_string = schema_string(schema);
  LOCH_ASSIGN_OR_RETURN(Protocol protocol, required_protocol(metadata, std::nullopt));

  // CREATE OR REPLACE of an existing table is a new version of it that
  // removes every file; otherwise the table is created at version 0.
  Transaction txn = Transaction::begin_create(create.target.root, context.connection);
  if (create.or_replace && table_exists(create.target.root)) {
    LOCH_ASSIGN_OR_RETURN(txn, Transaction::begin(create.target.root, context.connection));
    txn.record_read_predicate("true");
    for (const auto& file : txn.read_snapshot()->files()) txn.remove_file(remove_for(file.add));
    LOCH_ASSIGN_OR_RETURN(protocol, required_protocol(metadata, txn.read_snapshot()->protocol()));
    metadata.id = txn.read_snapshot()->metadata().id;
  }
  txn.set_metadata(metadata);
  txn.set_protocol(protocol);

  int64_t rows = 0;
  json metrics = json::object();
  if (query) {
    LOCH_ASSIGN_OR_RETURN(auto adds, write_data_files(context.connection, create.target.root, metadata, *query));
    int64_t bytes = 0;
    for (auto& add : adds) {
      rows += json::parse(*add.stats)["numRecords"].get<int64_t>();
      bytes += add.size;
    }
    metrics = {{"numFiles", std::to_string(adds.size())},
               {"numOutputRows", std::to_string(rows)},
               {"numOutputBytes", std::to_string(bytes)}};
    for (auto& add : adds) txn.add_file(std::move(add));
  }
  json parameters = {{"isManaged", create.target.is_zone_table ? "true" : "false"},
                     {"partitionBy", json(partition_columns).dump()},
                     {"properties", json(metadata.configuration).dump()}};
  if (metadata.description) parameters["description"] = *metadata.description;
  std::string operation = create.or_replace ? "CREATE OR REPLACE TABLE" : "CREATE TABLE";
  if (query) operation += " AS SELECT";
  txn.set_operation({operation, parameters, metrics});
  auto committed = txn.commit();
  if (!committed.is_ok()) {
    if (committed.status().code() == StatusCode::kAlreadyExists && create.if_not_exists) {
      return no_rows_sql("CREATE TABLE IF NOT EXISTS " + name);
    }
    return committed.status().with_context("table " + name);
  }
  if (query) return inserted_rows_sql(rows);
  return no_rows_sql(operation + " " + name);
}

Result<std::string> run_drop_table(const DropTableStatement& drop, const WriteContext&) {
  const std::string& name = drop.target.display_name;
  if (!drop.target.is_zone_table) {
    return Status::not_supported("DROP TABLE removes lake tables (bronze.t, silver.t, gold.t); " + name +
                                 " is a path, which loch does not delete");
  }
  if (!table_exists(drop.target.root)) {
    if (drop.if_exists) return no_rows_sql("DROP TABLE IF EXISTS " + name);
    return Status::not_found("no Delta table " + name);
  }
  // A lake table is managed: dropping it deletes its log and data, log
  // first so that no reader sees a table whose files are going away.
  std::error_code ec;
  fs::remove_all(drop.target.root / "_delta_log", ec);
  if (ec) return Status::io_error("cannot remove " + (drop.target.root / "_delta_log").string() + ": " + ec.message());
  fs::remove_all(drop.target.root, ec);
  if (ec) return Status::io_error("cannot remove " + drop.target.root.string() + ": " + ec.message());
  return no_rows_sql("DROP TABLE " + name);
}

}  // namespace loch::delta
