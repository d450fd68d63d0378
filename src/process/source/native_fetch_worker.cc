#include "process/source/native_fetch_worker.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "collect/kafka/protocol/messages/api_versions_request.h"
#include "collect/kafka/protocol/messages/api_versions_response.h"
#include "collect/kafka/protocol/messages/list_offsets_request.h"
#include "collect/kafka/protocol/messages/list_offsets_response.h"
#include "collect/kafka/protocol/messages/metadata_request.h"
#include "collect/kafka/protocol/messages/metadata_response.h"
#include "process/source/fetched_records.h"

namespace loch::source {
namespace {

using kafka::FetchRequest;
using kafka::FetchResponse;

// Kafka error codes (the protocol guide's table) that the fetcher tells apart.
enum : int16_t {
  kOffsetOutOfRange = 1,
  kCorruptMessage = 2,
  kUnknownTopicOrPartition = 3,
  kLeaderNotAvailable = 5,
  kNotLeaderOrFollower = 6,
  kRequestTimedOut = 7,
  kReplicaNotAvailable = 9,
  kNetworkException = 13,
  kTopicAuthorizationFailed = 29,
  kKafkaStorageError = 56,
  kFencedLeaderEpoch = 74,
  kUnknownLeaderEpoch = 75,
  kOffsetNotAvailable = 78,
  kUnknownTopicId = 100,
};

std::string error_name(int16_t code) {
  switch (code) {
    case kOffsetOutOfRange: return "OFFSET_OUT_OF_RANGE";
    case kCorruptMessage: return "CORRUPT_MESSAGE";
    case kUnknownTopicOrPartition: return "UNKNOWN_TOPIC_OR_PARTITION";
    case kLeaderNotAvailable: return "LEADER_NOT_AVAILABLE";
    case kNotLeaderOrFollower: return "NOT_LEADER_OR_FOLLOWER";
    case kTopicAuthorizationFailed: return "TOPIC_AUTHORIZATION_FAILED";
    case 35: return "UNSUPPORTED_VERSION";
    default: return "Kafka error " + std::to_string(code);
  }
}

// Errors that a new leader or a moment's wait resolves, as librdkafka retries them.
bool is_retriable(int16_t code) {
  switch (code) {
    case kUnknownTopicOrPartition:
    case kLeaderNotAvailable:
    case kNotLeaderOrFollower:
    case kRequestTimedOut:
    case kReplicaNotAvailable:
    case kNetworkException:
    case kKafkaStorageError:
    case kFencedLeaderEpoch:
    case kUnknownLeaderEpoch:
    case kOffsetNotAvailable:
    case kUnknownTopicId:
      return true;
    default:
      return false;
  }
}

using pipeline::partition_name;

// v4 brings isolation_level, the last stable offset and the aborted
// transactions; v13 replaces topic names by ids, which this client does not
// look up, so v12 is the newest it asks for.
constexpr int16_t kMinFetchVersion = 4;
constexpr int16_t kMaxFetchVersion = 12;
constexpr int16_t kMaxMetadataVersion = 12;
// Asking for the earliest offset needs nothing newer than v1 (v0 answers a
// list of offsets); librdkafka 2.0's mock cluster answers v5 with 4 stray bytes.
constexpr int16_t kMaxListOffsetsVersion = 1;
constexpr int8_t kReadCommitted = 1;
constexpr int64_t kEarliestTimestamp = -2;

// The highest version of `api_key` that both the broker and loch's codecs
// know, or -1.
int16_t common_version(const kafka::ApiVersionsResponse& versions, int16_t api_key, int16_t ours_min,
                       int16_t ours_max) {
  for (const auto& api : versions.api_keys) {
    if (api.api_key != api_key) continue;
    int16_t version = std::min(api.max_version, ours_max);
    return version >= std::max(api.min_version, ours_min) ? version : -1;
  }
  return -1;
}

std::vector<std::string> split_servers(const std::string& servers) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= servers.size()) {
    size_t comma = servers.find(',', start);
    if (comma == std::string::npos) comma = servers.size();
    std::string server = servers.substr(start, comma - start);
    server.erase(0, server.find_first_not_of(' '));
    server.erase(server.find_last_not_of(' ') + 1);
    // librdkafka accepts "PLAINTEXT://host:port".
    if (auto scheme = server.find("://"); scheme != std::string::npos) server = server.substr(scheme + 3);
    if (!server.empty()) out.push_back(server);
    start = comma + 1;
  }
  return out;
}

}  // namespace

NativeFetcher::Worker::Worker(NativeFetcher& owner, const NativeFetcherOptions& options,
                              const std::map<SourcePartition, int64_t>& start_offsets)
    : owner_(owner), options_(options) {
  for (const auto& [partition, offset] : start_offsets) positions_[partition].fetch_offset = offset;
}

