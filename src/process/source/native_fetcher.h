// NativeFetcher: a fetch-only Kafka client for plaintext brokers, written on
// loch's own protocol code (collect/kafka/protocol). It reads assigned
// partitions from given offsets, as KafkaSource's data plane, and parses
// whole record batches straight into SourceRecords: no per-record
// allocation beyond the record's own bytes (librdkafka's op and message per
// record were ~40% of a bronze pipeline's CPU time).
//
// What it does (doc/pipelines.md, "The Kafka source"; the bytes it reads:
// doc/kafka-protocol.md, "What the native fetcher reads"):
// - Metadata from the bootstrap servers, one connection per partition
//   leader, one FetchRequest per leader for all its partitions, the highest
//   Fetch version both sides know (v4 to v12: v13+ names topics by id).
// - read_committed: control batches and aborted transactions are skipped,
//   the offsets still move past them.
// - A background thread fetches ahead into a queue bounded by bytes, so the
//   network and parsing overlap the pipeline thread's work.
// - OFFSET_OUT_OF_RANGE restarts a partition at its earliest offset; a moved
//   leader, an unknown partition or a lost connection refreshes the metadata
//   and retries; anything else ends that partition with an error that the
//   next poll returns.
// - An end event when a partition has nothing more to read (its next offset
//   reached the last stable offset), once each time it gets there.
//
// Threading: the fetch thread owns the connections and the partitions'
// positions; poll, pause and high_watermarks may be called from one other
// thread (the pipeline's) and share only the queue and the flags under mutex_.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "common/result.h"
#include "process/source/kafka_source.h"

namespace loch::source {

struct NativeFetcherOptions {
  std::string bootstrap_servers;  // "host:port[,host:port...]"
  std::string client_id = "loch";
  // The broker answers a fetch when it has min_bytes or after max_wait_ms.
  int max_wait_ms = 200;
  int32_t min_bytes = 1;
  // Per partition in one answer. Above ~8 MB the copies of a partition's
  // records no longer come from reused heap memory but from fresh mappings,
  // and their page faults cost the fetch thread more than the parsing
  // (16 MB: 0.77 s of system time for 2.5M records, 8 MB: 0.18 s).
  int32_t partition_max_bytes = 8 << 20;
  int32_t response_max_bytes = 64 << 20;   // per answer
  // Fetching pauses while this much is parsed and not yet polled.
  size_t queue_max_bytes = size_t{256} << 20;
  // Connecting, and each request beyond max_wait_ms.
  int request_timeout_ms = 10'000;
  // Before retrying after a moved leader or a lost connection.
  int retry_backoff_ms = 100;

  // The defaults above with what it honours of librdkafka `properties`
  // (bootstrap.servers, client.id, fetch.max.bytes, max.partition.fetch.bytes or
  // fetch.message.max.bytes, fetch.wait.max.ms, fetch.min.bytes,
  // queued.max.messages.kbytes, socket.timeout.ms, retry.backoff.ms); the
  // others are ignored. InvalidArgument for a value that is not a number.
  static Result<NativeFetcherOptions> from_properties(std::string bootstrap_servers,
                                                      const std::map<std::string, std::string>& properties);
};

// What one fetch brought for one partition, in offset order: records, and
// whether the partition reached its end with them.
struct FetchedChunk {
  SourcePartition partition;
  std::vector<SourceRecord> records;
  // Set when, after these records, the partition had nothing more to read:
  // the offset it ended at (the last stable offset), as librdkafka's
  // PARTITION_EOF reports it.
  std::optional<int64_t> end_offset;
  size_t memory_bytes = 0;
};

class NativeFetcher {
 public:
  // Starts fetching each partition of `start_offsets` at its offset.
  static Result<std::unique_ptr<NativeFetcher>> start(NativeFetcherOptions options,
                                                      const std::map<SourcePartition, int64_t>& start_offsets);
  // Stops the fetch thread (within a request's time) and closes the connections.
  ~NativeFetcher();
  NativeFetcher(const NativeFetcher&) = delete;
  NativeFetcher& operator=(const NativeFetcher&) = delete;

  // Waits up to `wait` for something fetched, then moves chunks holding at
  // most `max_records` records in all into `out` (splitting the last one;
  // its end stays with the rest). Returns an unrecoverable error of a
  // partition (naming it, its broker and what went wrong) once the chunks
  // fetched before it have been taken.
  Status poll(std::chrono::milliseconds wait, size_t max_records, std::vector<FetchedChunk>& out);

  // Stops fetching `partition`; chunks already fetched may still come.
  void pause(const SourcePartition& partition);

  // Each partition's high watermark in the latest fetch answer (only the
  // partitions answered so far).
  std::map<SourcePartition, int64_t> high_watermarks() const;

 private:
  class Worker;  // the fetch thread's state (native_fetcher.cc)
  explicit NativeFetcher(NativeFetcherOptions options);

  // Called by the fetch thread.
  friend class Worker;
  // Waits up to `wait` for the queue to have room; false when it has none
  // yet or the fetcher is stopping.
  bool wait_for_room(std::chrono::milliseconds wait);
  void sleep_unless_stopped(std::chrono::milliseconds wait);
  void push(FetchedChunk chunk);
  void push_error(Status error);
  std::set<SourcePartition> paused() const;
  void set_high_watermark(const SourcePartition& partition, int64_t high_watermark);
  bool stopping() const;

  const NativeFetcherOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable fetched_;   // a chunk or an error was queued
  std::condition_variable room_;      // the queue shrank, or stop
  // Chunks and a partition's unrecoverable error, in the order fetched.
  std::deque<std::variant<FetchedChunk, Status>> queue_;  // guarded by mutex_
  size_t queued_bytes_ = 0;                                // guarded by mutex_
  size_t front_taken_ = 0;  // guarded by mutex_: records of the front chunk already polled
  std::set<SourcePartition> paused_;  // guarded by mutex_
  std::map<SourcePartition, int64_t> high_watermarks_;  // guarded by mutex_
  bool stop_ = false;                 // guarded by mutex_
  std::unique_ptr<Worker> worker_;
  std::thread thread_;
};

}  // namespace loch::source
