// Encoding and decoding whole Kafka message bodies of any generated type
// (collect/kafka/protocol/messages/*.h, generated from ../shared/spec/kafka).
//
// Pure functions over bytes: no sockets, no clocks, no allocation beyond the
// values produced. The byte formats are in doc/kafka-protocol.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "collect/kafka/protocol/wire_reader.h"
#include "collect/kafka/protocol/wire_writer.h"
#include "common/result.h"
#include "common/status.h"

namespace loch::kafka {

// True when `version` is one of the message's valid versions.
template <typename Message>
constexpr bool is_valid_version(int16_t version) {
  return version >= Message::kLowestVersion && version <= Message::kHighestVersion;
}

// Appends the body of `message` as `version` writes it. Fields that `version`
// lacks are left out (Kafka's "ignorable" fields are dropped silently; loch
// does not refuse non-ignorable ones either). `version` must be valid.
// With `reservations`, records fields may be left for the caller to fill.
template <typename Message>
void encode_message_to(const Message& message, int16_t version, std::string& out,
                       RecordsReservations* reservations = nullptr) {
  WireWriter writer(out, reservations);
  message.write_to(writer, version);
}

template <typename Message>
std::string encode_message(const Message& message, int16_t version) {
  std::string out;
  encode_message_to(message, version, out);
  return out;
}

// Decodes a whole message body: every byte of `bytes` must belong to it.
// NotSupported for a version outside the schema's range; Corruption naming
// the field and byte offset for truncated or malformed input.
template <typename Message>
Result<Message> decode_message(std::string_view bytes, int16_t version) {
  std::string what = std::string(Message::kName) + " v" + std::to_string(version);
  if (!is_valid_version<Message>(version)) {
    return Status::not_supported(what + ": version outside " + std::to_string(Message::kLowestVersion) + "-" +
                                 std::to_string(Message::kHighestVersion));
  }
  WireReader reader(bytes);
  Message message;
  message.read_from(reader, version);
  if (reader.ok() && reader.remaining() != 0) {
    reader.set_field(nullptr);
    reader.fail(std::to_string(reader.remaining()) + " bytes after the end of the message");
  }
  LOCH_RETURN_IF_ERROR(reader.status(what));
  return message;
}

}  // namespace loch::kafka