void NativeFetcher::Worker::run() {
  const auto backoff = std::chrono::milliseconds(std::max(options_.retry_backoff_ms, 1));
  while (!owner_.stopping()) {
    if (!owner_.wait_for_room(std::chrono::milliseconds(100))) continue;
    // At most one metadata request per backoff while a partition has no
    // leader: the others are fetched meanwhile.
    if (metadata_stale_ && std::chrono::steady_clock::now() >= next_metadata_) {
      next_metadata_ = std::chrono::steady_clock::now() + backoff;
      Status refreshed = refresh_metadata();
      if (!refreshed.is_ok()) {
        // Said once per outage, not at every retry.
        if (metadata_healthy_) spdlog::warn("native fetcher: {}; retrying", refreshed.to_string());
        metadata_healthy_ = false;
        owner_.sleep_unless_stopped(backoff);
        continue;
      }
    }
    if (!fetch_round()) owner_.sleep_unless_stopped(metadata_stale_ ? backoff : std::chrono::milliseconds(50));
  }
  std::lock_guard lock(connections_mutex_);
  connections_.clear();
}

void NativeFetcher::Worker::interrupt() {
  interrupted_ = true;
  std::lock_guard lock(connections_mutex_);
  for (KafkaConnection* connection : connections_) connection->interrupt();
}

Result<std::unique_ptr<KafkaConnection>> NativeFetcher::Worker::open_connection(const std::string& address) {
  LOCH_ASSIGN_OR_RETURN(auto connection,
                        KafkaConnection::connect(address, options_.client_id,
                                                 options_.request_timeout_ms + options_.max_wait_ms, &interrupted_));
  std::lock_guard lock(connections_mutex_);
  if (interrupted_) return Status::aborted("native fetcher stopping");
  connections_.push_back(connection.get());
  return connection;
}

Status NativeFetcher::Worker::refresh_metadata() {
  std::vector<std::string> candidates = split_servers(options_.bootstrap_servers);
  for (const auto& [node, broker] : brokers_) candidates.push_back(broker.address);
  kafka::MetadataRequest request;
  request.allow_auto_topic_creation = false;
  std::set<std::string> topics;
  for (const auto& [partition, position] : positions_) topics.insert(partition.topic);
  request.topics.emplace();
  for (const std::string& topic : topics) request.topics->emplace_back().name = topic;
  Status last = Status::io_error("no bootstrap servers");
  for (const std::string& address : candidates) {
    auto connection = open_connection(address);
    if (!connection.is_ok()) {
      last = connection.status();
      continue;
    }
    auto forget = [&] {
      std::lock_guard lock(connections_mutex_);
      std::erase(connections_, connection->get());
    };
    auto versions = (*connection)->call<kafka::ApiVersionsResponse>(kafka::ApiVersionsRequest{}, 0);
    int16_t version = versions.is_ok() ? common_version(*versions, kafka::MetadataRequest::kApiKey, 1,
                                                        kMaxMetadataVersion)
                                       : -1;
    Result<kafka::MetadataResponse> metadata =
        !versions.is_ok() ? Result<kafka::MetadataResponse>(versions.status())
        : version < 0     ? Result<kafka::MetadataResponse>(Status::not_supported(address + ": no Metadata v1+"))
                          : (*connection)->call<kafka::MetadataResponse>(request, version);
    forget();
    if (!metadata.is_ok()) {
      last = metadata.status();
      continue;
    }
    for (const auto& broker : metadata->brokers) {
      std::string broker_address = broker.host + ":" + std::to_string(broker.port);
      Broker& known = brokers_[broker.node_id];
      if (known.address != broker_address) {
        lost(broker.node_id, Status::ok());
        known.address = broker_address;
      }
    }
    bool complete = true;
    for (auto& [partition, position] : positions_) position.leader = -1;
    for (const auto& topic : metadata->topics) {
      if (!topic.name) continue;
      if (topic.error_code == kTopicAuthorizationFailed) {
        for (auto& [partition, position] : positions_) {
          if (partition.topic == *topic.name && !position.failed) {
            fail(partition, address, "metadata: " + error_name(topic.error_code));
          }
        }
        continue;
      }
      for (const auto& p : topic.partitions) {
        auto found = positions_.find({*topic.name, p.partition_index});
        if (found == positions_.end()) continue;
        if (p.error_code == 0 || p.error_code == kReplicaNotAvailable) found->second.leader = p.leader_id;
        if (!brokers_.contains(found->second.leader)) found->second.leader = -1;
      }
    }
    for (const auto& [partition, position] : positions_) {
      if (position.leader < 0 && !position.failed) complete = false;
    }
    // Partitions without a leader yet: fetch the others, ask again after a backoff.
    metadata_stale_ = !complete;
    metadata_healthy_ = true;
    return Status::ok();
  }
  return last.with_context("metadata for the native fetcher");
}

