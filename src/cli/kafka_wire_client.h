// KafkaWireClient: one blocking connection that sends requests encoded with
// loch's generated codecs and decodes the answers, for the few admin APIs
// librdkafka has no call for (DescribeTransactions, ListTransactions,
// DescribeProducers: `loch txn`, `loch topic describe`).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "collect/kafka/protocol/message_codec.h"
#include "collect/kafka/protocol/request_frame.h"
#include "common/result.h"

namespace loch::cli {

class KafkaWireClient {
 public:
  // `address` is "host:port"; `timeout_ms` bounds every send and receive.
  static Result<std::unique_ptr<KafkaWireClient>> connect(const std::string& address, int timeout_ms);
  ~KafkaWireClient();
  KafkaWireClient(const KafkaWireClient&) = delete;
  KafkaWireClient& operator=(const KafkaWireClient&) = delete;

  template <typename Response, typename Request>
  Result<Response> call(const Request& request, int16_t version) {
    kafka::RequestHeader header;
    header.request_api_key = Request::kApiKey;
    header.request_api_version = version;
    header.correlation_id = ++correlation_id_;
    header.client_id = std::string("loch");
    std::string frame;
    kafka::append_request_frame(header, request, frame);
    LOCH_ASSIGN_OR_RETURN(std::string answer, round_trip(frame));
    LOCH_ASSIGN_OR_RETURN(kafka::ResponseFrame response, kafka::decode_response_frame(answer, Request::kApiKey, version));
    if (response.header.correlation_id != header.correlation_id) {
      return Status::corruption(address_ + ": answer to request " + std::to_string(response.header.correlation_id) +
                                ", expected " + std::to_string(header.correlation_id));
    }
    return kafka::decode_message<Response>(response.body, version);
  }

 private:
  KafkaWireClient(int fd, std::string address) : fd_(fd), address_(std::move(address)) {}
  // Sends a whole frame and returns the answer's bytes after the size.
  Result<std::string> round_trip(const std::string& frame);

  int fd_;
  std::string address_;
  int32_t correlation_id_ = 0;
};

}  // namespace loch::cli
