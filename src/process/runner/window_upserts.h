// emit: updates into a Delta table. A windowed pipeline emitting updates
// produces, after each micro-batch, the current value of every window the
// batch changed (_op 'u'), the final value of each window that closed (also
// 'u') and the sessions withdrawn by a merge into an earlier one (_op 'd').
// They are upserts: the SCD1 merge sink (sink/cdc_sink.h) applies them by
// key, the group_by columns and window_start unless sink.merge_keys says
// otherwise, so the table always holds each window's newest value and, once
// the watermark has passed, the same rows as emit: final.
//
// Each row's `_lsn` (the merge sink's source order) is the Delta version the
// batch commits as: a later batch's value for a window always wins, and a
// replay of a committed batch is skipped by its txn marks.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "process/pipeline/pipeline_definition.h"

namespace loch::runner {

// The columns identifying a window's row in the sink table.
std::vector<std::string> window_upsert_keys(const pipeline::PipelineDefinition& definition);

// The merge sink's input: the transform's output `query` (which must keep
// _op) with `_lsn` = `version`.
std::string window_upsert_input(const std::string& query, int64_t version);

}  // namespace loch::runner
