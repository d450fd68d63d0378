#include <chrono>
#include <optional>
#include <vector>

#include <spdlog/spdlog.h>

#include "collect/kafka/broker/broker.h"
#include "collect/kafka/broker/fetch_sessions.h"
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

// A Fetch response whose records are still on disk: `plans` holds, in the
// order the response encodes its partitions, the batches each partition
// returns (nullopt where the records are already in the response, as for
// read_committed cuts and errors).
struct PlannedFetch {
  FetchResponse response;
  std::vector<std::optional<ReadPlan>> plans;
  size_t total_bytes = 0;
  bool has_error = false;
};

// Plans the read of every requested partition once, within the request's
// byte limits. Like Kafka (KIP-74), the first non-empty partition may exceed
// max_bytes so that a consumer is never stuck behind a batch larger than its
// limit.
PlannedFetch plan_partitions(Broker& broker, const FetchRequest& request) {
  PlannedFetch planned;
  size_t& total_bytes = planned.total_bytes;
  const size_t max_bytes = request.max_bytes > 0 ? static_cast<size_t>(request.max_bytes) : SIZE_MAX;
  for (const auto& topic : request.topics) {
    FetchResponse::FetchableTopicResponse topic_response;
    topic_response.topic = topic.topic;
    topic_response.topic_id = topic.topic_id;
    for (const auto& wanted : topic.partitions) {
      FetchResponse::PartitionData data;
      data.partition_index = wanted.partition;
      data.records = std::string();
      std::optional<ReadPlan> plan;
      auto log = broker.logs().partition(topic.topic, PartitionId(wanted.partition));
      if (!log) {
        data.error_code = wire(KafkaError::kUnknownTopicOrPartition);
        planned.has_error = true;
        topic_response.partitions.push_back(std::move(data));
        planned.plans.push_back(std::nullopt);
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
        const bool read_committed = request.isolation_level == 1;
        auto read = log->plan_read(Offset(wanted.fetch_offset), std::max<size_t>(budget, 1));
        if (read.is_ok() && read_committed && stable.last_stable_offset < read->high_watermark.value()) {
          // Batches at or past the last stable offset are cut off: they are
          // read here, then cut (rare: only while transactions are open).
          auto bytes = log->read(Offset(wanted.fetch_offset), std::max<size_t>(budget, 1));
          if (bytes.is_ok()) {
            keep_below(bytes->bytes, stable.last_stable_offset);
            if (total_bytes > 0 && bytes->bytes.size() > budget) bytes->bytes.clear();
            read->high_watermark = bytes->high_watermark;
            read->log_start_offset = bytes->log_start_offset;
            total_bytes += bytes->bytes.size();
            data.records = std::move(bytes->bytes);
          } else {
            read = bytes.status();
          }
        } else if (read.is_ok()) {
          if (total_bytes > 0 && read->size > budget) {
            // Only the first partition with data may exceed the limits.
            read->pieces.clear();
            read->size = 0;
          }
          total_bytes += read->size;
          plan = *read;
        }
        if (read.is_ok()) {
          data.high_watermark = read->high_watermark.value();
          data.last_stable_offset = stable.last_stable_offset;
          data.log_start_offset = read->log_start_offset.value();
          if (read_committed) {
            std::vector<FetchResponse::AbortedTransaction> aborted;
            for (const txn::AbortedTxn& a : stable.aborted) {
              FetchResponse::AbortedTransaction entry;
              entry.producer_id = a.producer_id;
              entry.first_offset = a.first_offset;
              aborted.push_back(entry);
            }
            data.aborted_transactions = std::move(aborted);
          }
        } else if (read.status().code() == StatusCode::kNotFound) {
          data.error_code = wire(KafkaError::kOffsetOutOfRange);
          planned.has_error = true;
        } else {
          data.error_code = wire(KafkaError::kKafkaStorageError);
          planned.has_error = true;
          spdlog::error("kafka: fetch {}-{} at {}: {}", topic.topic, wanted.partition, wanted.fetch_offset,
                        read.status().message());
        }
      }
      topic_response.partitions.push_back(std::move(data));
      planned.plans.push_back(std::move(plan));
    }
    planned.response.responses.push_back(std::move(topic_response));
  }
  return planned;
}

