#include "collect/kafka/protocol/request_frame.h"

#include <type_traits>

#include "collect/kafka/protocol/messages/all_messages.h"

namespace loch::kafka {

namespace {
constexpr int16_t kControlledShutdownKey = 7;
constexpr int16_t kApiVersionsKey = 18;
}  // namespace

int16_t request_header_version(int16_t api_key, int16_t api_version) {
  const ApiInfo* api = find_api(api_key);
  if (api == nullptr) return 1;
  if (api_key == kControlledShutdownKey && api_version == 0) return 0;
  return api->is_flexible(api_version) ? 2 : 1;
}

int16_t response_header_version(int16_t api_key, int16_t api_version) {
  if (api_key == kApiVersionsKey) return 0;
  const ApiInfo* api = find_api(api_key);
  if (api == nullptr) return 0;
  return api->is_flexible(api_version) ? 1 : 0;
}

Result<RequestFrame> decode_request_frame(std::string_view frame) {
  if (frame.size() < 4) {
    return Status::corruption("kafka request header: truncated: " + std::to_string(frame.size()) +
                              " bytes, the api key and version need 4");
  }
  const auto api_key = static_cast<int16_t>((static_cast<uint8_t>(frame[0]) << 8) | static_cast<uint8_t>(frame[1]));
  const auto api_version = static_cast<int16_t>((static_cast<uint8_t>(frame[2]) << 8) | static_cast<uint8_t>(frame[3]));
  RequestFrame result;
  result.header_version = request_header_version(api_key, api_version);
  WireReader reader(frame);
  result.header.read_from(reader, result.header_version);
  LOCH_RETURN_IF_ERROR(reader.status("kafka request header v" + std::to_string(result.header_version)));
  result.body = frame.substr(reader.position());
  return result;
}

Result<ResponseFrame> decode_response_frame(std::string_view frame, int16_t api_key, int16_t api_version) {
  const int16_t header_version = response_header_version(api_key, api_version);
  WireReader reader(frame);
  ResponseFrame result;
  result.header.read_from(reader, header_version);
  LOCH_RETURN_IF_ERROR(reader.status("kafka response header v" + std::to_string(header_version)));
  result.body = frame.substr(reader.position());
  return result;
}

namespace {

template <bool kRequest>
Result<std::string> reencode(int16_t api_key, int16_t api_version, std::string_view body) {
  Result<std::string> out = Status::not_found("kafka: unknown api key " + std::to_string(api_key));
  auto visitor = [&]<typename Message>(std::type_identity<Message>) {
    Result<Message> decoded = decode_message<Message>(body, api_version);
    if (!decoded.is_ok()) {
      out = decoded.status();
      return;
    }
    out = encode_message(*decoded, api_version);
  };
  if constexpr (kRequest) {
    visit_request_type(api_key, visitor);
  } else {
    visit_response_type(api_key, visitor);
  }
  return out;
}

}  // namespace

Result<std::string> reencode_request(int16_t api_key, int16_t api_version, std::string_view body) {
  return reencode<true>(api_key, api_version, body);
}

Result<std::string> reencode_response(int16_t api_key, int16_t api_version, std::string_view body) {
  return reencode<false>(api_key, api_version, body);
}

}  // namespace loch::kafka
