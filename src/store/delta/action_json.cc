#include "store/delta/action_json.h"

namespace loch::delta {
namespace {

using nlohmann::json;

json partition_values_json(const std::map<std::string, std::optional<std::string>>& values) {
  json out = json::object();
  for (const auto& [key, value] : values) out[key] = value ? json(*value) : json(nullptr);
  return out;
}

}  // namespace

json protocol_json(const Protocol& protocol) {
  json p = {{"minReaderVersion", protocol.min_reader_version}, {"minWriterVersion", protocol.min_writer_version}};
  if (protocol.reader_features) p["readerFeatures"] = *protocol.reader_features;
  if (protocol.writer_features) p["writerFeatures"] = *protocol.writer_features;
  return {{"protocol", p}};
}

json metadata_json(const Metadata& metadata) {
  json m = {{"id", metadata.id},
            {"format", {{"provider", "parquet"}, {"options", json::object()}}},
            {"schemaString", metadata.schema_string},
            {"partitionColumns", metadata.partition_columns},
            {"configuration", json(metadata.configuration)}};
  if (metadata.name) m["name"] = *metadata.name;
  if (metadata.description) m["description"] = *metadata.description;
  if (metadata.created_time) m["createdTime"] = *metadata.created_time;
  return {{"metaData", m}};
}

json deletion_vector_json(const DeletionVectorDescriptor& dv) {
  json d = {{"storageType", std::string(1, dv.storage_type)},
            {"pathOrInlineDv", dv.path_or_inline_dv},
            {"sizeInBytes", dv.size_in_bytes},
            {"cardinality", dv.cardinality}};
  if (dv.offset) d["offset"] = *dv.offset;
  return d;
}

json add_json(const FileAction& add) {
  json a = {{"path", add.path},
            {"partitionValues", partition_values_json(add.partition_values)},
            {"size", add.size},
            {"modificationTime", add.modification_time},
            {"dataChange", add.data_change}};
  if (add.stats) a["stats"] = *add.stats;
  if (add.deletion_vector) a["deletionVector"] = deletion_vector_json(*add.deletion_vector);
  if (add.base_row_id) a["baseRowId"] = *add.base_row_id;
  return {{"add", a}};
}

json remove_json(const FileAction& remove) {
  json r = {{"path", remove.path},
            {"deletionTimestamp", remove.deletion_timestamp.value_or(0)},
            {"dataChange", remove.data_change},
            {"extendedFileMetadata", true},
            {"partitionValues", partition_values_json(remove.partition_values)},
            {"size", remove.size}};
  if (remove.stats) r["stats"] = *remove.stats;
  if (remove.deletion_vector) r["deletionVector"] = deletion_vector_json(*remove.deletion_vector);
  if (remove.base_row_id) r["baseRowId"] = *remove.base_row_id;
  return {{"remove", r}};
}

json txn_json(const Txn& txn) {
  json t = {{"appId", txn.app_id}, {"version", txn.version}};
  if (txn.last_updated) t["lastUpdated"] = *txn.last_updated;
  return {{"txn", t}};
}

json domain_metadata_json(const DomainMetadata& domain) {
  return {{"domainMetadata",
           {{"domain", domain.domain}, {"configuration", domain.configuration}, {"removed", domain.removed}}}};
}

}  // namespace loch::delta
