#include "process/source/kafka_source.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <chrono>

#include "common/ascii.h"
#include "process/source/native_fetcher.h"

namespace loch::source {
namespace {

using Clock = std::chrono::steady_clock;

using pipeline::partition_name;

Status set(rd_kafka_conf_t* conf, const std::string& name, const std::string& value) {
  char err[512];
  if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
    return Status::invalid_argument("source property " + name + "=" + value + ": " + err);
  }
  return Status::ok();
}

struct TopicPartitionList {
  rd_kafka_topic_partition_list_t* list;
  explicit TopicPartitionList(int size) : list(rd_kafka_topic_partition_list_new(size)) {}
  ~TopicPartitionList() { rd_kafka_topic_partition_list_destroy(list); }
  TopicPartitionList(const TopicPartitionList&) = delete;
  TopicPartitionList& operator=(const TopicPartitionList&) = delete;
};

// The native fetcher speaks plaintext only: TLS or SASL settings keep
// librdkafka's consumer, which implements them.
bool wants_native(const pipeline::SourceDefinition& definition, FetchClient client) {
  if (client != FetchClient::kAuto) return client == FetchClient::kNative;
  for (const auto& [name, value] : definition.properties) {
    if (name == "security.protocol" && ascii_lower(value) != "plaintext") return false;
    if (name.starts_with("sasl.") || name.starts_with("ssl.")) return false;
  }
  return true;
}

}  // namespace

KafkaSource::KafkaSource(pipeline::SourceDefinition definition, KafkaSourceOptions options, rd_kafka_s* consumer,
                         std::string bootstrap_servers, bool native)
    : definition_(std::move(definition)),
      options_(std::move(options)),
      consumer_(consumer),
      bootstrap_servers_(std::move(bootstrap_servers)),
      native_(native) {}

KafkaSource::~KafkaSource() {
  fetcher_.reset();  // its thread first: it reports to nothing else here
  rd_kafka_consumer_close(consumer_);
  rd_kafka_destroy(consumer_);
}

Result<std::unique_ptr<KafkaSource>> KafkaSource::open(const pipeline::SourceDefinition& definition,
                                                        const KafkaSourceOptions& options) {
  std::string bootstrap =
      definition.bootstrap_servers.empty() ? options.default_bootstrap_servers : definition.bootstrap_servers;
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  auto configure = [&]() -> Status {
    LOCH_RETURN_IF_ERROR(set(conf, "bootstrap.servers", bootstrap));
    // librdkafka 2.0's consumer stops fetching once queued.min.messages
    // (100k) wait in its queue and sleeps until its broker thread next wakes,
    // so a backlog drained by micro-batches read in bursts and idled in
    // between (half the wall time of a bronze run). Memory stays bounded by
    // queued.max.messages.kbytes. A user property still overrides this.
    LOCH_RETURN_IF_ERROR(set(conf, "queued.min.messages", "1000000"));
    // Its byte cap (64 MB by default) is reached first by records of a few
    // hundred bytes, with the same bursts: 256 MB kept a 2.5M-record bronze
    // backlog fetching while micro-batches were written (batches 1-41 in
    // 1.7-2.0 s instead of 3.2-3.9 s).
    LOCH_RETURN_IF_ERROR(set(conf, "queued.max.messages.kbytes", "262144"));
    // User properties first, so that the settings exactly-once depends on win.
    for (const auto& [name, value] : definition.properties) LOCH_RETURN_IF_ERROR(set(conf, name, value));
    // librdkafka's consumer needs a group.id even in assign mode; the group is
    // never joined and nothing is committed to it (enable.auto.commit false,
    // no commit calls), so its name only shows up in the broker's logs.
    LOCH_RETURN_IF_ERROR(set(conf, "group.id", options.assign_group_id));
    LOCH_RETURN_IF_ERROR(set(conf, "enable.auto.commit", "false"));
    LOCH_RETURN_IF_ERROR(set(conf, "enable.auto.offset.store", "false"));
    LOCH_RETURN_IF_ERROR(set(conf, "enable.partition.eof", "true"));
    LOCH_RETURN_IF_ERROR(set(conf, "isolation.level", "read_committed"));
    // Only when an assigned offset is no longer in the log (retention): start
    // from what is left rather than skip to the end.
    LOCH_RETURN_IF_ERROR(set(conf, "auto.offset.reset", "earliest"));
    return Status::ok();
  };
  Status configured = configure();
  if (!configured.is_ok()) {
    rd_kafka_conf_destroy(conf);
    return configured;
  }
  char err[512];
  rd_kafka_t* consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (consumer == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Status::invalid_argument(std::string("kafka consumer for ") + bootstrap + ": " + err);
  }
  // Messages and errors arrive through rd_kafka_consumer_poll.
  rd_kafka_poll_set_consumer(consumer);
  const bool native = wants_native(definition, options.fetch_client);
  if (native) {
    // Refuse a bad fetch setting now, not at assign.
    auto fetcher_options = NativeFetcherOptions::from_properties(bootstrap, definition.properties);
    if (!fetcher_options.is_ok()) {
      rd_kafka_destroy(consumer);
      return fetcher_options.status();
    }
  }
  return std::unique_ptr<KafkaSource>(new KafkaSource(definition, options, consumer, bootstrap, native));
}

