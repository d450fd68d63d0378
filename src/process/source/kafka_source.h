// KafkaSource: reads a pipeline's topics in micro-batches in ASSIGN mode
// (librdkafka's sense): no consumer group, no committed offsets. The pipeline says
// where each partition starts (the next offsets recorded in the sink table's
// Delta `txn` actions, doc/pipelines.md), so a restart resumes from the table
// and never from a group. Only the Kafka protocol is used: the same source
// reads loch's embedded broker, a Kafka or Redpanda cluster, or librdkafka's
// mock cluster. Records of aborted transactions are not returned
// (isolation.level=read_committed).
//
// Two data planes fetch the records: loch's native fetcher
// (native_fetcher.h) for plaintext brokers, librdkafka's consumer when the
// properties ask for TLS or SASL. librdkafka answers the control plane
// (partitions, watermarks, offsets for times) in both cases.
//
// Not thread-safe: one pipeline thread owns it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"
#include "process/pipeline/event.h"
#include "process/pipeline/pipeline_definition.h"

struct rd_kafka_s;

namespace loch::source {

using pipeline::SourcePartition;

struct SourceRecord {
  SourcePartition source;
  int64_t offset = 0;
  int64_t timestamp_ms = 0;              // the record's timestamp (create or log-append time)
  std::optional<std::string> key;        // no value: null key
  std::optional<std::string> value;      // no value: tombstone
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
};

struct MicroBatch {
  std::vector<SourceRecord> records;
  // For every assigned partition: the offset to read next after this batch
  // (what the sink commits as the txn version).
  std::map<SourcePartition, int64_t> next_offsets;
  // True when every partition had reached its end (what was there when the
  // source was assigned, for available-now) by the end of this batch.
  bool caught_up = false;
  // The partitions that had reached their end by the end of this batch.
  std::set<SourcePartition> ended;
};

// Which client fetches the records (the data plane).
enum class FetchClient {
  kAuto,        // native unless the properties set security.protocol (other than plaintext), sasl.* or ssl.*
  kNative,      // NativeFetcher: plaintext only
  kLibrdkafka,  // librdkafka's consumer
};

struct KafkaSourceOptions {
  // Used when the definition gives no bootstrap.servers (the embedded broker).
  std::string default_bootstrap_servers = "127.0.0.1:9092";
  // How long one librdkafka request (metadata, offsets) may take.
  int request_timeout_ms = 10'000;
  // librdkafka wants a group.id even for assign(); this group never joins
  // and never commits (offsets live in the sink table).
  std::string assign_group_id = "loch-pipeline-assign";
  FetchClient fetch_client = FetchClient::kAuto;
};

class NativeFetcher;

class KafkaSource {
 public:
  static Result<std::unique_ptr<KafkaSource>> open(const pipeline::SourceDefinition& definition,
                                                    const KafkaSourceOptions& options = {});
  ~KafkaSource();
  KafkaSource(const KafkaSource&) = delete;
  KafkaSource& operator=(const KafkaSource&) = delete;

  // Every partition of the definition's topics; NotFound for a missing topic.
  Result<std::vector<SourcePartition>> partitions();

  // Starts reading every partition of the topics: at `next_offsets` where
  // given, else at the definition's starting_offsets. Also records each
  // partition's end (high watermark) now, for caught_up. A partition given
  // in `stop_at` (a backfill's range) is read only up to that offset: its
  // records from there on are not taken, its next offset stays there, and
  // reaching it is reaching the partition's end.
  Status assign(const std::map<SourcePartition, int64_t>& next_offsets,
                const std::map<SourcePartition, int64_t>& stop_at = {});

  // Up to max_batch_records records, waiting at most max_batch_ms for them
  // (less when every partition is caught up).
  Result<MicroBatch> next_batch();

  const std::string& bootstrap_servers() const { return bootstrap_servers_; }
  // True when the native fetcher reads the records (FetchClient, resolved).
  bool uses_native_fetcher() const { return native_; }

  // Each partition's high watermark as last seen by the consumer (fetch
  // responses; no request is made), else the one at assign: for lag metrics.
  std::map<SourcePartition, int64_t> high_watermarks() const;

  // Replay and backfill (kafka_source_offsets.cc), asked of the broker:
  // each partition's first and next offset (low, high), and the first
  // offset whose timestamp is at or after `timestamp_ms` (high when none).
  Result<std::map<SourcePartition, std::pair<int64_t, int64_t>>> offset_ranges();
  Result<std::map<SourcePartition, int64_t>> offsets_for_time(int64_t timestamp_ms);

 private:
  KafkaSource(pipeline::SourceDefinition definition, KafkaSourceOptions options, rd_kafka_s* consumer,
              std::string bootstrap_servers, bool native);

  struct PartitionProgress {
    int64_t next_offset = -1;  // -1: not known yet (starting at earliest/latest)
    int64_t end_at_assign = 0;
    bool at_end = false;       // librdkafka reported the end of the partition
    std::optional<int64_t> stop_at;
  };
  // Stops fetching a partition that reached its stop_at.
  void pause(const SourcePartition& partition);
  bool caught_up() const;
  // Takes what the data plane has fetched into `batch`: at most `room`
  // records, waiting up to `wait_ms` when nothing is there yet. Returns how
  // many things (records, partition ends, client events) were taken.
  Result<size_t> take_fetched(MicroBatch& batch, size_t room, int wait_ms);
  Result<size_t> take_from_librdkafka(MicroBatch& batch, size_t room, int wait_ms);
  Result<size_t> take_from_native_fetcher(MicroBatch& batch, size_t room, int wait_ms);
  // The same rules for both data planes: a record, and a partition's end
  // (every record before `end_offset` has been read, as PARTITION_EOF says).
  void take_record(MicroBatch& batch, SourceRecord record);
  void take_end(const SourcePartition& partition, int64_t end_offset);

  pipeline::SourceDefinition definition_;
  KafkaSourceOptions options_;
  rd_kafka_s* consumer_;
  std::string bootstrap_servers_;
  bool native_;
  std::unique_ptr<NativeFetcher> fetcher_;  // the native data plane, from assign on
  std::map<SourcePartition, PartitionProgress> progress_;
};

}  // namespace loch::source
