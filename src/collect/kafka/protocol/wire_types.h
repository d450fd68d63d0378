// Value types shared by every generated Kafka message (doc/kafka-protocol.md).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace loch::kafka {

// A Kafka UUID (topic ids, member ids): 16 bytes, written most significant
// byte first. The all-zero value means "no id".
struct Uuid {
  std::array<uint8_t, 16> bytes{};
  bool is_zero() const {
    for (uint8_t b : bytes) {
      if (b != 0) return false;
    }
    return true;
  }
  auto operator<=>(const Uuid&) const = default;
};

// A tagged field (KIP-482) that this version of the schema does not know.
// It is kept so that decoding and re-encoding loses nothing.
struct RawTaggedField {
  uint32_t tag = 0;
  std::string data;
  bool operator==(const RawTaggedField&) const = default;
};

// The highest version number a schema may use; "N+" ranges end here.
inline constexpr int16_t kNoVersion = -1;

}  // namespace loch::kafka