Result<NativeFetcher::Worker::Broker*> NativeFetcher::Worker::connect_to(int32_t node) {
  Broker& broker = brokers_[node];
  if (broker.connection) return &broker;
  LOCH_ASSIGN_OR_RETURN(auto connection, open_connection(broker.address));
  broker.connection = std::move(connection);
  auto versions = broker.connection->call<kafka::ApiVersionsResponse>(kafka::ApiVersionsRequest{}, 0);
  if (!versions.is_ok()) {
    lost(node, versions.status());
    return versions.status();
  }
  broker.fetch_version = common_version(*versions, FetchRequest::kApiKey, kMinFetchVersion, kMaxFetchVersion);
  broker.list_offsets_version =
      common_version(*versions, kafka::ListOffsetsRequest::kApiKey, 1, kMaxListOffsetsVersion);
  return &broker;
}

void NativeFetcher::Worker::lost(int32_t node, const Status& why) {
  auto found = brokers_.find(node);
  if (found == brokers_.end()) return;
  if (!why.is_ok()) {
    // Said once per outage; the retries that follow are quiet until the
    // broker answers again.
    if (found->second.healthy && !interrupted_) {
      spdlog::warn("native fetcher: broker {} ({}): {}; retrying", node, found->second.address, why.to_string());
    }
    found->second.healthy = false;
  }
  if (found->second.connection) {
    std::lock_guard lock(connections_mutex_);
    std::erase(connections_, found->second.connection.get());
  }
  found->second.connection.reset();
  metadata_stale_ = true;
}

void NativeFetcher::Worker::fail(const SourcePartition& partition, const std::string& broker,
                                 const std::string& what) {
  positions_[partition].failed = true;
  owner_.push_error(Status::io_error("reading " + partition_name(partition) + " from broker " + broker + ": " + what));
}

FetchRequest NativeFetcher::Worker::fetch_request(const std::vector<SourcePartition>& partitions) {
  FetchRequest request;
  request.replica_id = -1;
  request.max_wait_ms = options_.max_wait_ms;
  request.min_bytes = options_.min_bytes;
  request.max_bytes = options_.response_max_bytes;
  request.isolation_level = kReadCommitted;
  request.session_id = 0;    // no fetch session (KIP-227): every request is full
  request.session_epoch = -1;
  // The answer fills up in request order until max_bytes: start elsewhere
  // each round so that no partition is starved by the ones before it.
  const size_t count = partitions.size();
  const size_t first = count == 0 ? 0 : round_ % count;
  for (size_t i = 0; i < count; ++i) {
    const SourcePartition& partition = partitions[(first + i) % count];
    if (request.topics.empty() || request.topics.back().topic != partition.topic) {
      request.topics.emplace_back().topic = partition.topic;
    }
    FetchRequest::FetchPartition& p = request.topics.back().partitions.emplace_back();
    p.partition = partition.partition;
    p.fetch_offset = positions_[partition].fetch_offset;
    p.partition_max_bytes = options_.partition_max_bytes;
  }
  return request;
}

bool NativeFetcher::Worker::fetch_round() {
  ++round_;
  const std::set<SourcePartition> paused = owner_.paused();
  std::map<int32_t, std::vector<SourcePartition>> by_leader;
  for (const auto& [partition, position] : positions_) {
    if (position.failed || position.leader < 0 || paused.contains(partition)) continue;
    by_leader[position.leader].push_back(partition);
  }
  // Send to every leader first, then read the answers: the brokers wait
  // for data (max_wait_ms) at the same time, not one after the other.
  std::vector<std::pair<int32_t, int16_t>> sent;
  for (const auto& [node, partitions] : by_leader) {
    auto broker = connect_to(node);
    if (!broker.is_ok()) {
      lost(node, broker.status());
      continue;
    }
    if ((*broker)->fetch_version < 0) {
      for (const SourcePartition& partition : partitions) {
        fail(partition, (*broker)->address, "the broker offers no Fetch version from v4 to v12");
      }
      continue;
    }
    Status status = (*broker)->connection->send(fetch_request(partitions), (*broker)->fetch_version);
    if (!status.is_ok()) {
      lost(node, status);
      continue;
    }
    sent.emplace_back(node, (*broker)->fetch_version);
  }
  for (const auto& [node, version] : sent) {
    Broker& broker = brokers_[node];
    if (!broker.connection) continue;
    auto answer = broker.connection->receive<FetchResponse>(version);
    if (!answer.is_ok()) {
      lost(node, answer.status());
      continue;
    }
    if (!broker.healthy) spdlog::info("native fetcher: broker {} ({}) answers again", node, broker.address);
    broker.healthy = true;
    take_answer(node, *answer);
  }
  return !sent.empty();
}

