// The hosted pipelines' metrics in Prometheus text format (doc/pipelines.md,
// "Metrics"): one series per pipeline (label `pipeline`), lag per source
// partition (labels `topic`, `partition`).
#pragma once

#include <string>
#include <vector>

#include "process/host/pipeline_host.h"

namespace loch::metrics {

std::string pipeline_metrics_text(const std::vector<host::PipelineStatus>& pipelines);

}  // namespace loch::metrics
