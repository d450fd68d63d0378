#include <algorithm>
#include <memory>
#include <vector>

#include <spdlog/spdlog.h>

#include "collect/kafka/broker/broker.h"
#include "collect/kafka/broker/contract_step.h"
#include "collect/kafka/broker/kafka_errors.h"
#include "collect/kafka/broker/producer_refusal.h"
#include "collect/kafka/broker/request_decoding.h"
#include "collect/kafka/protocol/messages/produce_request.h"
#include "collect/kafka/protocol/messages/produce_response.h"

namespace loch::kafka {
namespace {

using PartitionResponse = ProduceResponse::PartitionProduceResponse;

// The record set of one partition may hold several batches back to back
// (doc/kafka-log-format.md): each is baseOffset (8) + batchLength (4) +
// batchLength bytes.
Result<std::vector<std::string_view>> split_batches(std::string_view records) {
  std::vector<std::string_view> batches;
  while (!records.empty()) {
    if (records.size() < 12) {
      return Status::corruption("record set ends with " + std::to_string(records.size()) +
                                " bytes, too few for a batch header");
    }
    auto* p = reinterpret_cast<const unsigned char*>(records.data()) + 8;
    int32_t length = static_cast<int32_t>((uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3]);
    if (length < 0 || static_cast<size_t>(length) > records.size() - 12) {
      return Status::corruption("batch length " + std::to_string(length) + " runs past the " +
                                std::to_string(records.size()) + " bytes of the record set");
    }
    batches.push_back(records.substr(0, 12 + static_cast<size_t>(length)));
    records.remove_prefix(12 + static_cast<size_t>(length));
  }
  return batches;
}

// What an answer waits for: `log` on disk below `end`.
struct DiskWait {
  std::shared_ptr<PartitionLog> log;
  int64_t end = -1;
};

// Appends without waiting for the disk; under acks=all (and the default
// flush.policy) `on_disk` receives what the answer must wait for: the
// partition's log (which also covers a retried batch whose original may not
// be on disk yet) and the dead-letter topic's, when the contract diverted
// records there.
PartitionResponse append_partition(Broker& broker, const std::string& topic, int32_t index,
                                   const std::optional<std::string>& records, Durability durability,
                                   std::vector<DiskWait>& on_disk) {
  PartitionResponse out;
  out.index = index;
  auto log = broker.logs().partition(topic, PartitionId(index));
  if (!log) {
    out.error_code = wire(KafkaError::kUnknownTopicOrPartition);
    return out;
  }
  auto batches = split_batches(records ? std::string_view(*records) : std::string_view());
  Status status = batches.status();
  bool first = true;
  int64_t appended_end = -1;  // one past the last offset appended (or answered as a duplicate)
  std::optional<KafkaError> refusal;
  // Dead letters appended for this partition's batches: an acks=all answer
  // waits for them as for the batches (one fsync through the last of them).
  DiskWait dead_letters;
  auto note_dead_letters = [&dead_letters](const DeadLettersWritten& written) {
    if (!written.log) return;
    if (dead_letters.log && dead_letters.log != written.log) return;  // one dead-letter topic per topic
    dead_letters.log = written.log;
    dead_letters.end = std::max(dead_letters.end, written.end);
  };
  if (status.is_ok()) {
    for (std::string_view batch : *batches) {
      // The topic's data contract (contract_step.h) may refuse the batch,
      // or divert bad records to <topic>.dlq and leave the rest to append.
      ContractDecision decision;
      ContractStep step = apply_record_contract(broker, topic, index, batch, decision, out);
      if (step == ContractStep::kRefused) return out;
      if (step == ContractStep::kSkip) {
        if (decision.write_dead_letters) status = decision.write_dead_letters();
        if (!status.is_ok()) break;
        note_dead_letters(*decision.dead_letters_written);
        continue;
      }
      // Through the producer state: sequence checks and de-duplication for
      // idempotent and transactional producers (txn/producer_states.h); the
      // dead letters are written only for a batch that is not a retry.
      txn::BatchRewrite rewrite;
      rewrite.gaps = decision.keeps_offset_range ? OffsetGaps::kAllowed : OffsetGaps::kRefused;
      rewrite.before_append = std::move(decision.write_dead_letters);
      auto appended = broker.producer_states().append(topic, index, log, batch, Durability::kNoWait, rewrite);
      note_dead_letters(*decision.dead_letters_written);
      refusal = producer_refusal(appended.verdict);
      if (!appended.status.is_ok() || refusal) {
        status = refusal ? Status::invalid_argument(appended.message) : appended.status;
        break;
      }
      if (first) out.base_offset = appended.result.base_offset.value();
      out.log_start_offset = appended.result.log_start_offset.value();
      appended_end = std::max(appended_end, appended.result.last_offset.value() + 1);
      first = false;
    }
  }
  // acks=all under flush.policy=every-batch: answered only once an fsync
  // that began after the append has returned (LogSyncer); under interval
  // the batch is on disk at the next interval flush, as for acks=1.
  if (durability == Durability::kSyncBeforeReturn) {
    if (status.is_ok() && appended_end >= 0 && log->flush_policy() == FlushPolicy::kEveryBatch) {
      on_disk.push_back(DiskWait{log, appended_end});
    }
    // Written dead letters are waited for even when the batch after them
    // failed: the answer must not come before records it diverted are durable.
    if (dead_letters.log && dead_letters.log->flush_policy() == FlushPolicy::kEveryBatch) {
      on_disk.push_back(dead_letters);
    }
  }
  if (!status.is_ok()) {
    // Batches before the failing one stay appended, as in Kafka; the error
    // tells the producer the request as a whole did not succeed.
    out.error_code = wire(refusal.value_or(produce_error_for(status)));
    out.error_message = status.message();
    spdlog::info("kafka: produce to {}-{} refused: {}", topic, index, status.message());
  }
  return out;
}

// Where a partition's answer is in the response, and what it waits for.
struct PendingSync {
  size_t topic;
  size_t partition;
  DiskWait on_disk;
};

// The answer of an acks=all produce, once its batches are on disk: a failed
// fsync turns the partitions it covered into KAFKA_STORAGE_ERROR. The fsyncs
// are asked for here, when the connection's writer gets to this answer,
// which it does once the requests already received behind it are appended
// (kafka_server.h): one fsync then covers them all.
boost::asio::awaitable<HandlerReply> answer_when_on_disk(std::shared_ptr<ProduceResponse> response,
                                                         std::vector<PendingSync> pending, int32_t correlation_id,
                                                         int16_t version, LogSyncer* syncer) {
  std::vector<std::shared_ptr<SyncTicket>> tickets;
  for (const PendingSync& sync : pending) tickets.push_back(syncer->sync(sync.on_disk.log, sync.on_disk.end));
  for (size_t i = 0; i < pending.size(); ++i) {
    const PendingSync& sync = pending[i];
    Status status = co_await tickets[i]->wait();
    if (status.is_ok()) continue;
    auto& answer = response->responses[sync.topic].partition_responses[sync.partition];
    answer.error_code = wire(KafkaError::kKafkaStorageError);
    answer.error_message = status.message();
  }
  std::string out;
  append_response_frame(correlation_id, version, *response, out);
  co_return HandlerReply::respond(std::move(out));
}

}  // namespace

HandlerReply handle_produce(Broker& broker, const RequestFrame& frame) {
  auto request = decode_body_or_log<ProduceRequest>(frame);
  if (!request) return HandlerReply::close();

  ProduceResponse response;
  bool valid_acks = request->acks == 0 || request->acks == 1 || request->acks == -1;
  // acks=all waits for fdatasync before the answer: the acknowledgement is
  // the promise that the batch survives kill -9 (PartitionLog::append).
  Durability durability = request->acks == -1 ? Durability::kSyncBeforeReturn : Durability::kNoWait;
  bool appended_any = false;
  std::vector<PendingSync> pending;
  for (const auto& topic : request->topic_data) {
    ProduceResponse::TopicProduceResponse topic_response;
    topic_response.name = topic.name;
    for (const auto& partition : topic.partition_data) {
      if (!valid_acks) {
        PartitionResponse refused;
        refused.index = partition.index;
        refused.error_code = wire(KafkaError::kInvalidRequiredAcks);
        topic_response.partition_responses.push_back(refused);
        continue;
      }
      std::vector<DiskWait> on_disk;
      PartitionResponse result =
          append_partition(broker, topic.name, partition.index, partition.records, durability, on_disk);
      appended_any = appended_any || result.error_code == 0;
      for (DiskWait& wait : on_disk) {
        pending.push_back({response.responses.size(), topic_response.partition_responses.size(), std::move(wait)});
      }
      topic_response.partition_responses.push_back(std::move(result));
    }
    response.responses.push_back(std::move(topic_response));
  }
  if (appended_any) broker.data_arrived().notify();
  if (request->acks == 0) return HandlerReply::no_response();
  if (pending.empty()) return reply_with(frame, response);
  // The connection reads and handles its next requests meanwhile; this
  // answer is still written before theirs (kafka_server.h).
  auto shared = std::make_shared<ProduceResponse>(std::move(response));
  return HandlerReply::answer_later(
      [shared, pending = std::move(pending), correlation_id = frame.correlation_id(), version = frame.api_version(),
       syncer = &broker.log_syncer()] { return answer_when_on_disk(shared, pending, correlation_id, version, syncer); });
}

}  // namespace loch::kafka
