#include "collect/kafka/broker/broker.h"
#include "collect/kafka/broker/kafka_errors.h"
#include "collect/kafka/protocol/messages/api_versions_request.h"
#include "collect/kafka/protocol/messages/api_versions_response.h"

namespace loch::kafka {

HandlerReply handle_api_versions(Broker&, const RequestFrame& frame) {
  ApiVersionsResponse response;
  for (const SupportedApi& api : Broker::supported_apis()) {
    ApiVersionsResponse::ApiVersion entry;
    entry.api_key = api.api_key;
    entry.min_version = api.min_version;
    entry.max_version = api.max_version;
    response.api_keys.push_back(entry);
  }
  const SupportedApi* self = Broker::find_supported(ApiVersionsResponse::kApiKey);
  int16_t version = frame.api_version();
  if (version < self->min_version || version > self->max_version) {
    // KIP-511: answer in v0, which every client can read, and let it retry
    // with a version from the list.
    response.error_code = wire(KafkaError::kUnsupportedVersion);
    std::string out;
    append_response_frame(frame.correlation_id(), 0, response, out);
    return HandlerReply::respond(std::move(out));
  }
  // The request body is informational (client name and version); a body
  // that does not decode is not a reason to refuse the handshake.
  return reply_with(frame, response);
}

}  // namespace loch::kafka
