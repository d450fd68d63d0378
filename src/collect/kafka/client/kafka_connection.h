// KafkaConnection: one blocking, plaintext TCP connection to a Kafka broker,
// speaking loch's own protocol code: for the pipelines' native fetcher
// (process/source/native_fetcher.h) and for the admin APIs librdkafka has no
// call for (DescribeTransactions, ListTransactions, DescribeProducers:
// `loch txn`, `loch topic describe`). Requests are encoded with the
// generated codecs (collect/kafka/protocol), framed as in
// doc/kafka-protocol.md "Frames", and answered in order on the connection.
//
// A request may be sent before the answer to the previous one is read
// (send, then receive), so that one thread can have a request in flight at
// every leader at once. Every send and receive is bounded by the timeout.
//
// Not thread-safe, except interrupt(): one thread owns it.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "collect/kafka/protocol/message_codec.h"
#include "collect/kafka/protocol/request_frame.h"
#include "common/result.h"

namespace loch::kafka::client {

class KafkaConnection {
 public:
  // `address` is "host:port"; `timeout_ms` bounds connecting and every send
  // and receive. Connecting gives up early once `*abandon` turns true (a
  // stopping fetcher need not wait for an unreachable broker).
  static Result<std::unique_ptr<KafkaConnection>> connect(const std::string& address, const std::string& client_id,
                                                          int timeout_ms, const std::atomic<bool>* abandon = nullptr);
  ~KafkaConnection();
  KafkaConnection(const KafkaConnection&) = delete;
  KafkaConnection& operator=(const KafkaConnection&) = delete;

  // Sends a request; its answer is read by the next receive<Response>.
  template <typename Request>
  Status send(const Request& request, int16_t version) {
    kafka::RequestHeader header;
    header.request_api_key = Request::kApiKey;
    header.request_api_version = version;
    header.correlation_id = ++correlation_id_;
    header.client_id = client_id_;
    std::string frame;
    kafka::append_request_frame(header, request, frame);
    return send_frame(frame);
  }

  // Reads the answer to the oldest request sent (one at a time: receive
  // the answer of each send before the next send).
  template <typename Response>
  Result<Response> receive(int16_t version) {
    LOCH_ASSIGN_OR_RETURN(std::string_view answer, receive_frame());
    LOCH_ASSIGN_OR_RETURN(kafka::ResponseFrame frame, kafka::decode_response_frame(answer, Response::kApiKey, version));
    if (frame.header.correlation_id != correlation_id_) {
      return Status::corruption(address_ + ": answer to request " + std::to_string(frame.header.correlation_id) +
                                ", expected " + std::to_string(correlation_id_));
    }
    auto decoded = kafka::decode_message<Response>(frame.body, version);
    if (!decoded.is_ok()) return decoded.status().with_context(address_);
    return decoded;
  }

  template <typename Response, typename Request>
  Result<Response> call(const Request& request, int16_t version) {
    LOCH_RETURN_IF_ERROR(send(request, version));
    return receive<Response>(version);
  }

  const std::string& address() const { return address_; }

  // Makes a blocked send or receive fail at once (from another thread).
  void interrupt();

 private:
  KafkaConnection(int fd, std::string address, std::string client_id)
      : fd_(fd), address_(std::move(address)), client_id_(std::move(client_id)) {}
  Status send_frame(const std::string& frame);
  // The bytes of one answer after its size prefix, in receive_buffer_
  // (valid until the next receive).
  Result<std::string_view> receive_frame();

  int fd_;
  std::string address_;
  std::string client_id_;
  int32_t correlation_id_ = 0;
  // Kept from one answer to the next: Fetch answers are megabytes, and a
  // fresh allocation each time cost more in page faults than the parsing.
  std::string receive_buffer_;
};

}  // namespace loch::kafka::client
