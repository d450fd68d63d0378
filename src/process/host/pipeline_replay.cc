#include "process/host/pipeline_replay.h"

#include <unistd.h>

#include <algorithm>

#include "process/pipeline/event_time_engine.h"
#include "process/pipeline/state_store.h"
#include "process/pipeline/txn_offsets.h"
#include "process/runner/delta_append_sink.h"
#include "process/runner/pipeline_lock.h"
#include "process/source/kafka_source.h"
#include "store/delta/transaction.h"
#include "store/sql/database.h"

namespace loch::host {

namespace fs = std::filesystem;

namespace {

// The pipeline's run lock (pipeline_lock.h), held while the offsets
// change, so that no run commits under the old ones.
class HeldLock {
 public:
  ~HeldLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  Status acquire(const fs::path& data_dir, const std::string& pipeline) {
    auto fd = runner::acquire_pipeline_lock(data_dir, pipeline);
    if (fd.status().code() == StatusCode::kAborted) {
      return Status::aborted(fd.status().message() + ": stop it first (loch pipeline stop " + pipeline + ")");
    }
    if (!fd.is_ok()) return fd.status();
    fd_ = *fd;
    return Status::ok();
  }

 private:
  int fd_ = -1;
};

Result<std::unique_ptr<source::KafkaSource>> open_source(const pipeline::PipelineDefinition& definition,
                                                         const runner::RunOptions& options) {
  pipeline::SourceDefinition source = definition.source;
  for (const auto& [name, value] : options.extra_properties) source.properties[name] = value;
  source::KafkaSourceOptions source_options;
  source_options.default_bootstrap_servers = options.default_bootstrap;
  return source::KafkaSource::open(source, source_options);
}

runner::DeltaAppendSink main_sink(const pipeline::PipelineDefinition& definition, const fs::path& data_dir) {
  const auto& sink = definition.sink;
  return runner::DeltaAppendSink(
      runner::SinkTable{runner::lake_table_root(data_dir, sink.zone, sink.table), sink.zone + "." + sink.table, {}, {}},
      definition.name);
}

}  // namespace

Result<runner::Offsets> resolve_offsets(const pipeline::PipelineDefinition& definition,
                                        const runner::RunOptions& options, const ReplayFrom& from) {
  if (!from.exact.empty()) return from.exact;
  LOCH_ASSIGN_OR_RETURN(auto source, open_source(definition, options));
  if (from.time_ms) return source->offsets_for_time(*from.time_ms);
  if (!from.offset) return Status::invalid_argument("a replay needs a start: an offset or a time");
  if (*from.offset < 0) return Status::invalid_argument("offset " + std::to_string(*from.offset) + " is negative");
  LOCH_ASSIGN_OR_RETURN(auto ranges, source->offset_ranges());
  runner::Offsets out;
  for (const auto& [partition, range] : ranges) out[partition] = std::clamp(*from.offset, range.first, range.second);
  return out;
}

Result<PipelinePosition> pipeline_position(const pipeline::PipelineDefinition& definition,
                                           const runner::RunOptions& options) {
  LOCH_ASSIGN_OR_RETURN(auto database, sql::Database::open(":memory:"));
  LOCH_ASSIGN_OR_RETURN(auto connection, database->connect());
  LOCH_ASSIGN_OR_RETURN(runner::Offsets committed, main_sink(definition, options.data_dir).committed_offsets(connection));
  LOCH_ASSIGN_OR_RETURN(auto source, open_source(definition, options));
  LOCH_ASSIGN_OR_RETURN(auto ranges, source->offset_ranges());
  PipelinePosition position;
  const bool earliest = definition.source.starting_offsets == pipeline::SourceDefinition::StartingOffsets::kEarliest;
  for (const auto& [partition, range] : ranges) {
    auto it = committed.find(partition);
    position.next[partition] = it != committed.end() ? it->second : (earliest ? range.first : range.second);
    position.end[partition] = range.second;
  }
  return position;
}

Result<ReplayOutcome> replay_pipeline(const pipeline::PipelineDefinition& definition,
                                      const runner::RunOptions& options, const ReplayFrom& from) {
  HeldLock lock;
  LOCH_RETURN_IF_ERROR(lock.acquire(options.data_dir, definition.name));
  ReplayOutcome outcome;
  LOCH_ASSIGN_OR_RETURN(outcome.start, resolve_offsets(definition, options, from));

  LOCH_ASSIGN_OR_RETURN(auto database, sql::Database::open(":memory:"));
  LOCH_ASSIGN_OR_RETURN(auto connection, database->connect());
  runner::DeltaAppendSink sink = main_sink(definition, options.data_dir);
  LOCH_ASSIGN_OR_RETURN(int64_t version, sink.version(connection));
  if (version < 0) {
    return Status::not_found("pipeline " + definition.name + ": " + sink.table().display_name +
                             " does not exist yet; its first run reads from starting_offsets");
  }
  LOCH_ASSIGN_OR_RETURN(outcome.previous, sink.committed_offsets(connection));

  // Event-time state belongs to the old position: the replay starts empty,
  // checkpointed under the version this commit will create (as a run does
  // before its commit), so that the next run restores it.
  const int64_t expected = version + 1;
  if (auto spec = definition.event_time_spec()) {
    fs::path dir = options.data_dir / "state" / definition.name;
    std::error_code ec;
    fs::remove_all(dir, ec);
    if (ec) return Status::io_error("cannot remove " + dir.string() + ": " + ec.message());
    LOCH_ASSIGN_OR_RETURN(auto store, pipeline::StateStore::open(dir));
    LOCH_ASSIGN_OR_RETURN(auto engine, pipeline::EventTimeEngine::create(*spec));
    LOCH_RETURN_IF_ERROR(engine.checkpoint(*store, TableVersion(expected)));
  }

  LOCH_ASSIGN_OR_RETURN(auto txn, delta::Transaction::begin(sink.table().root, connection));
  for (const auto& [partition, next] : outcome.start) {
    txn.set_transaction_id(pipeline::txn_app_id(definition.name, partition), next);
  }
  delta::CommitOperation operation;
  operation.name = "STREAMING OFFSETS RESET";
  std::string start = from.time_ms  ? "time " + std::to_string(*from.time_ms)
                      : from.offset ? "offset " + std::to_string(*from.offset)
                                    : "offsets";
  operation.parameters = {{"queryId", definition.name}, {"from", start}};
  txn.set_operation(std::move(operation));
  auto committed = txn.commit();
  if (!committed.is_ok()) return committed.status().with_context("replay of pipeline " + definition.name);
  outcome.version = committed->version.value();
  if (definition.event_time_spec() && outcome.version != expected) {
    return Status::conflict("replay of pipeline " + definition.name + ": " + sink.table().display_name +
                            " was written meanwhile (committed version " + std::to_string(outcome.version) +
                            ", expected " + std::to_string(expected) + "); replay again");
  }
  return outcome;
}

}  // namespace loch::host