Result<std::vector<SourcePartition>> KafkaSource::partitions() {
  std::vector<SourcePartition> out;
  for (const std::string& topic : definition_.topics) {
    rd_kafka_topic_t* handle = rd_kafka_topic_new(consumer_, topic.c_str(), nullptr);
    const rd_kafka_metadata_t* metadata = nullptr;
    rd_kafka_resp_err_t error = rd_kafka_metadata(consumer_, 0, handle, &metadata, options_.request_timeout_ms);
    rd_kafka_topic_destroy(handle);
    if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Status::io_error("metadata of topic " + topic + " from " + bootstrap_servers_ + ": " +
                              rd_kafka_err2str(error));
    }
    Status status;
    if (metadata->topic_cnt != 1 || metadata->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_resp_err_t topic_error =
          metadata->topic_cnt == 1 ? metadata->topics[0].err : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
      status = Status::not_found("topic " + topic + " on " + bootstrap_servers_ + ": " + rd_kafka_err2str(topic_error));
    } else {
      for (int i = 0; i < metadata->topics[0].partition_cnt; ++i) {
        out.push_back({topic, metadata->topics[0].partitions[i].id});
      }
    }
    rd_kafka_metadata_destroy(metadata);
    LOCH_RETURN_IF_ERROR(status);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Status KafkaSource::assign(const std::map<SourcePartition, int64_t>& next_offsets,
                           const std::map<SourcePartition, int64_t>& stop_at) {
  LOCH_ASSIGN_OR_RETURN(std::vector<SourcePartition> all, partitions());
  for (const auto& [partition, offset] : next_offsets) {
    if (std::find(all.begin(), all.end(), partition) == all.end()) {
      return Status::not_found("partition " + partition_name(partition) + " (the sink table has offset " +
                               std::to_string(offset) + " for it) is not on " + bootstrap_servers_);
    }
  }
  progress_.clear();
  fetcher_.reset();
  TopicPartitionList list(static_cast<int>(all.size()));
  std::map<SourcePartition, int64_t> fetch_from;
  for (const SourcePartition& partition : all) {
    int64_t low = 0, high = 0;
    rd_kafka_resp_err_t error = rd_kafka_query_watermark_offsets(
        consumer_, partition.topic.c_str(), partition.partition, &low, &high, options_.request_timeout_ms);
    if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Status::io_error("offsets of " + partition_name(partition) + " on " + bootstrap_servers_ + ": " +
                              rd_kafka_err2str(error));
    }
    PartitionProgress progress;
    auto given = next_offsets.find(partition);
    if (given != next_offsets.end()) {
      progress.next_offset = given->second;
    } else {
      progress.next_offset =
          definition_.starting_offsets == pipeline::SourceDefinition::StartingOffsets::kEarliest ? low : high;
    }
    progress.end_at_assign = high;
    if (auto stop = stop_at.find(partition); stop != stop_at.end()) {
      progress.stop_at = stop->second;
      progress.end_at_assign = std::min(high, stop->second);
    }
    progress_[partition] = progress;
    // A partition already at its stop offset is not read at all.
    if (progress.stop_at && progress.next_offset >= *progress.stop_at) continue;
    rd_kafka_topic_partition_list_add(list.list, partition.topic.c_str(), partition.partition)->offset =
        progress.next_offset;
    fetch_from[partition] = progress.next_offset;
  }
  if (native_) {
    LOCH_ASSIGN_OR_RETURN(NativeFetcherOptions fetcher_options,
                          NativeFetcherOptions::from_properties(bootstrap_servers_, definition_.properties));
    LOCH_ASSIGN_OR_RETURN(fetcher_, NativeFetcher::start(std::move(fetcher_options), fetch_from));
    return Status::ok();
  }
  rd_kafka_resp_err_t error = rd_kafka_assign(consumer_, list.list);
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::io_error("assigning partitions on " + bootstrap_servers_ + ": " + rd_kafka_err2str(error));
  }
  return Status::ok();
}

