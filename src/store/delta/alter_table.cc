// ALTER TABLE on Delta tables (write_statement_steps.h): ADD COLUMNS,
// ADD / DROP CONSTRAINT (CHECK), SET / UNSET TBLPROPERTIES. Each is one
// commit of a new metaData (and protocol when the table needs more).
#include "common/ascii.h"
#include "store/delta/constraints.h"
#include "store/delta/file_paths.h"
#include "store/delta/schema_writer.h"
#include "store/delta/table_scan.h"
#include "store/delta/transaction.h"
#include "store/delta/write_statement_steps.h"
#include "store/delta/writer_protocol.h"

namespace loch::delta {

using nlohmann::json;

namespace {

bool is_mapped(const Metadata& metadata) {
  auto mode = metadata.configuration.find("delta.columnMapping.mode");
  return mode != metadata.configuration.end() && ascii_lower(mode->second) != "none";
}

int64_t max_column_id(const Metadata& metadata) {
  auto it = metadata.configuration.find("delta.columnMapping.maxColumnId");
  if (it == metadata.configuration.end()) return 0;
  try {
    return std::stoll(it->second);
  } catch (...) {
    return 0;
  }
}

// Column mapping turned on for an existing table: the files keep their
// column names, so each physical name is the current name.
void map_existing_columns(std::vector<StructField>& fields, int64_t* max_id) {
  for (auto& field : fields) {
    if (!field.metadata.is_object()) field.metadata = json::object();
    if (!field.metadata.contains("delta.columnMapping.id")) {
      field.metadata["delta.columnMapping.id"] = ++*max_id;
      field.metadata["delta.columnMapping.physicalName"] = field.name;
    }
    if (field.type.kind == DataType::Kind::kStruct) map_existing_columns(field.type.fields, max_id);
  }
}

Status add_columns(const AlterTableStatement& alter, Transaction& txn, Metadata& metadata, json& parameters) {
  std::vector<StructField> fields = txn.read_snapshot()->schema().fields;
  LOCH_ASSIGN_OR_RETURN(auto added, fields_from_definitions(alter.columns));
  json described = json::array();
  for (auto& field : added) {
    for (const auto& existing : fields) {
      if (ascii_lower(existing.name) == ascii_lower(field.name)) {
        return Status::invalid_argument("column " + field.name + " already exists in " + alter.target.display_name);
      }
    }
    if (!field.nullable) {
      return Status::invalid_argument("column " + field.name +
                                      ": columns added to an existing table must be nullable (existing rows have no value)");
    }
    described.push_back({{"column", field_json(field)}});
  }
  if (is_mapped(metadata)) {
    int64_t max_id = max_column_id(metadata);
    assign_column_mapping(added, &max_id, true);
    metadata.configuration["delta.columnMapping.maxColumnId"] = std::to_string(max_id);
  }
  for (auto& field : added) fields.push_back(std::move(field));
  metadata.schema_string = schema_string(TableSchema{fields});
  parameters["columns"] = described.dump();
  return Status::ok();
}

Status add_constraint(const AlterTableStatement& alter, Transaction& txn, Metadata& metadata, json& parameters,
                      const WriteContext& context) {
  const std::string key = "delta.constraints." + ascii_lower(alter.constraint_name);
  if (metadata.configuration.contains(key)) {
    return Status::already_exists("constraint " + alter.constraint_name + " already exists on " +
                                  alter.target.display_name + ": " + metadata.configuration[key]);
  }
  // Every existing row must satisfy the new condition.
  const Snapshot& snapshot = *txn.read_snapshot();
  LOCH_ASSIGN_OR_RETURN(std::string scan, build_scan_sql(snapshot, context.connection, all_files(snapshot)));
  LOCH_RETURN_IF_ERROR(check_condition(context.connection, alter.constraint_name, alter.check, "(" + scan + ")"));
  txn.record_read_predicate("true");
  txn.record_read_files(all_files(snapshot));
  metadata.configuration[key] = alter.check;
  parameters["name"] = alter.constraint_name;
  parameters["expr"] = alter.check;
  return Status::ok();
}

Status set_properties(const AlterTableStatement& alter, Transaction& txn, Metadata& metadata, json& parameters) {
  for (const auto& [key, value] : alter.properties) {
    if (key.starts_with("delta.constraints.")) {
      return Status::invalid_argument("set CHECK constraints with ALTER TABLE ... ADD CONSTRAINT, not as " + key);
    }
    if (key == "delta.columnMapping.mode") {
      const std::string mode = ascii_lower(value);
      if (mode != "none" && mode != "name" && mode != "id") {
        return Status::invalid_argument("delta.columnMapping.mode is none, name or id, not " + value);
      }
      const bool was_mapped = is_mapped(metadata);
      if (was_mapped && mode == "none") return Status::not_supported("column mapping cannot be turned off");
      if (!was_mapped && mode != "none") {
        std::vector<StructField> fields = txn.read_snapshot()->schema().fields;
        int64_t max_id = max_column_id(metadata);
        map_existing_columns(fields, &max_id);
        metadata.configuration["delta.columnMapping.maxColumnId"] = std::to_string(max_id);
        metadata.schema_string = schema_string(TableSchema{fields});
      }
    }
    metadata.configuration[key] = value;
  }
  parameters["properties"] = json(alter.properties).dump();
  return Status::ok();
}

}  // namespace

Result<std::string> run_alter_table(const AlterTableStatement& alter, const WriteContext& context) {
  const std::string& name = alter.target.display_name;
  auto begun = Transaction::begin(alter.target.root, context.connection);
  if (!begun.is_ok()) {
    if (begun.status().code() == StatusCode::kNotFound) return Status::not_found("no Delta table " + name);
    return begun.status().with_context("table " + name);
  }
  Transaction txn = std::move(begun).value();
  Metadata metadata = txn.read_snapshot()->metadata();
  json parameters = json::object();
  std::string operation;
  switch (alter.kind) {
    case AlterTableStatement::Kind::kAddColumns:
      operation = "ADD COLUMNS";
      LOCH_RETURN_IF_ERROR(add_columns(alter, txn, metadata, parameters));
      break;
    case AlterTableStatement::Kind::kAddConstraint:
      operation = "ADD CONSTRAINT";
      LOCH_RETURN_IF_ERROR(add_constraint(alter, txn, metadata, parameters, context));
      break;
    case AlterTableStatement::Kind::kDropConstraint: {
      operation = "DROP CONSTRAINT";
      const std::string key = "delta.constraints." + ascii_lower(alter.constraint_name);
      if (!metadata.configuration.erase(key)) {
        if (alter.if_exists) return no_rows_sql("ALTER TABLE " + name + " DROP CONSTRAINT IF EXISTS");
        return Status::not_found("no constraint " + alter.constraint_name + " on " + name);
      }
      parameters["name"] = alter.constraint_name;
      break;
    }
    case AlterTableStatement::Kind::kSetProperties:
      operation = "SET TBLPROPERTIES";
      LOCH_RETURN_IF_ERROR(set_properties(alter, txn, metadata, parameters));
      break;
    case AlterTableStatement::Kind::kUnsetProperties:
      operation = "UNSET TBLPROPERTIES";
      for (const auto& key : alter.property_keys) {
        if (key.starts_with("delta.constraints.") || key == "delta.columnMapping.mode") {
          return Status::invalid_argument("property " + key + " cannot be unset (use DROP CONSTRAINT for constraints)");
        }
        if (!metadata.configuration.erase(key) && !alter.if_exists) {
          return Status::not_found("table " + name + " has no property " + key);
        }
      }
      parameters["properties"] = json(alter.property_keys).dump();
      break;
  }
  LOCH_ASSIGN_OR_RETURN(Protocol protocol, required_protocol(metadata, txn.read_snapshot()->protocol()));
  const Protocol& current = txn.read_snapshot()->protocol();
  if (protocol.min_reader_version != current.min_reader_version ||
      protocol.min_writer_version != current.min_writer_version || protocol.reader_features != current.reader_features ||
      protocol.writer_features != current.writer_features) {
    txn.set_protocol(protocol);
  }
  txn.set_metadata(metadata);
  txn.set_operation({operation, parameters, json::object()});
  auto committed = txn.commit();
  if (!committed.is_ok()) return committed.status().with_context("ALTER TABLE " + name);
  return no_rows_sql("ALTER TABLE " + name + " " + operation);
}

}  // namespace loch::delta
