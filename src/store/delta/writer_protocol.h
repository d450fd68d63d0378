// The protocol a table loch writes must declare (PROTOCOL.md "Protocol
// Evolution", "Table Features", "Writer Requirements for ..."), and the
// check that loch can write a table at all.
//
// New tables start at the legacy (minReader 1, minWriter 2). A table that
// uses a feature the legacy versions cannot name moves to table features
// (reader 3 / writer 7) listing every feature in use, legacy ones included:
//   CHECK constraints      writer 3, or writer feature checkConstraints
//   column mapping         reader 2 / writer 5, or feature columnMapping
//   deletion vectors       reader+writer feature deletionVectors
//   timestamp_ntz columns  reader+writer feature timestampNtz
// Protocols never go down: the result is at least the current protocol.
#pragma once

#include <optional>

#include "common/result.h"
#include "store/delta/actions.h"

namespace loch::delta {

// The protocol needed to write `metadata` (its schema and configuration),
// at least `current` when given.
Result<Protocol> required_protocol(const Metadata& metadata, const std::optional<Protocol>& current);

// Refuses (NotSupported, naming the feature) a table loch cannot write
// correctly: an unknown writer version, a writer feature loch does not
// implement, or a legacy feature in use that loch does not maintain
// (generated or identity columns, change data feed).
Status check_writer_protocol(const Protocol& protocol, const Metadata& metadata);

// True when the protocol lists `feature` as a writer feature (writer 7).
bool has_writer_feature(const Protocol& protocol, const std::string& feature);

}  // namespace loch::delta
