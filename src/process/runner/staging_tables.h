// The DuckDB tables one micro-batch is staged in before the sink writes it
// (an in-memory database private to the pipeline):
//
//   batch_all        every decoded record: metadata columns + the format's columns
//   verdicts         (_topic, _partition, _offset, verdict, reason, watermark_ms)
//                    of each decoded record, when the pipeline has event time
//   window_results   closed windows: group_by columns (VARCHAR), window_start,
//                    window_end (TIMESTAMPTZ), one column per aggregate; with
//                    emit: updates also _op: 'u' (upsert) or 'd' (withdrawn)
//   poison           records that failed: metadata, raw value, _error
//
// and the views the transform and the sinks read:
//
//   batch            what the transform sees: the accepted records, or the
//                    closed windows of a windowed pipeline
//   late_rows        late records with _late_reason and _watermark
#pragma once

#include <string>
#include <vector>

#include "collect/decode/column_batch.h"
#include "process/pipeline/pipeline_definition.h"
#include "process/pipeline/windowed_aggregation.h"
#include "process/source/kafka_source.h"
#include "store/sql/database.h"

namespace loch::runner {

enum class StagedVerdict { kAccepted, kLate, kDuplicate, kPoison };

struct RowVerdict {
  StagedVerdict verdict = StagedVerdict::kAccepted;
  std::string reason;
  pipeline::TimestampMs watermark_ms = pipeline::kNoTimestamp;
};

struct PoisonRecord {
  const source::SourceRecord* record = nullptr;
  std::string error;
};

// Replaces batch_all by `batch` (columns `columns`).
Status stage_records(sql::Connection& connection, const std::vector<decode::ColumnSpec>& columns,
                     const decode::ColumnBatch& batch);

// Replaces verdicts by one row per row of batch_all (same order).
Status stage_verdicts(sql::Connection& connection, const decode::ColumnBatch& batch,
                      const std::vector<RowVerdict>& verdicts);

// Replaces window_results by `results` (emit: final: final results only;
// emit: updates: updates, finals and retractions, told apart by _op).
Status stage_window_results(sql::Connection& connection, const pipeline::PipelineDefinition& definition,
                            const std::vector<pipeline::WindowResult>& results);

// Replaces poison by `records`.
Status stage_poison(sql::Connection& connection, const std::vector<PoisonRecord>& records);

// (Re)creates the views batch and late_rows for this pipeline's shape.
Status create_batch_views(sql::Connection& connection, bool has_event_time, bool has_window);

}  // namespace loch::runner
