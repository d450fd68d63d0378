#include <chrono>

#include <spdlog/spdlog.h>

#include "collect/kafka/broker/broker.h"
#include "collect/kafka/broker/kafka_errors.h"
#include "collect/kafka/broker/request_decoding.h"
#include "collect/kafka/protocol/messages/fetch_request.h"
#include "collect/kafka/protocol/messages/fetch_response.h"

namespace loch::kafka {
namespace {

// read_committed: keeps the whole batches that start below the last stable
// offset (a transaction's batches are never cut: the LSO falls between batches).
void keep_below(std::string& records, int64_t last_stable_offset) {
  size_t keep = 0;
  while (records.size() - keep >= RecordBatchHeader::kSize) {
    auto header = RecordBatchHeader::parse(std::string_view(records).substr(keep));
    if (!header.is_ok() || header->base_offset >= last_stable_offset) break;
    keep += std::min(header->total_size(), records.size() - keep);
  }
  records.resize(keep);
}

// Reads every requested partition once, within the request's byte limits.
// Like Kafka (KIP-74), the first non-empty partition may exceed max_bytes so
// that a consumer is never stuck behind a batch larger than its limit.
FetchResponse read_partitions(Broker& broker, const FetchRequest& request, size_t& total_bytes) {
  FetchResponse response;
  total_bytes = 0;
  const size_t max_bytes = request.max_bytes > 0 ? static_cast<size_t>(request.max_bytes) : SIZE_MAX;
  for (const auto& topic : request.topics) {
    FetchResponse::FetchableTopicResponse topic_response;
    topic_response.topic = topic.topic;
    topic_response.topic_id = topic.topic_id;
    for (const auto& wanted : topic.partitions) {
      FetchResponse::PartitionData data;
      data.partition_index = wanted.partition;
      data.records = std::string();
      auto log = broker.logs().partition(topic.topic, PartitionId(wanted.partition));
      if (!log) {
        data.error_code = wire(KafkaError::kUnknownTopicOrPartition);
        topic_response.partitions.push_back(std::move(data));
        continue;
      }
      size_t budget = std::min<size_t>(wanted.partition_max_bytes > 0 ? wanted.partition_max_bytes : 1,
                                       total_bytes >= max_bytes ? 0 : max_bytes - total_bytes);
      data.high_watermark = log->high_watermark().value();
      data.last_stable_offset = data.high_watermark;
      data.log_start_offset = log->log_start_offset().value();
      if (budget > 0 || total_bytes == 0) {
        // The view first: a transaction committed between it and the read
        // shows as still open, never the other way round.
        txn::StableView stable =
            broker.producer_states().stable_view(topic.topic, wanted.partition, log, wanted.fetch_offset);
        auto read = log->read(Offset(wanted.fetch_offset), std::max<size_t>(budget, 1));
        if (read.is_ok()) {
          data.high_watermark = read->high_watermark.value();
          data.last_stable_offset = stable.last_stable_offset;
          data.log_start_offset = read->log_start_offset.value();
          if (request.isolation_level == 1) {
            keep_below(read->bytes, stable.last_stable_offset);
            std::vector<FetchResponse::AbortedTransaction> aborted;
            for (const txn::AbortedTxn& a : stable.aborted) {
              FetchResponse::AbortedTransaction entry;
              entry.producer_id = a.producer_id;
              entry.first_offset = a.first_offset;
              aborted.push_back(entry);
            }
            data.aborted_transactions = std::move(aborted);
          }
          total_bytes += read->bytes.size();
          data.records = std::move(read->bytes);
        } else if (read.status().code() == StatusCode::kNotFound) {
          data.error_code = wire(KafkaError::kOffsetOutOfRange);
        } else {
          data.error_code = wire(KafkaError::kKafkaStorageError);
          spdlog::error("kafka: fetch {}-{} at {}: {}", topic.topic, wanted.partition, wanted.fetch_offset,
                        read.status().message());
        }
      }
      topic_response.partitions.push_back(std::move(data));
    }
    response.responses.push_back(std::move(topic_response));
  }
  return response;
}

}  // namespace

boost::asio::awaitable<HandlerReply> handle_fetch(Broker& broker, const RequestFrame& frame) {
  auto request = decode_body_or_log<FetchRequest>(frame);
  if (!request) co_return HandlerReply::close();

  // Fetch sessions (KIP-227): the broker may decline to create one by
  // answering session id 0, and the client then sends full requests. An
  // incremental request for a session loch never created is refused.
  if (request->session_id != 0 && request->session_epoch > 0) {
    FetchResponse refused;
    refused.error_code = 70;  // FETCH_SESSION_ID_NOT_FOUND
    co_return reply_with(frame, refused);
  }

  const int32_t wait_ms = std::clamp(request->max_wait_ms, 0, broker.options().max_fetch_wait_ms);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  const size_t min_bytes = static_cast<size_t>(std::max(0, request->min_bytes));  // 0: answer at once
  for (;;) {
    uint64_t generation = broker.data_arrived().generation();
    size_t total_bytes = 0;
    FetchResponse response = read_partitions(broker, *request, total_bytes);
    bool has_error = false;
    for (const auto& topic : response.responses) {
      for (const auto& partition : topic.partitions) has_error = has_error || partition.error_code != 0;
    }
    // Long poll: answer at once when there is enough data or an error to
    // report, else wait for an append or the deadline.
    if (total_bytes >= min_bytes || has_error || std::chrono::steady_clock::now() >= deadline) {
      co_return reply_with(frame, response);
    }
    co_await broker.data_arrived().wait(generation, deadline);
  }
}

}  // namespace loch::kafka
