// The operators' view of transactions: DescribeTransactions (65),
// ListTransactions (66) from the transaction coordinator, and
// DescribeProducers (61) from each partition's producer state.
#include <algorithm>

#include "collect/kafka/broker/broker.h"
#include "collect/kafka/broker/kafka_errors.h"
#include "collect/kafka/broker/request_decoding.h"
#include "collect/kafka/protocol/messages/describe_producers_request.h"
#include "collect/kafka/protocol/messages/describe_producers_response.h"
#include "collect/kafka/protocol/messages/describe_transactions_request.h"
#include "collect/kafka/protocol/messages/describe_transactions_response.h"
#include "collect/kafka/protocol/messages/list_transactions_request.h"
#include "collect/kafka/protocol/messages/list_transactions_response.h"

namespace loch::kafka {

HandlerReply handle_describe_transactions(Broker& broker, const RequestFrame& frame) {
  auto request = decode_body_or_log<DescribeTransactionsRequest>(frame);
  if (!request) return HandlerReply::close();
  DescribeTransactionsResponse response;
  auto* coordinator = broker.transaction_coordinator();
  for (const std::string& id : request->transactional_ids) {
    DescribeTransactionsResponse::TransactionState state;
    state.transactional_id = id;
    state.producer_id = -1;
    state.producer_epoch = -1;
    state.transaction_start_time_ms = -1;
    auto txn = coordinator ? coordinator->describe(id) : std::nullopt;
    if (!coordinator) {
      state.error_code = wire(KafkaError::kCoordinatorNotAvailable);
    } else if (!txn) {
      state.error_code = wire(KafkaError::kTransactionalIdNotFound);
    } else {
      state.transaction_state = std::string(txn::txn_state_name(txn->state));
      state.transaction_timeout_ms = txn->timeout_ms;
      state.transaction_start_time_ms = txn->start_ms;
      state.producer_id = txn->producer_id;
      state.producer_epoch = txn->producer_epoch;
      for (const txn::TopicPartition& tp : txn->partitions) {
        if (state.topics.empty() || state.topics.back().topic != tp.topic) state.topics.push_back({});
        state.topics.back().topic = tp.topic;
        state.topics.back().partitions.push_back(tp.partition);
      }
    }
    response.transaction_states.push_back(std::move(state));
  }
  return reply_with(frame, response);
}

HandlerReply handle_list_transactions(Broker& broker, const RequestFrame& frame) {
  auto request = decode_body_or_log<ListTransactionsRequest>(frame);
  if (!request) return HandlerReply::close();
  ListTransactionsResponse response;
  auto* coordinator = broker.transaction_coordinator();
  if (!coordinator) {
    response.error_code = wire(KafkaError::kCoordinatorNotAvailable);
    return reply_with(frame, response);
  }
  static constexpr std::string_view kStates[] = {"Empty", "Ongoing", "PrepareCommit", "PrepareAbort",
                                                 "CompleteCommit", "CompleteAbort", "Dead", "PrepareEpochFence"};
  for (const std::string& filter : request->state_filters) {
    if (std::find(std::begin(kStates), std::end(kStates), filter) == std::end(kStates)) {
      response.unknown_state_filters.push_back(filter);
    }
  }
  const int64_t now = system_clock_ms();
  for (const txn::TxnMetadata& txn : coordinator->list()) {
    const std::string state(txn::txn_state_name(txn.state));
    if (!request->state_filters.empty() &&
        std::find(request->state_filters.begin(), request->state_filters.end(), state) == request->state_filters.end()) {
      continue;
    }
    if (!request->producer_id_filters.empty() &&
        std::find(request->producer_id_filters.begin(), request->producer_id_filters.end(), txn.producer_id) ==
            request->producer_id_filters.end()) {
      continue;
    }
    // v1 (KIP-994): only transactions running longer than the duration.
    if (request->duration_filter >= 0 && (txn.start_ms < 0 || now - txn.start_ms <= request->duration_filter)) continue;
    ListTransactionsResponse::TransactionState listed;
    listed.transactional_id = txn.transactional_id;
    listed.producer_id = txn.producer_id;
    listed.transaction_state = state;
    response.transaction_states.push_back(std::move(listed));
  }
  return reply_with(frame, response);
}

HandlerReply handle_describe_producers(Broker& broker, const RequestFrame& frame) {
  auto request = decode_body_or_log<DescribeProducersRequest>(frame);
  if (!request) return HandlerReply::close();
  DescribeProducersResponse response;
  for (const auto& topic : request->topics) {
    DescribeProducersResponse::TopicResponse topic_response;
    topic_response.name = topic.name;
    for (int32_t index : topic.partition_indexes) {
      DescribeProducersResponse::PartitionResponse partition;
      partition.partition_index = index;
      auto log = broker.logs().partition(topic.name, PartitionId(index));
      if (!log) {
        partition.error_code = wire(KafkaError::kUnknownTopicOrPartition);
        topic_response.partitions.push_back(std::move(partition));
        continue;
      }
      broker.producer_states().inspect(topic.name, index, log, [&](const txn::ProducerStateTable& table) {
        for (const auto& [id, entry] : table.producers()) {
          DescribeProducersResponse::ProducerState producer;
          producer.producer_id = id;
          producer.producer_epoch = entry.epoch;
          producer.last_sequence = entry.last_sequence();
          producer.last_timestamp = entry.last_timestamp;
          producer.coordinator_epoch = entry.coordinator_epoch;
          producer.current_txn_start_offset = entry.ongoing_txn_first_offset.value_or(-1);
          partition.active_producers.push_back(producer);
        }
      });
      topic_response.partitions.push_back(std::move(partition));
    }
    response.topics.push_back(std::move(topic_response));
  }
  return reply_with(frame, response);
}

}  // namespace loch::kafka