std::map<SourcePartition, int64_t> KafkaSource::high_watermarks() const {
  std::map<SourcePartition, int64_t> out;
  if (fetcher_) {
    std::map<SourcePartition, int64_t> fetched = fetcher_->high_watermarks();
    for (const auto& [partition, progress] : progress_) {
      auto seen = fetched.find(partition);
      out[partition] = std::max(seen == fetched.end() ? -1 : seen->second, progress.end_at_assign);
    }
    return out;
  }
  for (const auto& [partition, progress] : progress_) {
    int64_t low = -1, high = -1;
    rd_kafka_get_watermark_offsets(consumer_, partition.topic.c_str(), partition.partition, &low, &high);
    out[partition] = std::max(high, progress.end_at_assign);
  }
  return out;
}

void KafkaSource::pause(const SourcePartition& partition) {
  if (fetcher_) {
    fetcher_->pause(partition);
    return;
  }
  TopicPartitionList list(1);
  rd_kafka_topic_partition_list_add(list.list, partition.topic.c_str(), partition.partition);
  // Records already fetched still arrive and are dropped by take().
  rd_kafka_pause_partitions(consumer_, list.list);
}

bool KafkaSource::caught_up() const {
  for (const auto& [partition, progress] : progress_) {
    if (!progress.at_end && progress.next_offset < progress.end_at_assign) return false;
  }
  return true;
}

void KafkaSource::take_record(MicroBatch& batch, SourceRecord record) {
  auto progress = progress_.find(record.source);
  if (progress == progress_.end()) return;  // not ours (cannot happen in assign mode)
  if (progress->second.stop_at && record.offset >= *progress->second.stop_at) {
    // Past the range: every offset before it has been read.
    if (!progress->second.at_end) pause(record.source);
    progress->second.at_end = true;
    progress->second.next_offset = std::max(progress->second.next_offset, *progress->second.stop_at);
    return;
  }
  progress->second.next_offset = record.offset + 1;
  progress->second.at_end = false;
  batch.records.push_back(std::move(record));
}

void KafkaSource::take_end(const SourcePartition& partition, int64_t end_offset) {
  auto progress = progress_.find(partition);
  if (progress == progress_.end()) return;
  // read_committed reports the end at the last stable offset: below the
  // high watermark seen at assign while a transaction is still open,
  // and that is not yet the end available-now waits for.
  if (end_offset < progress->second.end_at_assign) return;
  progress->second.at_end = true;
  // The end may be past next_offset after aborted transactions' records and markers.
  int64_t end = end_offset;
  if (progress->second.stop_at) end = std::min(end, *progress->second.stop_at);
  progress->second.next_offset = std::max(progress->second.next_offset, end);
}

Result<size_t> KafkaSource::take_fetched(MicroBatch& batch, size_t room, int wait_ms) {
  return fetcher_ ? take_from_native_fetcher(batch, room, wait_ms) : take_from_librdkafka(batch, room, wait_ms);
}

Result<size_t> KafkaSource::take_from_native_fetcher(MicroBatch& batch, size_t room, int wait_ms) {
  std::vector<FetchedChunk> chunks;
  LOCH_RETURN_IF_ERROR(fetcher_->poll(std::chrono::milliseconds(wait_ms), room, chunks));
  for (FetchedChunk& chunk : chunks) {
    auto progress = progress_.find(chunk.partition);
    const bool all_in_range = !chunk.records.empty() && progress != progress_.end() &&
                              (!progress->second.stop_at || chunk.records.back().offset < *progress->second.stop_at);
    if (all_in_range) {
      // Every record is taken: the vector moves whole (a record at a time
      // was a tenth of the pipeline thread's time at 2.5M records).
      progress->second.next_offset = chunk.records.back().offset + 1;
      progress->second.at_end = false;
      if (batch.records.empty()) {
        batch.records = std::move(chunk.records);
      } else {
        batch.records.insert(batch.records.end(), std::make_move_iterator(chunk.records.begin()),
                             std::make_move_iterator(chunk.records.end()));
      }
    } else {
      for (SourceRecord& record : chunk.records) take_record(batch, std::move(record));
    }
    if (chunk.end_offset) take_end(chunk.partition, *chunk.end_offset);
  }
  return chunks.size();
}

