// The transactional producer's APIs, answered by the transaction
// coordinator (txn/transaction_coordinator.h): AddPartitionsToTxn (24),
// AddOffsetsToTxn (25), EndTxn (26) and TxnOffsetCommit (28).
#include "collect/kafka/broker/broker.h"
#include "collect/kafka/broker/kafka_errors.h"
#include "collect/kafka/broker/request_decoding.h"
#include "collect/kafka/protocol/messages/add_offsets_to_txn_request.h"
#include "collect/kafka/protocol/messages/add_offsets_to_txn_response.h"
#include "collect/kafka/protocol/messages/add_partitions_to_txn_request.h"
#include "collect/kafka/protocol/messages/add_partitions_to_txn_response.h"
#include "collect/kafka/protocol/messages/end_txn_request.h"
#include "collect/kafka/protocol/messages/end_txn_response.h"
#include "collect/kafka/protocol/messages/txn_offset_commit_request.h"
#include "collect/kafka/protocol/messages/txn_offset_commit_response.h"

namespace loch::kafka {

int16_t wire_txn_error(txn::TxnError error, int16_t version, int16_t fenced_since) {
  // PRODUCER_FENCED is newer than these APIs: older versions get
  // INVALID_PRODUCER_EPOCH, as Kafka answers them.
  if (error == txn::TxnError::kProducerFenced && version < fenced_since) {
    return wire(KafkaError::kInvalidProducerEpoch);
  }
  return static_cast<int16_t>(error);
}

namespace {

constexpr int16_t kFencedSince = 2;  // AddPartitions/AddOffsets/EndTxn/TxnOffsetCommit v2 added PRODUCER_FENCED

}  // namespace

HandlerReply handle_add_partitions_to_txn(Broker& broker, const RequestFrame& frame) {
  auto request = decode_body_or_log<AddPartitionsToTxnRequest>(frame);
  if (!request) return HandlerReply::close();
  std::vector<txn::TopicPartition> partitions;
  for (const auto& topic : request->v3_and_below_topics) {
    for (int32_t p : topic.partitions) partitions.push_back({topic.name, p});
  }
  std::map<txn::TopicPartition, txn::TxnError> errors;
  if (auto* coordinator = broker.transaction_coordinator()) {
    errors = coordinator->add_partitions(request->v3_and_below_transactional_id, request->v3_and_below_producer_id,
                                         request->v3_and_below_producer_epoch, partitions);
  } else {
    for (const auto& tp : partitions) errors[tp] = txn::TxnError::kCoordinatorNotAvailable;
  }
  AddPartitionsToTxnResponse response;
  for (const auto& topic : request->v3_and_below_topics) {
    AddPartitionsToTxnResponse::AddPartitionsToTxnTopicResult result;
    result.name = topic.name;
    for (int32_t p : topic.partitions) {
      AddPartitionsToTxnResponse::AddPartitionsToTxnPartitionResult partition;
      partition.partition_index = p;
      partition.partition_error_code = wire_txn_error(errors[{topic.name, p}], frame.api_version(), kFencedSince);
      result.results_by_partition.push_back(partition);
    }
    response.results_by_topic_v3_and_below.push_back(std::move(result));
  }
  return reply_with(frame, response);
}

HandlerReply handle_add_offsets_to_txn(Broker& broker, const RequestFrame& frame) {
  auto request = decode_body_or_log<AddOffsetsToTxnRequest>(frame);
  if (!request) return HandlerReply::close();
  AddOffsetsToTxnResponse response;
  auto* coordinator = broker.transaction_coordinator();
  txn::TxnError error = coordinator ? coordinator->add_offsets(request->transactional_id, request->producer_id,
                                                               request->producer_epoch, request->group_id)
                                    : txn::TxnError::kCoordinatorNotAvailable;
  response.error_code = wire_txn_error(error, frame.api_version(), kFencedSince);
  return reply_with(frame, response);
}

HandlerReply handle_end_txn(Broker& broker, const RequestFrame& frame) {
  auto request = decode_body_or_log<EndTxnRequest>(frame);
  if (!request) return HandlerReply::close();
  EndTxnResponse response;
  auto* coordinator = broker.transaction_coordinator();
  txn::TxnError error = coordinator ? coordinator->end_txn(request->transactional_id, request->producer_id,
                                                           request->producer_epoch, request->committed)
                                    : txn::TxnError::kCoordinatorNotAvailable;
  response.error_code = wire_txn_error(error, frame.api_version(), kFencedSince);
  // Markers were appended: read_committed consumers waiting at the old LSO
  // can now read on.
  broker.data_arrived().notify();
  return reply_with(frame, response);
}

HandlerReply handle_txn_offset_commit(Broker& broker, const RequestFrame& frame) {
  auto request = decode_body_or_log<TxnOffsetCommitRequest>(frame);
  if (!request) return HandlerReply::close();
  std::map<txn::TopicPartition, txn::PendingOffset> offsets;
  for (const auto& topic : request->topics) {
    for (const auto& p : topic.partitions) {
      offsets[{topic.name, p.partition_index}] = {p.committed_offset, p.committed_leader_epoch, p.committed_metadata};
    }
  }
  auto* coordinator = broker.transaction_coordinator();
  txn::TxnError error = coordinator ? coordinator->txn_offset_commit(request->transactional_id, request->producer_id,
                                                                     request->producer_epoch, request->group_id, offsets)
                                    : txn::TxnError::kCoordinatorNotAvailable;
  TxnOffsetCommitResponse response;
  for (const auto& topic : request->topics) {
    TxnOffsetCommitResponse::TxnOffsetCommitResponseTopic result;
    result.name = topic.name;
    for (const auto& p : topic.partitions) {
      TxnOffsetCommitResponse::TxnOffsetCommitResponsePartition partition;
      partition.partition_index = p.partition_index;
      partition.error_code = wire_txn_error(error, frame.api_version(), kFencedSince);
      result.partitions.push_back(partition);
    }
    response.topics.push_back(std::move(result));
  }
  return reply_with(frame, response);
}

}  // namespace loch::kafka
