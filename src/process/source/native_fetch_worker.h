// The native fetcher's thread (native_fetcher.h): metadata, one connection
// per leader, Fetch requests and their answers. Internal to NativeFetcher.
//
// Threading: run() is the fetch thread and owns everything here; only
// interrupt() may be called from another thread.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "collect/kafka/protocol/messages/fetch_request.h"
#include "collect/kafka/protocol/messages/fetch_response.h"
#include "collect/kafka/client/kafka_connection.h"
#include "process/source/native_fetcher.h"

namespace loch::source {

using kafka::client::KafkaConnection;

class NativeFetcher::Worker {
 public:
  Worker(NativeFetcher& owner, const NativeFetcherOptions& options,
         const std::map<SourcePartition, int64_t>& start_offsets);

  // Fetches until the owner stops.
  void run();
  // Fails the requests in flight, so that run() sees the stop at once.
  void interrupt();

 private:
  struct Position {
    int64_t fetch_offset = 0;
    int32_t leader = -1;        // -1: unknown, metadata needed
    bool end_reported = false;  // an end event since the offset last moved
    bool failed = false;        // an unrecoverable error was reported
  };
  struct Broker {
    std::string address;
    std::unique_ptr<KafkaConnection> connection;
    int16_t fetch_version = -1;
    int16_t list_offsets_version = -1;
    bool healthy = true;  // false from a failure until its next answer (logging)
  };

  // One round: a Fetch to every leader with partitions to read, then their
  // answers. False when nothing could be sent (the caller backs off).
  bool fetch_round();
  Status refresh_metadata();
  // The leader's connection, connected and its versions known.
  Result<Broker*> connect_to(int32_t node);
  Result<std::unique_ptr<KafkaConnection>> open_connection(const std::string& address);
  kafka::FetchRequest fetch_request(const std::vector<SourcePartition>& partitions);
  void take_answer(int32_t node, const kafka::FetchResponse& answer);
  void take_partition(int32_t node, const SourcePartition& partition, const kafka::FetchResponse::PartitionData& data);
  Status reset_to_earliest(Broker& broker, const SourcePartition& partition);
  // Drops a broker's connection and asks for new metadata.
  void lost(int32_t node, const Status& why);
  void fail(const SourcePartition& partition, const std::string& broker, const std::string& what);

  NativeFetcher& owner_;
  const NativeFetcherOptions options_;
  std::map<SourcePartition, Position> positions_;
  std::map<int32_t, Broker> brokers_;  // by node id, from metadata
  bool metadata_stale_ = true;
  bool metadata_healthy_ = true;  // false from a failed refresh until one succeeds (logging)
  std::chrono::steady_clock::time_point next_metadata_{};  // refresh no sooner
  uint64_t round_ = 0;  // rotates the partitions' order in requests

  // The connections in use, for interrupt().
  std::mutex connections_mutex_;
  std::vector<KafkaConnection*> connections_;  // guarded by connections_mutex_
  std::atomic<bool> interrupted_ = false;
};

}  // namespace loch::source
