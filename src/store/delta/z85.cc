#include "store/delta/z85.h"

#include <array>
#include <cstdint>

namespace loch::delta {
namespace {

constexpr std::string_view kAlphabet =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

constexpr std::array<int8_t, 256> make_decode_table() {
  std::array<int8_t, 256> table{};
  for (auto& entry : table) entry = -1;
  for (size_t i = 0; i < kAlphabet.size(); ++i) table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int8_t>(i);
  return table;
}
constexpr auto kDecode = make_decode_table();

}  // namespace

Result<std::string> z85_decode(std::string_view text) {
  std::string out;
  out.reserve((text.size() + 4) / 5 * 4);
  for (size_t i = 0; i < text.size(); i += 5) {
    uint64_t value = 0;
    for (size_t j = 0; j < 5; ++j) {
      // Padding a short tail with the largest digit keeps the decoded prefix
      // exact; the caller trims the bytes past the known size.
      int digit = 84;
      if (i + j < text.size()) {
        digit = kDecode[static_cast<unsigned char>(text[i + j])];
        if (digit < 0) return Status::corruption("z85: invalid character at position " + std::to_string(i + j));
      }
      value = value * 85 + static_cast<uint64_t>(digit);
    }
    if (value > 0xFFFFFFFFull && i + 5 <= text.size()) return Status::corruption("z85: group out of range");
    uint32_t word = static_cast<uint32_t>(value);
    size_t bytes = i + 5 <= text.size() ? 4 : (text.size() - i) * 4 / 5;
    for (size_t b = 0; b < bytes; ++b) out.push_back(static_cast<char>((word >> (24 - 8 * b)) & 0xFF));
  }
  return out;
}

std::string z85_encode(std::string_view bytes) {
  std::string out;
  for (size_t i = 0; i + 4 <= bytes.size(); i += 4) {
    uint32_t word = 0;
    for (size_t b = 0; b < 4; ++b) word = (word << 8) | static_cast<unsigned char>(bytes[i + b]);
    char group[5];
    for (int j = 4; j >= 0; --j) {
      group[j] = kAlphabet[word % 85];
      word /= 85;
    }
    out.append(group, 5);
  }
  return out;
}

}  // namespace loch::delta
