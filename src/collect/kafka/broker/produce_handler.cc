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

PartitionResponse append_partition(Broker& broker, const std::string& topic, int32_t index,
                                   const std::optional<std::string>& records, Durability durability) {
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
  std::optional<KafkaError> refusal;
  if (status.is_ok()) {
    for (std::string_view batch : *batches) {
      // The topic's data contract (contract_step.h) may refuse the batch,
      // or divert bad records to <topic>.dlq and leave the rest to append.
      std::string kept;
      ContractStep step = apply_record_contract(broker, topic, index, batch, durability, kept, out);
      if (step == ContractStep::kRefused) return out;
      if (step == ContractStep::kSkip) continue;
      // Through the producer state: sequence checks and de-duplication for
      // idempotent and transactional producers (txn/producer_states.h).
      auto appended = broker.producer_states().append(topic, index, log, batch, durability);
      refusal = producer_refusal(appended.verdict);
      if (!appended.status.is_ok() || refusal) {
        status = refusal ? Status::invalid_argument(appended.message) : appended.status;
        break;
      }
      if (first) out.base_offset = appended.result.base_offset.value();
      out.log_start_offset = appended.result.log_start_offset.value();
      first = false;
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
      PartitionResponse result = append_partition(broker, topic.name, partition.index, partition.records, durability);
      appended_any = appended_any || result.error_code == 0;
      topic_response.partition_responses.push_back(std::move(result));
    }
    response.responses.push_back(std::move(topic_response));
  }
  if (appended_any) broker.data_arrived().notify();
  if (request->acks == 0) return HandlerReply::no_response();
  return reply_with(frame, response);
}

}  // namespace loch::kafka