Result<size_t> KafkaSource::take_from_librdkafka(MicroBatch& batch, size_t room, int wait_ms) {
  // One message into the batch (a record, a partition's end, or a client event).
  auto take = [&](rd_kafka_message_t* message) -> Status {
    if (message->rkt == nullptr) {
      // A client-level event (a broker down, being retried): only fatal ones end the batch.
      char reason[512];
      if (rd_kafka_fatal_error(consumer_, reason, sizeof reason) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return Status::io_error("kafka consumer on " + bootstrap_servers_ + ": " + reason);
      }
      return Status::ok();
    }
    SourcePartition partition{rd_kafka_topic_name(message->rkt), message->partition};
    if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      take_end(partition, message->offset);
      return Status::ok();
    }
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Status::io_error("reading " + partition_name(partition) + " on " + bootstrap_servers_ + ": " +
                              rd_kafka_message_errstr(message));
    }
    SourceRecord record;
    record.source = std::move(partition);
    record.offset = message->offset;
    rd_kafka_timestamp_type_t timestamp_type;
    record.timestamp_ms = rd_kafka_message_timestamp(message, &timestamp_type);
    if (message->key != nullptr) record.key.emplace(static_cast<const char*>(message->key), message->key_len);
    if (message->payload != nullptr) {
      record.value.emplace(static_cast<const char*>(message->payload), message->len);
    }
    rd_kafka_headers_t* headers = nullptr;
    if (rd_kafka_message_headers(message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* name = nullptr;
      const void* value = nullptr;
      size_t size = 0;
      for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
        std::optional<std::string> header_value;
        if (value != nullptr) header_value.emplace(static_cast<const char*>(value), size);
        record.headers.emplace_back(name, std::move(header_value));
      }
    }
    take_record(batch, std::move(record));
    return Status::ok();
  };
  if (wait_ms > 0) {
    rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer_, wait_ms);
    if (message == nullptr) return size_t{0};
    std::unique_ptr<rd_kafka_message_t, decltype(&rd_kafka_message_destroy)> owned(message, rd_kafka_message_destroy);
    LOCH_RETURN_IF_ERROR(take(message));
    return size_t{1};
  }
  // Messages already fetched are taken in bulk: a poll per message cost a
  // lock and a clock read each, a tenth of a bronze run's CPU time.
  constexpr size_t kBulk = 1024;
  rd_kafka_message_t* bulk[kBulk];
  std::unique_ptr<rd_kafka_queue_t, decltype(&rd_kafka_queue_destroy)> queue(rd_kafka_queue_get_consumer(consumer_),
                                                                             rd_kafka_queue_destroy);
  // Timeout 0: what is queued now, without waiting to fill the array.
  ssize_t count = rd_kafka_consume_batch_queue(queue.get(), 0, bulk, std::min(room, kBulk));
  Status status;
  for (ssize_t i = 0; i < count; ++i) {
    if (status.is_ok()) status = take(bulk[i]);
    rd_kafka_message_destroy(bulk[i]);
  }
  LOCH_RETURN_IF_ERROR(status);
  return static_cast<size_t>(std::max<ssize_t>(count, 0));
}

Result<MicroBatch> KafkaSource::next_batch() {
  if (progress_.empty()) return Status::internal("KafkaSource::next_batch before assign");
  MicroBatch batch;
  auto deadline = Clock::now() + std::chrono::milliseconds(definition_.max_batch_ms);
  while (static_cast<int64_t>(batch.records.size()) < definition_.max_batch_records) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) break;
    // Never more records than the batch has room for.
    const auto room = static_cast<size_t>(definition_.max_batch_records - static_cast<int64_t>(batch.records.size()));
    // First what is fetched already, without waiting.
    LOCH_ASSIGN_OR_RETURN(size_t taken, take_fetched(batch, room, 0));
    if (taken > 0) continue;
    // Once caught up with records in hand, take only what is already queued:
    // waiting out the timeout for nothing cost every available-now run 100 ms.
    if (!batch.records.empty() && caught_up()) break;
    LOCH_ASSIGN_OR_RETURN(taken, take_fetched(batch, room, static_cast<int>(std::min<int64_t>(left, 100))));
    // Nothing more for now: once everything there was at assign is read,
    // the batch ends here (an available-now run need not wait, and a
    // continuous one passes on what it has). Before that, keep waiting
    // (a broker may be slow to answer). Ending the batch at the first
    // record after catching up would hand interval and continuous runs
    // one record per batch.
    if (taken == 0 && caught_up()) break;
  }
  for (const auto& [partition, progress] : progress_) {
    batch.next_offsets[partition] = progress.next_offset;
    if (progress.at_end || progress.next_offset >= progress.end_at_assign) batch.ended.insert(partition);
  }
  batch.caught_up = caught_up();
  return batch;
}

}  // namespace loch::source
