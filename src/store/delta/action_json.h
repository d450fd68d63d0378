// The JSON form of the actions loch writes (PROTOCOL.md "Actions"): one
// object per line of a commit file, keys spelled as the spec spells them.
// The inverse of parse_action (actions.h) for the fields loch writes.
#pragma once

#include <nlohmann/json.hpp>

#include "store/delta/actions.h"

namespace loch::delta {

nlohmann::json protocol_json(const Protocol& protocol);
nlohmann::json metadata_json(const Metadata& metadata);
// {"add": {...}}: path, partitionValues (null values as JSON null), size,
// modificationTime, dataChange, stats, deletionVector, baseRowId.
nlohmann::json add_json(const FileAction& add);
// {"remove": {...}} with extendedFileMetadata: partitionValues, size and
// stats copied from the add, so readers need not look the add up.
nlohmann::json remove_json(const FileAction& remove);
nlohmann::json txn_json(const Txn& txn);
nlohmann::json domain_metadata_json(const DomainMetadata& domain);
nlohmann::json deletion_vector_json(const DeletionVectorDescriptor& dv);

}  // namespace loch::delta
