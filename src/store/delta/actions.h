// The actions of the Delta transaction log (PROTOCOL.md "Actions"), as
// parsed from one JSON line of a commit or one row of a checkpoint.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "store/delta/deletion_vector.h"

namespace loch::delta {

struct Protocol {
  int32_t min_reader_version = 0;
  int32_t min_writer_version = 0;
  std::optional<std::vector<std::string>> reader_features;  // present from reader version 3
  std::optional<std::vector<std::string>> writer_features;  // present from writer version 7
};

struct Metadata {
  std::string id;
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::string schema_string;
  std::vector<std::string> partition_columns;
  std::map<std::string, std::string> configuration;
  std::optional<int64_t> created_time;
};

// add and remove share the fields a reader needs.
struct FileAction {
  std::string path;  // as written in the log: a relative or absolute URI
  std::map<std::string, std::optional<std::string>> partition_values;  // physical name -> serialized value
  int64_t size = 0;
  int64_t modification_time = 0;  // add only
  std::optional<int64_t> deletion_timestamp;  // remove only
  bool data_change = false;
  std::optional<std::string> stats;  // JSON text
  std::optional<nlohmann::json> stats_parsed;  // checkpoints may carry stats as a struct
  std::optional<DeletionVectorDescriptor> deletion_vector;
  std::optional<int64_t> base_row_id;
};

struct Txn {
  std::string app_id;
  int64_t version = 0;
  std::optional<int64_t> last_updated;
};

struct DomainMetadata {
  std::string domain;
  std::string configuration;
  bool removed = false;
};

struct Sidecar {
  std::string path;  // relative to _delta_log/_sidecars
  int64_t size_in_bytes = 0;
};

// One action of any kind; exactly one member is set. Unknown actions
// (cdc, checkpointMetadata, ...) are kept as `other` and ignored by replay.
struct Action {
  std::optional<Protocol> protocol;
  std::optional<Metadata> metadata;
  std::optional<FileAction> add;
  std::optional<FileAction> remove;
  std::optional<Txn> txn;
  std::optional<DomainMetadata> domain_metadata;
  std::optional<nlohmann::json> commit_info;
  std::optional<Sidecar> sidecar;
};

// Parses a deletionVector object (storageType, pathOrInlineDv, offset,
// sizeInBytes, cardinality).
Result<DeletionVectorDescriptor> parse_deletion_vector(const nlohmann::json& object);

// Parses one action object ({"add": {...}} or a checkpoint row whose null
// columns are absent or null). Fails on a field of the wrong type.
Result<Action> parse_action(const nlohmann::json& object);

}  // namespace loch::delta
