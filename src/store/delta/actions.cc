#include "store/delta/actions.h"

namespace loch::delta {
namespace {

using nlohmann::json;

bool present(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && !it->is_null();
}

Status type_error(const char* action, const char* field, const char* expected) {
  return Status::corruption(std::string(action) + "." + field + " is not " + expected);
}

Result<std::string> get_string(const json& object, const char* action, const char* field) {
  auto it = object.find(field);
  if (it == object.end() || !it->is_string()) return type_error(action, field, "a string");
  return it->get<std::string>();
}

std::optional<std::string> optional_string(const json& object, const char* field) {
  auto it = object.find(field);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

Result<int64_t> get_int(const json& object, const char* action, const char* field) {
  auto it = object.find(field);
  if (it == object.end() || !it->is_number_integer()) return type_error(action, field, "an integer");
  return it->get<int64_t>();
}

std::optional<int64_t> optional_int(const json& object, const char* field) {
  auto it = object.find(field);
  if (it == object.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}

std::optional<std::vector<std::string>> optional_string_list(const json& object, const char* field) {
  auto it = object.find(field);
  if (it == object.end() || !it->is_array()) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& item : *it) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

// A string map as JSON writes it ({"k": "v"}); checkpoints read through
// DuckDB render MAP columns the same way.
std::map<std::string, std::optional<std::string>> string_map(const json& object, const char* field) {
  std::map<std::string, std::optional<std::string>> out;
  auto it = object.find(field);
  if (it == object.end() || !it->is_object()) return out;
  for (const auto& [key, value] : it->items()) {
    if (value.is_string()) {
      out[key] = value.get<std::string>();
    } else if (value.is_null()) {
      out[key] = std::nullopt;
    } else {
      out[key] = value.dump();
    }
  }
  return out;
}

Result<Protocol> parse_protocol(const json& p) {
  Protocol protocol;
  LOCH_ASSIGN_OR_RETURN(int64_t reader, get_int(p, "protocol", "minReaderVersion"));
  LOCH_ASSIGN_OR_RETURN(int64_t writer, get_int(p, "protocol", "minWriterVersion"));
  protocol.min_reader_version = static_cast<int32_t>(reader);
  protocol.min_writer_version = static_cast<int32_t>(writer);
  protocol.reader_features = optional_string_list(p, "readerFeatures");
  protocol.writer_features = optional_string_list(p, "writerFeatures");
  return protocol;
}

Result<Metadata> parse_metadata(const json& m) {
  Metadata metadata;
  LOCH_ASSIGN_OR_RETURN(metadata.id, get_string(m, "metaData", "id"));
  metadata.name = optional_string(m, "name");
  metadata.description = optional_string(m, "description");
  // Some early writers left schemaString out of metadata-only commits; an
  // absent schema reads as a table without columns.
  metadata.schema_string = optional_string(m, "schemaString").value_or(R"({"type":"struct","fields":[]})");
  auto columns = optional_string_list(m, "partitionColumns");
  if (columns) metadata.partition_columns = *columns;
  for (const auto& [key, value] : string_map(m, "configuration")) {
    if (value) metadata.configuration[key] = *value;
  }
  metadata.created_time = optional_int(m, "createdTime");
  return metadata;
}

}  // namespace

Result<DeletionVectorDescriptor> parse_deletion_vector(const json& d) {
  DeletionVectorDescriptor dv;
  LOCH_ASSIGN_OR_RETURN(std::string storage_type, get_string(d, "deletionVector", "storageType"));
  if (storage_type.size() != 1 || (storage_type[0] != 'u' && storage_type[0] != 'i' && storage_type[0] != 'p')) {
    return Status::corruption("deletionVector.storageType '" + storage_type + "' is not u, i or p");
  }
  dv.storage_type = storage_type[0];
  LOCH_ASSIGN_OR_RETURN(dv.path_or_inline_dv, get_string(d, "deletionVector", "pathOrInlineDv"));
  if (auto offset = optional_int(d, "offset")) dv.offset = static_cast<int32_t>(*offset);
  LOCH_ASSIGN_OR_RETURN(int64_t size, get_int(d, "deletionVector", "sizeInBytes"));
  dv.size_in_bytes = static_cast<int32_t>(size);
  LOCH_ASSIGN_OR_RETURN(dv.cardinality, get_int(d, "deletionVector", "cardinality"));
  return dv;
}

namespace {

Result<FileAction> parse_file_action(const json& f, const char* kind) {
  FileAction file;
  LOCH_ASSIGN_OR_RETURN(file.path, get_string(f, kind, "path"));
  file.partition_values = string_map(f, "partitionValues");
  file.size = optional_int(f, "size").value_or(0);
  file.modification_time = optional_int(f, "modificationTime").value_or(0);
  file.deletion_timestamp = optional_int(f, "deletionTimestamp");
  auto change = f.find("dataChange");
  file.data_change = change != f.end() && change->is_boolean() && change->get<bool>();
  file.stats = optional_string(f, "stats");
  if (present(f, "stats_parsed")) file.stats_parsed = f["stats_parsed"];
  if (present(f, "deletionVector")) {
    auto dv = parse_deletion_vector(f["deletionVector"]);
    if (!dv.is_ok()) return dv.status().with_context(std::string(kind) + " " + file.path);
    file.deletion_vector = std::move(dv).value();
  }
  file.base_row_id = optional_int(f, "baseRowId");
  return file;
}

}  // namespace

Result<Action> parse_action(const json& object) {
  if (!object.is_object()) return Status::corruption("an action is not a JSON object");
  Action action;
  if (present(object, "add")) {
    LOCH_ASSIGN_OR_RETURN(action.add, parse_file_action(object["add"], "add"));
  } else if (present(object, "remove")) {
    LOCH_ASSIGN_OR_RETURN(action.remove, parse_file_action(object["remove"], "remove"));
  } else if (present(object, "metaData")) {
    LOCH_ASSIGN_OR_RETURN(action.metadata, parse_metadata(object["metaData"]));
  } else if (present(object, "protocol")) {
    LOCH_ASSIGN_OR_RETURN(action.protocol, parse_protocol(object["protocol"]));
  } else if (present(object, "txn")) {
    const json& t = object["txn"];
    Txn txn;
    LOCH_ASSIGN_OR_RETURN(txn.app_id, get_string(t, "txn", "appId"));
    LOCH_ASSIGN_OR_RETURN(txn.version, get_int(t, "txn", "version"));
    txn.last_updated = optional_int(t, "lastUpdated");
    action.txn = std::move(txn);
  } else if (present(object, "domainMetadata")) {
    const json& d = object["domainMetadata"];
    DomainMetadata domain;
    LOCH_ASSIGN_OR_RETURN(domain.domain, get_string(d, "domainMetadata", "domain"));
    domain.configuration = optional_string(d, "configuration").value_or("");
    auto removed = d.find("removed");
    domain.removed = removed != d.end() && removed->is_boolean() && removed->get<bool>();
    action.domain_metadata = std::move(domain);
  } else if (present(object, "commitInfo")) {
    action.commit_info = object["commitInfo"];
  } else if (present(object, "sidecar")) {
    const json& s = object["sidecar"];
    Sidecar sidecar;
    LOCH_ASSIGN_OR_RETURN(sidecar.path, get_string(s, "sidecar", "path"));
    sidecar.size_in_bytes = optional_int(s, "sizeInBytes").value_or(0);
    action.sidecar = std::move(sidecar);
  }
  return action;
}

}  // namespace loch::delta
