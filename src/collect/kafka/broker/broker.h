// Broker: answers the Kafka protocol for one node that is the whole cluster:
// it leads every partition, is the controller and the group coordinator.
//
// Requests are decoded with the generated codecs (collect/kafka/protocol),
// checked against the versions the broker implements (supported_apis), and
// handed to one handler per API (the *_handler.cc files). A request the
// broker cannot decode closes its connection with a log line; nothing stored
// is touched by it.
#pragma once

#include <span>
#include <string>

#include "collect/kafka/broker/broker_options.h"
#include "collect/kafka/broker/data_arrived_signal.h"
#include "collect/kafka/broker/fetch_sessions.h"
#include "collect/kafka/broker/record_contract.h"
#include "collect/kafka/broker/kafka_server.h"
#include "collect/kafka/broker/log_syncer.h"
#include "collect/kafka/groups/group_coordinator.h"
#include "collect/kafka/log/log_manager.h"
#include "collect/kafka/protocol/request_frame.h"
#include "collect/kafka/txn/producer_id_allocator.h"
#include "collect/kafka/txn/producer_states.h"
#include "collect/kafka/txn/transaction_coordinator.h"

namespace loch::kafka {

struct SupportedApi {
  int16_t api_key;
  int16_t min_version;
  int16_t max_version;
};

class Broker final : public RequestHandler {
 public:
  Broker(BrokerOptions options, LogManager& logs);

  boost::asio::awaitable<HandlerReply> handle(IncomingRequest request) override;

  // Every API and version range the broker answers, by api key: what
  // ApiVersions advertises. Versions are capped where a newer version needs
  // what a single node does not keep (topic ids in Fetch v13+, ...).
  static std::span<const SupportedApi> supported_apis();
  static const SupportedApi* find_supported(int16_t api_key);

  const BrokerOptions& options() const { return options_; }
  LogManager& logs() { return logs_; }
  DataArrivedSignal& data_arrived() { return data_arrived_; }
  // The fsyncs acks=all produce answers wait for (log_syncer.h).
  LogSyncer& log_syncer() { return log_syncer_; }
  // Consumers' fetch sessions (KIP-227, fetch_sessions.h).
  FetchSessionCache& fetch_sessions() { return fetch_sessions_; }
  // Data contracts on topics (record_contract.h), owned by the caller and set
  // before the server starts; without one, produce checks no contract.
  void set_record_contract(RecordContract* contract) { record_contract_ = contract; }
  RecordContract* record_contract() { return record_contract_; }

  // The consumer group coordinator, owned by the caller (serve_command.cc),
  // set before the server starts. Without one, every group API answers
  // COORDINATOR_NOT_AVAILABLE.
  void set_group_coordinator(groups::GroupCoordinator* coordinator) { group_coordinator_ = coordinator; }
  groups::GroupCoordinator* group_coordinator() { return group_coordinator_; }

  // Idempotent and transactional producers (doc/kafka-transactions.md): the
  // state of every partition's producers, and the producer id source set by
  // the caller before the server starts (without one, InitProducerId answers
  // COORDINATOR_NOT_AVAILABLE).
  txn::ProducerStates& producer_states() { return producer_states_; }
  void set_producer_ids(txn::ProducerIdAllocator* producer_ids) { producer_ids_ = producer_ids; }
  txn::ProducerIdAllocator* producer_ids() { return producer_ids_; }
  // The transaction coordinator, owned by the caller; without one the
  // transactional APIs answer COORDINATOR_NOT_AVAILABLE.
  void set_transaction_coordinator(txn::TransactionCoordinator* coordinator) { transaction_coordinator_ = coordinator; }
  txn::TransactionCoordinator* transaction_coordinator() { return transaction_coordinator_; }