// Tells the session what this response says, and drops from an incremental
// response the partitions with nothing new for its client.
void keep_what_the_session_must_see(FetchSessionCache& sessions, const FetchSessionStart& session,
                                    PlannedFetch& planned) {
  planned.response.session_id = session.session_id;
  if (session.session_id == 0) return;
  std::vector<size_t> records_bytes;
  size_t index = 0;
  for (const auto& topic : planned.response.responses) {
    for (const auto& partition : topic.partitions) {
      const auto& plan = planned.plans[index++];
      records_bytes.push_back(plan ? plan->size : partition.records ? partition.records->size() : 0);
    }
  }
  const std::vector<bool> keep = sessions.respond(session, planned.response, records_bytes);
  if (!session.incremental) return;
  std::vector<FetchResponse::FetchableTopicResponse> topics;
  std::vector<std::optional<ReadPlan>> plans;
  index = 0;
  for (auto& topic : planned.response.responses) {
    std::vector<FetchResponse::PartitionData> partitions;
    for (auto& partition : topic.partitions) {
      if (keep[index]) {
        partitions.push_back(std::move(partition));
        plans.push_back(std::move(planned.plans[index]));
      }
      ++index;
    }
    if (partitions.empty()) continue;
    topic.partitions = std::move(partitions);
    topics.push_back(std::move(topic));
  }
  planned.response.responses = std::move(topics);
  planned.plans = std::move(plans);
}

// Encodes the response with room left for each planned partition's records,
// then reads them from the segment files straight into that room: the
// records are copied once, from the page cache into the frame the socket
// sends. A partition whose read fails there is answered with
// KAFKA_STORAGE_ERROR and no records.
HandlerReply reply_with_records(const RequestFrame& frame, PlannedFetch& planned) {
  for (;;) {
    RecordsReservations reservations;
    size_t reserve = 256 + planned.total_bytes;
    for (const auto& plan : planned.plans) {
      reservations.sizes.push_back(plan ? std::optional<size_t>(plan->size) : std::nullopt);
    }
    for (const auto& topic : planned.response.responses) {
      reserve += 64 + topic.topic.size() + 96 * topic.partitions.size();
    }
    std::string out;
    out.reserve(reserve);
    append_response_frame(frame.correlation_id(), frame.api_version(), planned.response, out, &reservations);
    if (reservations.positions.size() != reservations.sizes.size()) {
      spdlog::error("kafka: fetch response encoded {} records fields for {} partitions",
                    reservations.positions.size(), reservations.sizes.size());
      return HandlerReply::close();
    }
    bool failed = false;
    size_t index = 0;
    for (auto& topic : planned.response.responses) {
      for (auto& partition : topic.partitions) {
        std::optional<ReadPlan>& plan = planned.plans[index];
        const size_t position = reservations.positions[index++];
        if (!plan) continue;
        Status status = plan->read_into(out.data() + position);
        if (!status.is_ok()) {
          spdlog::error("kafka: fetch {}-{}: {}", topic.topic, partition.partition_index, status.message());
          partition.error_code = wire(KafkaError::kKafkaStorageError);
          plan.reset();
          failed = true;
        }
      }
    }
    if (!failed) return HandlerReply::respond(std::move(out));
  }
}

}  // namespace

boost::asio::awaitable<HandlerReply> handle_fetch(Broker& broker, const RequestFrame& frame) {
  auto request = decode_body_or_log<FetchRequest>(frame);
  if (!request) co_return HandlerReply::close();

  // Fetch sessions (fetch_sessions.h): an incremental request is rewritten
  // to every partition of its session here.
  const FetchSessionStart session = broker.fetch_sessions().start(*request);
  if (session.error_code != 0) {
    FetchResponse refused;
    refused.error_code = session.error_code;
    co_return reply_with(frame, refused);
  }

  const int32_t wait_ms = std::clamp(request->max_wait_ms, 0, broker.options().max_fetch_wait_ms);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  const size_t min_bytes = static_cast<size_t>(std::max(0, request->min_bytes));  // 0: answer at once
  for (;;) {
    uint64_t generation = broker.data_arrived().generation();
    PlannedFetch planned = plan_partitions(broker, *request);
    // Long poll: answer at once when there is enough data or an error to
    // report, else wait for an append or the deadline.
    if (planned.total_bytes >= min_bytes || planned.has_error || std::chrono::steady_clock::now() >= deadline) {
      keep_what_the_session_must_see(broker.fetch_sessions(), session, planned);
      co_return reply_with_records(frame, planned);
    }
    co_await broker.data_arrived().wait(generation, deadline);
  }
}

}  // namespace loch::kafka
