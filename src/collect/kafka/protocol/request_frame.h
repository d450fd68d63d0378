// Kafka request and response frames: the header before a message body, and
// the 4-byte size prefix before both (doc/kafka-protocol.md, "Frames").
//
// A connection reads the int32 size, then `size` bytes, and hands those bytes
// (without the size) to decode_request_frame. Nothing here does I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "collect/kafka/protocol/api_registry.h"
#include "collect/kafka/protocol/message_codec.h"
#include "collect/kafka/protocol/messages/request_header.h"
#include "collect/kafka/protocol/messages/response_header.h"
#include "common/result.h"

namespace loch::kafka {

// A decoded request header and the undecoded body that follows it. `body`
// points into the frame passed to decode_request_frame.
struct RequestFrame {
  RequestHeader header;
  int16_t header_version = 1;
  std::string_view body;

  int16_t api_key() const { return header.request_api_key; }
  int16_t api_version() const { return header.request_api_version; }
  int32_t correlation_id() const { return header.correlation_id; }
};

// Decodes the header of one request frame (the bytes after the size prefix).
// Works for unknown API keys and unsupported versions too (see
// request_header_version), so the caller can answer them with an error; it
// fails only when the header itself is truncated or malformed.
Result<RequestFrame> decode_request_frame(std::string_view frame);

// Decodes the body of `frame` as request type `Request` at the frame's version.
template <typename Request>
Result<Request> decode_request_body(const RequestFrame& frame) {
  return decode_message<Request>(frame.body, frame.api_version());
}

// Appends a whole request frame: int32 size, header (version chosen by
// request_header_version), body at header.request_api_version.
template <typename Request>
void append_request_frame(const RequestHeader& header, const Request& body, std::string& out) {
  const size_t start = out.size();
  out.append(4, '\0');
  const int16_t version = header.request_api_version;
  encode_message_to(header, request_header_version(header.request_api_key, version), out);
  encode_message_to(body, version, out);
  WireWriter::patch_int32(out, start, static_cast<int32_t>(out.size() - start - 4));
}

// Appends a whole response frame: int32 size, response header (version from
// response_header_version), body at `api_version`. With `reservations`, the
// body's records fields may be left for the caller to fill (wire_writer.h).
template <typename Response>
void append_response_frame(int32_t correlation_id, int16_t api_version, const Response& body, std::string& out,
                           RecordsReservations* reservations = nullptr) {
  const size_t start = out.size();
  out.append(4, '\0');
  ResponseHeader header;
  header.correlation_id = correlation_id;
  encode_message_to(header, response_header_version(Response::kApiKey, api_version), out);
  encode_message_to(body, api_version, out, reservations);
  WireWriter::patch_int32(out, start, static_cast<int32_t>(out.size() - start - 4));
}

// A decoded response header and the body after it, for clients and tests.
struct ResponseFrame {
  ResponseHeader header;
  std::string_view body;
};
Result<ResponseFrame> decode_response_frame(std::string_view frame, int16_t api_key, int16_t api_version);

// Decodes `body` as the request type of `api_key` at `api_version`, encodes
// it again and returns those bytes. For fuzzing and tests: any input that
// decodes must re-encode to bytes that decode to the same bytes again.
// NotFound for an unknown key, NotSupported for an unknown version.
Result<std::string> reencode_request(int16_t api_key, int16_t api_version, std::string_view body);
Result<std::string> reencode_response(int16_t api_key, int16_t api_version, std::string_view body);

}  // namespace loch::kafka
