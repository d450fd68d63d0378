// The HTTP API of hosted pipelines (doc/pipelines.md, "Operations"):
//
//   GET  /api/pipelines               {"pipelines": [status, ...]}
//   GET  /api/pipelines/<name>        status
//   POST /api/pipelines/<name>/start  starts it (a running one is left alone); status
//   POST /api/pipelines/<name>/stop   stops it after the batch in progress; status
//   POST /api/pipelines/<name>/replay?from-offset=N | ?from-time=MS (epoch ms)
//        a stopped pipeline resumes there next time (pipeline_replay.h); 409 while it runs;
//        {"name", "previous": {"topic/partition": offset}, "start": {...}, "version"}
//   POST /api/pipelines/<name>/backfill[?from-time=MS][&to-time=MS]
//        a stopped pipeline runs over the range in serve and stops (pipeline_backfill.h);
//        409 while it runs; {"name", "start": {...}, "end": {...}, "total"}; its progress is
//        the status's "backfill"
//   GET  /metrics                     Prometheus text format (serve/metrics)
//
// A status is {"name", "state", "last_error", "topics", "sink", "started_at", "restarts", "batches",
// "records", "rows", "late", "duplicates", "dlq", "input_rate",
// "last_batch_duration_ms", "last_batch_at", "version", "watermark",
// "lag", "partitions": [{"topic", "partition", "next_offset",
// "high_watermark", "lag"}], "backfill": null | {"done", "total",
// "started_at", "elapsed_ms", "finished"}}. Errors are {"error_code", "message"} with 400
// (a bad parameter), 404 (unknown pipeline or path), 405 (wrong method) or
// 409 (a replay or backfill of a running pipeline).
#pragma once

#include <string>

#include "process/host/pipeline_host.h"
#include "common/net/http_server.h"

namespace loch::serve::http {

// The JSON document of one pipeline's status.
std::string pipeline_status_json(const host::PipelineStatus& status);

class PipelinesApi {
 public:
  explicit PipelinesApi(host::PipelineHost& host) : host_(host) {}
  HttpAnswer handle(const HttpRequest& request) const;

 private:
  host::PipelineHost& host_;
};

}  // namespace loch::serve::http