void NativeFetcher::Worker::take_answer(int32_t node, const FetchResponse& answer) {
  if (answer.error_code != 0) {
    // A request-level error (fetch sessions only, which are not used): retry.
    lost(node, Status::io_error("fetch answer: " + error_name(answer.error_code)));
    return;
  }
  for (const auto& topic : answer.responses) {
    for (const auto& data : topic.partitions) {
      SourcePartition partition{topic.topic, data.partition_index};
      auto position = positions_.find(partition);
      if (position == positions_.end() || position->second.failed) continue;
      take_partition(node, partition, data);
    }
  }
}

void NativeFetcher::Worker::take_partition(int32_t node, const SourcePartition& partition,
                                           const FetchResponse::PartitionData& data) {
  Position& position = positions_[partition];
  Broker& broker = brokers_[node];
  if (data.error_code == kOffsetOutOfRange) {
    // As librdkafka's auto.offset.reset=earliest: the offset is gone
    // (retention) or not there; read what the log has.
    Status reset = reset_to_earliest(broker, partition);
    if (!reset.is_ok()) lost(node, reset);
    return;
  }
  if (is_retriable(data.error_code)) {
    spdlog::debug("native fetcher: {} on broker {}: {}; refreshing metadata", partition_name(partition),
                  broker.address, error_name(data.error_code));
    metadata_stale_ = true;
    position.leader = -1;
    return;
  }
  if (data.error_code != 0) {
    fail(partition, broker.address, error_name(data.error_code));
    return;
  }
  owner_.set_high_watermark(partition, data.high_watermark);
  const int64_t fetch_offset = position.fetch_offset;
  static const std::vector<FetchResponse::AbortedTransaction> kNone;
  const auto* aborted = data.aborted_transactions ? &*data.aborted_transactions : &kNone;
  std::string_view records = data.records ? std::string_view(*data.records) : std::string_view();
  auto read = read_fetched_records(partition, records, fetch_offset, aborted);
  if (!read.is_ok()) {
    fail(partition, broker.address, read.status().to_string());
    return;
  }
  if (read->next_offset > fetch_offset) position.end_reported = false;
  position.fetch_offset = read->next_offset;
  FetchedChunk chunk;
  chunk.partition = partition;
  chunk.records = std::move(read->records);
  chunk.memory_bytes = read->memory_bytes;
  // read_committed reads up to the last stable offset; -1 from a broker
  // that does not know it.
  const int64_t end = data.last_stable_offset >= 0 ? data.last_stable_offset : data.high_watermark;
  if (position.fetch_offset >= end && !position.end_reported) {
    chunk.end_offset = end;
    position.end_reported = true;
  }
  if (!chunk.records.empty() || chunk.end_offset) owner_.push(std::move(chunk));
}

Status NativeFetcher::Worker::reset_to_earliest(Broker& broker, const SourcePartition& partition) {
  if (broker.list_offsets_version < 0) {
    fail(partition, broker.address, "OFFSET_OUT_OF_RANGE, and the broker offers no ListOffsets v1+ to reset it");
    return Status::ok();
  }
  kafka::ListOffsetsRequest request;
  request.replica_id = -1;
  request.isolation_level = kReadCommitted;
  auto& topic = request.topics.emplace_back();
  topic.name = partition.topic;
  auto& p = topic.partitions.emplace_back();
  p.partition_index = partition.partition;
  p.timestamp = kEarliestTimestamp;
  LOCH_ASSIGN_OR_RETURN(auto answer,
                        broker.connection->call<kafka::ListOffsetsResponse>(request, broker.list_offsets_version));
  for (const auto& t : answer.topics) {
    for (const auto& q : t.partitions) {
      if (t.name != partition.topic || q.partition_index != partition.partition) continue;
      if (q.error_code != 0) {
        if (!is_retriable(q.error_code)) {
          fail(partition, broker.address, "OFFSET_OUT_OF_RANGE, then ListOffsets: " + error_name(q.error_code));
        }
        metadata_stale_ = true;
        return Status::ok();
      }
      Position& position = positions_[partition];
      spdlog::info("native fetcher: {} offset {} is out of range on broker {}; reading from its earliest, {}",
                   partition_name(partition), position.fetch_offset, broker.address, q.offset);
      position.fetch_offset = q.offset;
      position.end_reported = false;
      return Status::ok();
    }
  }
  return Status::io_error("ListOffsets answer without " + partition_name(partition));
}

}  // namespace loch::source