 private:
  BrokerOptions options_;
  LogManager& logs_;
  DataArrivedSignal data_arrived_;
  LogSyncer log_syncer_;
  FetchSessionCache fetch_sessions_;
  RecordContract* record_contract_ = nullptr;
  groups::GroupCoordinator* group_coordinator_ = nullptr;
  txn::ProducerStates producer_states_;
  txn::ProducerIdAllocator* producer_ids_ = nullptr;
  txn::TransactionCoordinator* transaction_coordinator_ = nullptr;
};

// Encodes `response` as the answer to `frame`.
template <typename Response>
HandlerReply reply_with(const RequestFrame& frame, const Response& response) {
  std::string out;
  append_response_frame(frame.correlation_id(), frame.api_version(), response, out);
  return HandlerReply::respond(std::move(out));
}

// Handlers, one per API (or family of APIs), each in its own file.
HandlerReply handle_api_versions(Broker& broker, const RequestFrame& frame);
HandlerReply handle_metadata(Broker& broker, const RequestFrame& frame);
HandlerReply handle_produce(Broker& broker, const RequestFrame& frame);
boost::asio::awaitable<HandlerReply> handle_fetch(Broker& broker, const RequestFrame& frame);
HandlerReply handle_list_offsets(Broker& broker, const RequestFrame& frame);
HandlerReply handle_create_topics(Broker& broker, const RequestFrame& frame);
HandlerReply handle_delete_topics(Broker& broker, const RequestFrame& frame);
HandlerReply handle_create_partitions(Broker& broker, const RequestFrame& frame);
HandlerReply handle_delete_records(Broker& broker, const RequestFrame& frame);
HandlerReply handle_describe_configs(Broker& broker, const RequestFrame& frame);
HandlerReply handle_alter_configs(Broker& broker, const RequestFrame& frame);
HandlerReply handle_incremental_alter_configs(Broker& broker, const RequestFrame& frame);
HandlerReply handle_describe_cluster(Broker& broker, const RequestFrame& frame);
// Consumer groups (group_handler.cc, offset_handler.cc, group_admin_handler.cc).
HandlerReply handle_find_coordinator(Broker& broker, const RequestFrame& frame);
// `peer` is the connection's "host:port", shown as the member's client host.
boost::asio::awaitable<HandlerReply> handle_join_group(Broker& broker, const RequestFrame& frame, std::string peer);
boost::asio::awaitable<HandlerReply> handle_sync_group(Broker& broker, const RequestFrame& frame);
HandlerReply handle_heartbeat(Broker& broker, const RequestFrame& frame);
HandlerReply handle_leave_group(Broker& broker, const RequestFrame& frame);
HandlerReply handle_offset_commit(Broker& broker, const RequestFrame& frame);
HandlerReply handle_offset_fetch(Broker& broker, const RequestFrame& frame);
HandlerReply handle_describe_groups(Broker& broker, const RequestFrame& frame);
HandlerReply handle_list_groups(Broker& broker, const RequestFrame& frame);
HandlerReply handle_delete_groups(Broker& broker, const RequestFrame& frame);
HandlerReply handle_offset_delete(Broker& broker, const RequestFrame& frame);
// Idempotent producers and transactions (init_producer_id_handler.cc, ...).
HandlerReply handle_init_producer_id(Broker& broker, const RequestFrame& frame);
HandlerReply handle_add_partitions_to_txn(Broker& broker, const RequestFrame& frame);
HandlerReply handle_add_offsets_to_txn(Broker& broker, const RequestFrame& frame);
HandlerReply handle_end_txn(Broker& broker, const RequestFrame& frame);
HandlerReply handle_txn_offset_commit(Broker& broker, const RequestFrame& frame);
HandlerReply handle_describe_transactions(Broker& broker, const RequestFrame& frame);
HandlerReply handle_list_transactions(Broker& broker, const RequestFrame& frame);
HandlerReply handle_describe_producers(Broker& broker, const RequestFrame& frame);
// A coordinator error on the wire: PRODUCER_FENCED becomes
// INVALID_PRODUCER_EPOCH below the API version `fenced_since` that added it.
int16_t wire_txn_error(txn::TxnError error, int16_t version, int16_t fenced_since);
// Markers and offset commits for the transaction coordinator, done through
// `broker` (transaction_effects.cc).
txn::TransactionEffects make_transaction_effects(Broker& broker);

// A stable id for a topic name (Metadata v10+, CreateTopics v7): single-node
// loch derives it from the name rather than storing one.
Uuid topic_id_for(std::string_view topic);

}  // namespace loch::kafka
