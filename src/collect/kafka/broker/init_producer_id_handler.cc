// InitProducerId (api key 22): a producer id and epoch for an idempotent
// producer (a new id each time, as Kafka hands out) or, with a
// transactional.id, from the transaction coordinator.
#include <spdlog/spdlog.h>

#include "collect/kafka/broker/broker.h"
#include "collect/kafka/broker/kafka_errors.h"
#include "collect/kafka/broker/request_decoding.h"
#include "collect/kafka/protocol/messages/init_producer_id_request.h"
#include "collect/kafka/protocol/messages/init_producer_id_response.h"

namespace loch::kafka {

HandlerReply handle_init_producer_id(Broker& broker, const RequestFrame& frame) {
  auto request = decode_body_or_log<InitProducerIdRequest>(frame);
  if (!request) return HandlerReply::close();
  InitProducerIdResponse response;
  response.producer_id = -1;
  response.producer_epoch = -1;
  if (broker.producer_ids() == nullptr) {
    response.error_code = wire(KafkaError::kCoordinatorNotAvailable);
    return reply_with(frame, response);
  }
  if (request->transactional_id && !request->transactional_id->empty()) {
    auto* coordinator = broker.transaction_coordinator();
    if (coordinator == nullptr) {
      response.error_code = wire(KafkaError::kCoordinatorNotAvailable);
      return reply_with(frame, response);
    }
    txn::InitProducerIdResult result = coordinator->init_producer_id(
        *request->transactional_id, request->transaction_timeout_ms, request->producer_id, request->producer_epoch);
    response.error_code = wire_txn_error(result.error, frame.api_version(), 4);  // v4 added PRODUCER_FENCED
    response.producer_id = result.producer_id;
    response.producer_epoch = result.producer_epoch;
    return reply_with(frame, response);
  }
  auto id = broker.producer_ids()->next();
  if (!id.is_ok()) {
    spdlog::error("kafka: cannot allocate a producer id: {}", id.status().message());
    response.error_code = wire(KafkaError::kKafkaStorageError);
    return reply_with(frame, response);
  }
  response.producer_id = *id;
  response.producer_epoch = 0;
  return reply_with(frame, response);
}

}  // namespace loch::kafka
