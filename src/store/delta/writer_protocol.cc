#include "store/delta/writer_protocol.h"

#include <algorithm>
#include <set>

#include "store/delta/table_schema.h"

namespace loch::delta {
namespace {

bool type_has_primitive(const DataType& type, const std::string& primitive) {
  switch (type.kind) {
    case DataType::Kind::kPrimitive:
      return type.primitive == primitive;
    case DataType::Kind::kStruct:
      return std::any_of(type.fields.begin(), type.fields.end(),
                         [&](const StructField& f) { return type_has_primitive(f.type, primitive); });
    case DataType::Kind::kArray:
      return type.element && type_has_primitive(*type.element, primitive);
    case DataType::Kind::kMap:
      return (type.key && type_has_primitive(*type.key, primitive)) ||
             (type.value && type_has_primitive(*type.value, primitive));
  }
  return false;
}

bool any_field_metadata(const std::vector<StructField>& fields, const char* key) {
  for (const auto& field : fields) {
    if (field.metadata.is_object() && field.metadata.contains(key)) return true;
    if (field.type.kind == DataType::Kind::kStruct && any_field_metadata(field.type.fields, key)) return true;
  }
  return false;
}

bool config_is(const Metadata& metadata, const std::string& key, const std::string& value) {
  auto it = metadata.configuration.find(key);
  if (it == metadata.configuration.end()) return false;
  std::string lowered = it->second;
  for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lowered == value;
}

bool has_constraints(const Metadata& metadata) {
  return std::any_of(metadata.configuration.begin(), metadata.configuration.end(),
                     [](const auto& entry) { return entry.first.starts_with("delta.constraints."); });
}

// The writer features a legacy writer version implies (PROTOCOL.md "Table
// Features": "legacy" features), used when moving a table to version 7.
std::set<std::string> legacy_writer_features(int32_t writer_version) {
  std::set<std::string> features;
  if (writer_version >= 2) features.insert({"appendOnly", "invariants"});
  if (writer_version >= 3) features.insert("checkConstraints");
  if (writer_version >= 4) features.insert({"changeDataFeed", "generatedColumns"});
  if (writer_version >= 5) features.insert("columnMapping");
  if (writer_version >= 6) features.insert("identityColumns");
  return features;
}

// Writer features loch keeps the promises of.
const std::set<std::string>& supported_writer_features() {
  static const std::set<std::string> features = {"appendOnly",     "invariants",    "checkConstraints",
                                                 "columnMapping",  "deletionVectors", "timestampNtz",
                                                 "domainMetadata", "vacuumProtocolCheck", "v2Checkpoint",
                                                 "typeWidening",   "typeWidening-preview",
                                                 "changeDataFeed", "generatedColumns", "identityColumns"};
  return features;
}

}  // namespace

bool has_writer_feature(const Protocol& protocol, const std::string& feature) {
  if (!protocol.writer_features) return false;
  const auto& list = *protocol.writer_features;
  return std::find(list.begin(), list.end(), feature) != list.end();
}

Result<Protocol> required_protocol(const Metadata& metadata, const std::optional<Protocol>& current) {
  LOCH_ASSIGN_OR_RETURN(TableSchema schema, parse_schema(metadata.schema_string));
  bool ntz = false;
  for (const auto& field : schema.fields) ntz = ntz || type_has_primitive(field.type, "timestamp_ntz");
  const bool deletion_vectors = config_is(metadata, "delta.enableDeletionVectors", "true");
  const bool column_mapping = metadata.configuration.contains("delta.columnMapping.mode") &&
                              !config_is(metadata, "delta.columnMapping.mode", "none");
  const bool constraints = has_constraints(metadata);
  const bool needs_features = deletion_vectors || ntz || (current && current->min_writer_version >= 7);

  if (!needs_features) {
    Protocol legacy{1, 2, std::nullopt, std::nullopt};
    if (constraints) legacy.min_writer_version = 3;
    if (column_mapping) legacy = {std::max(legacy.min_reader_version, 2), 5, std::nullopt, std::nullopt};
    if (current) {
      legacy.min_reader_version = std::max(legacy.min_reader_version, current->min_reader_version);
      legacy.min_writer_version = std::max(legacy.min_writer_version, current->min_writer_version);
    }
    return legacy;
  }
  std::set<std::string> reader;
  std::set<std::string> writer = legacy_writer_features(2);
  if (current) {
    if (current->reader_features) reader.insert(current->reader_features->begin(), current->reader_features->end());
    if (current->writer_features) {
      writer.insert(current->writer_features->begin(), current->writer_features->end());
    } else {
      auto implied = legacy_writer_features(current->min_writer_version);
      writer.insert(implied.begin(), implied.end());
    }
    if (current->min_reader_version == 2) reader.insert("columnMapping");
  }
  if (constraints) writer.insert("checkConstraints");
  if (column_mapping) {
    reader.insert("columnMapping");
    writer.insert("columnMapping");
  }
  if (deletion_vectors) {
    reader.insert("deletionVectors");
    writer.insert("deletionVectors");
  }
  if (ntz) {
    reader.insert("timestampNtz");
    writer.insert("timestampNtz");
  }
  // Every reader feature is also a writer feature (PROTOCOL.md "Table Features").
  for (const auto& feature : reader) writer.insert(feature);
  return Protocol{3, 7, std::vector<std::string>(reader.begin(), reader.end()),
                  std::vector<std::string>(writer.begin(), writer.end())};
}

Status check_writer_protocol(const Protocol& protocol, const Metadata& metadata) {
  if (protocol.min_writer_version < 1 || protocol.min_writer_version > 7) {
    return Status::not_supported("table requires Delta writer version " + std::to_string(protocol.min_writer_version) +
                                 "; loch writes versions 1 to 7");
  }
  std::set<std::string> in_use;
  if (protocol.min_writer_version == 7) {
    if (!protocol.writer_features) return Status::corruption("protocol: writer version 7 without writerFeatures");
    for (const auto& feature : *protocol.writer_features) {
      if (!supported_writer_features().contains(feature)) {
        return Status::not_supported("table requires writer feature " + feature + " that loch does not support");
      }
      in_use.insert(feature);
    }
  } else {
    in_use = legacy_writer_features(protocol.min_writer_version);
  }
  // Features loch can carry only while they are not actually used.
  auto schema = parse_schema(metadata.schema_string);
  if (in_use.contains("generatedColumns") && schema.is_ok() &&
      any_field_metadata(schema->fields, "delta.generationExpression")) {
    return Status::not_supported("table has generated columns, which loch does not write");
  }
  if (in_use.contains("identityColumns") && schema.is_ok() && any_field_metadata(schema->fields, "delta.identity.start")) {
    return Status::not_supported("table has identity columns, which loch does not write");
  }
  if (in_use.contains("changeDataFeed") && config_is(metadata, "delta.enableChangeDataFeed", "true")) {
    return Status::not_supported("table has the change data feed enabled, which loch does not write");
  }
  if (in_use.contains("invariants") && schema.is_ok() && any_field_metadata(schema->fields, "delta.invariants")) {
    return Status::not_supported("table has column invariants (delta.invariants), which loch does not enforce");
  }
  return Status::ok();
}

}  // namespace loch::delta
