// The interval join in a pipeline run (options.join; the operator is
// pipeline/interval_join.h). The pipeline's source reads the join's topic
// beside its own; the runner hands this stage the join topic's records in
// source order, interleaved with its own rows, so that every event is judged
// by the one event-time engine in the order the aligner released it (the
// watermark is the minimum over the partitions of both topics):
//
//   queue(record, position)   a join topic record, before left row `position`
//   judge_queued(row, ...)    decodes and judges the queued records before row
//   add_left(...)             a left row the engine accepted
//   stage(...)                expires the state and stages the batch's matches:
//                             `batch` becomes the left rows' columns plus the
//                             right rows' columns with join.prefix
//
// Late right records go to <zone>.<table>_late_right (their columns plus
// _late_reason and _watermark); undecodable ones, or without an event time,
// to the DLQ with the left's poison. The state is checkpointed in its own
// store, <data-dir>/state/<pipeline>/join/, under the same Delta versions as
// the engine's.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "collect/decode/column_batch.h"
#include "process/pipeline/event_time_engine.h"
#include "process/pipeline/interval_join.h"
#include "process/pipeline/pipeline_definition.h"
#include "process/pipeline/state_store.h"
#include "process/runner/delta_append_sink.h"
#include "process/runner/staging_tables.h"
#include "process/source/event_extractor.h"
#include "process/source/kafka_source.h"
#include "process/source/record_format.h"

namespace loch::runner {

class IntervalJoinStage {
 public:
  // Opens the join's state store and, when the table exists (`table_version`
  // >= 0), restores the checkpoint of that version.
  static Result<std::unique_ptr<IntervalJoinStage>> open(const pipeline::PipelineDefinition& definition,
                                                         const std::filesystem::path& data_dir,
                                                         int64_t table_version);

  bool owns(const source::SourceRecord& record) const { return record.source.topic == join_.topic; }
  void queue(const source::SourceRecord& record, size_t position) { queued_.push_back({&record, position}); }
  // Judges the queued records placed before left row `row` (all of them for SIZE_MAX).
  Status judge_queued(size_t row, pipeline::EventTimeEngine& engine, pipeline::TimestampMs now,
                      std::vector<PoisonRecord>& poison);
  // A left row accepted by the engine (decoded by `left_format` into `columns`).
  Status add_left(const source::RecordFormat& left_format, const decode::ColumnBatch& columns, size_t row,
                  const source::SourceRecord& record);
  // The end of the batch's events: expires the state, stages join_left /
  // join_right and replaces the view `batch` by the matched pairs.
  Status stage(sql::Connection& connection, source::RecordFormat& left_format, pipeline::TimestampMs watermark);
  // Appends the late right records; returns how many there were.
  Result<int64_t> commit_late(sql::Connection& connection, const Offsets& next_offsets);
  // Only what changed since the last checkpoint, once this stage has
  // written a whole one to its store (pipeline::StateStore).
  Status checkpoint(TableVersion version);

 private:
  IntervalJoinStage(const pipeline::PipelineDefinition& definition, const std::filesystem::path& data_dir);

  struct Queued {
    const source::SourceRecord* record;
    size_t position;
  };

  pipeline::JoinDefinition join_;
  pipeline::PipelineDefinition left_definition_;   // the left key as group_by, for EventExtractor
  pipeline::PipelineDefinition right_definition_;  // the right's event time and key
  pipeline::IntervalJoin operator_;
  std::unique_ptr<source::RecordFormat> right_format_;
  std::optional<source::EventExtractor> left_extractor_;
  std::optional<source::EventExtractor> right_extractor_;
  std::unique_ptr<pipeline::StateStore> state_;
  // The store whose live/ holds the last checkpoint this stage wrote or
  // restored (its id()); 0 until the first whole checkpoint.
  uint64_t delta_base_store_ = 0;
  DeltaAppendSink late_sink_;

  std::vector<Queued> queued_;
  size_t next_queued_ = 0;
  decode::ColumnBatch right_rows_;      // the batch's decoded right records
  std::vector<RowVerdict> right_verdicts_;
  int64_t late_ = 0;
};

}  // namespace loch::runner
