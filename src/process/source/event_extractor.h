// EventExtractor: the event-time hook. For each row of a decoded micro-batch
// it builds the pipeline::Event the event-time engine judges: the event time
// (from the `event_time` column), the dedup id, the group-by key and the
// inputs of each aggregate, as named by the pipeline's options.
#pragma once

#include <vector>

#include "collect/decode/column_batch.h"
#include "process/pipeline/pipeline_definition.h"

namespace loch::source {

class EventExtractor {
 public:
  // Resolves the option's column names against `columns`; InvalidArgument
  // naming the pipeline file and the missing column, or an event time column
  // that is not a TIMESTAMP / TIMESTAMPTZ / BIGINT (epoch ms).
  static Result<EventExtractor> create(const pipeline::PipelineDefinition& definition,
                                       const std::vector<decode::ColumnSpec>& columns);

  // The event of row `row`; Corruption when its event time is null (such a
  // record cannot be placed in time: it goes to the DLQ).
  Status extract(const decode::ColumnBatch& batch, size_t row, pipeline::Event& event) const;

 private:
  size_t event_time_ = 0;
  std::optional<size_t> dedup_;
  std::vector<size_t> group_by_;
  std::vector<std::optional<size_t>> aggregate_inputs_;  // no value: count(*)
};

}  // namespace loch::source
