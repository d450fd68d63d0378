// Running one pipeline (doc/pipelines.md, "Running pipelines"): the
// micro-batch loop
//
//   Kafka source -> record format -> [event time: late / duplicate /
//   windows] -> transform SQL on table `batch` (DuckDB) -> Delta sink
//
// with every commit carrying the source offsets as txn actions, and the
// event-time state checkpointed in RocksDB under the Delta version the
// commit will create BEFORE committing. A restart resumes from the sink
// table's offsets and restores the checkpoint of the table's version, so a
// kill at any moment neither loses nor repeats output.
//
// Beside the main table, a pipeline may write
//   <table>_late   late events with `_late_reason` and `_watermark`;
//   <table>_dlq    poison records (not decodable, no event time) with `_error`.
// Those commit first, each with its own txn actions, and skip rows before
// their own committed offsets, so a replay after a crash adds nothing twice.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "collect/decode/decoder_cache.h"
#include "common/result.h"
#include "process/pipeline/pipeline_definition.h"
#include "process/runner/delta_append_sink.h"

namespace loch::runner {

// What one micro-batch did, for the progress line.
struct BatchReport {
  std::string pipeline;
  int64_t batch = 0;       // 1, 2, ... in this run
  int64_t records = 0;     // read from the source
  int64_t rows = 0;        // written to the main table
  int64_t late = 0;
  int64_t duplicates = 0;
  int64_t poison = 0;
  Offsets next_offsets;
  int64_t version = -1;    // the main table's version after the batch
  pipeline::TimestampMs watermark_ms = pipeline::kNoTimestamp;
  int64_t duration_ms = 0;  // decoding to commit (the read before it not included)
  Offsets high_watermarks;  // each partition's end seen by the source: lag = end - next offset
};

struct RunOptions {
  std::filesystem::path data_dir = "loch-data";
  // Used when the definition gives no bootstrap.servers.
  std::string default_bootstrap = "127.0.0.1:9092";
  // librdkafka properties added to (and overriding) the definition's.
  std::map<std::string, std::string> extra_properties;
  // Registry formats (avro, json, protobuf): the registry used when the
  // definition's format gives none, and how to reach one (the CLI looks
  // schema ids up over HTTP). Unset: registry formats fail with NotSupported.
  std::string default_registry = "http://localhost:8081";
  std::function<Result<std::shared_ptr<decode::DecoderCache>>(const std::string& registry_url)> registry_decoders;
  // Overrides the definition's trigger (e.g. available-now from the CLI).
  std::optional<pipeline::TriggerDefinition> trigger;
  std::function<void(const BatchReport&)> on_batch;
  // Checked between batches, with ShutdownSignal::requested().
  const std::atomic<bool>* stop = nullptr;
  // A backfill's range end: each partition given is read up to (not
  // including) this offset, and an available-now run ends there.
  Offsets stop_at;
};

// Where a zone table lives: <data-dir>/lake/<zone>/<table>.
std::filesystem::path lake_table_root(const std::filesystem::path& data_dir, const std::string& zone,
                                      const std::string& table);

// Runs `definition` until its trigger says stop (available-now: once every
// partition is read up to where it ended at the start), a stop is requested,
// or an error.
Status run_pipeline(const pipeline::PipelineDefinition& definition, const RunOptions& options);

// The progress line of a batch:
//   bronze_orders batch=3 records=5000 rows=5000 late=0 duplicates=0 poison=0 version=3
//   offsets=shop.orders/0:1700,shop.orders/1:1650 watermark=2026-01-01T00:03:10.000Z
std::string format_batch_report(const BatchReport& report);

}  // namespace loch::runner
