// The source offsets a pipeline keeps in its sink table (doc/pipelines.md,
// "Exactly once"): each commit carries one Delta `txn` action per source
// partition it read, appId "<pipeline>/<topic>/<partition>", version = the
// next offset to read. On restart the pipeline starts each partition there,
// never at consumer-group offsets. Pipeline names are identifiers and Kafka
// topic names cannot hold '/', so the appId splits unambiguously.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "common/result.h"
#include "process/pipeline/event.h"

namespace loch::pipeline {

std::string txn_app_id(const std::string& pipeline, const SourcePartition& partition);

// From a table's txn versions by appId (Snapshot::transactions()): the next
// offset of every partition `pipeline` has committed. AppIds of other
// pipelines (or writers) are ignored; a malformed one of this pipeline, or a
// negative offset, is Corruption naming it.
Result<std::map<SourcePartition, int64_t>> next_offsets_from_txns(const std::map<std::string, int64_t>& txn_versions,
                                                                  const std::string& pipeline);

}  // namespace loch::pipeline
