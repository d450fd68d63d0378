#include "serve/metrics/pipeline_metrics.h"

#include <functional>
#include <optional>

#include "serve/metrics/prometheus_text.h"

namespace loch::metrics {

namespace {

using host::PipelineStatus;

// One family with one sample per pipeline (skipped where `value` has none).
void per_pipeline(PrometheusText& page, const std::vector<PipelineStatus>& pipelines, const char* name,
                  const char* type, const char* help,
                  const std::function<std::optional<double>(const PipelineStatus&)>& value) {
  page.family(name, type, help);
  for (const PipelineStatus& p : pipelines) {
    if (auto v = value(p)) page.sample(name, {{"pipeline", p.name}}, *v);
  }
}

}  // namespace

std::string pipeline_metrics_text(const std::vector<PipelineStatus>& pipelines) {
  PrometheusText page;
  page.family("loch_pipeline_state", "gauge", "1 for the state the pipeline is in (running, stopped, failed, backfilling).");
  for (const PipelineStatus& p : pipelines) {
    for (host::PipelineState state :
         {host::PipelineState::kRunning, host::PipelineState::kStopped, host::PipelineState::kFailed,
          host::PipelineState::kBackfilling}) {
      page.sample("loch_pipeline_state", {{"pipeline", p.name}, {"state", host::state_name(state)}},
                  p.state == state ? 1 : 0);
    }
  }
  using V = std::optional<double>;
  per_pipeline(page, pipelines, "loch_pipeline_batches_total", "counter", "Micro-batches committed.",
               [](const PipelineStatus& p) { return V(p.batches); });
  per_pipeline(page, pipelines, "loch_pipeline_records_total", "counter", "Records read from the source topics.",
               [](const PipelineStatus& p) { return V(p.records); });
  per_pipeline(page, pipelines, "loch_pipeline_rows_total", "counter", "Rows written to the sink table.",
               [](const PipelineStatus& p) { return V(p.rows); });
  per_pipeline(page, pipelines, "loch_pipeline_late_records_total", "counter",
               "Late events written to the late table.", [](const PipelineStatus& p) { return V(p.late); });
  per_pipeline(page, pipelines, "loch_pipeline_duplicate_records_total", "counter",
               "Events dropped as duplicates by dedup.", [](const PipelineStatus& p) { return V(p.duplicates); });
  per_pipeline(page, pipelines, "loch_pipeline_dlq_records_total", "counter",
               "Poison records written to the DLQ table.", [](const PipelineStatus& p) { return V(p.poison); });
  per_pipeline(page, pipelines, "loch_pipeline_input_records_per_second", "gauge",
               "Records read per second over the last 30 s of a running pipeline.",
               [](const PipelineStatus& p) { return V(p.input_rate); });
  per_pipeline(page, pipelines, "loch_pipeline_last_batch_duration_seconds", "gauge",
               "Time the last micro-batch took from decoding to commit.", [](const PipelineStatus& p) {
                 return p.last_batch_duration_ms < 0 ? V() : V(p.last_batch_duration_ms / 1000.0);
               });
  per_pipeline(page, pipelines, "loch_pipeline_last_batch_timestamp_seconds", "gauge",
               "When the last micro-batch was committed (Unix time).", [](const PipelineStatus& p) {
                 return p.last_batch_at_ms == 0 ? V() : V(p.last_batch_at_ms / 1000.0);
               });
  per_pipeline(page, pipelines, "loch_pipeline_watermark_seconds", "gauge",
               "The event-time watermark (Unix time) of an event-time pipeline.", [](const PipelineStatus& p) {
                 return p.watermark_ms == pipeline::kNoTimestamp ? V() : V(p.watermark_ms / 1000.0);
               });
  per_pipeline(page, pipelines, "loch_pipeline_committed_version", "gauge",
               "The sink table's Delta version after the last batch.",
               [](const PipelineStatus& p) { return p.version < 0 ? V() : V(p.version); });
  page.family("loch_pipeline_lag_records", "gauge",
              "Records in a source partition not yet committed: its high watermark minus the next offset.");
  for (const PipelineStatus& p : pipelines) {
    for (const host::PartitionLag& lag : p.partitions) {
      page.sample("loch_pipeline_lag_records",
                  {{"pipeline", p.name}, {"topic", lag.partition.topic},
                   {"partition", std::to_string(lag.partition.partition)}},
                  static_cast<double>(lag.lag()));
    }
  }
  return page.text();
}

}  // namespace loch::metrics
