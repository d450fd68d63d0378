#include "common/crc32c.h"

#include <gtest/gtest.h>

#include <string>

namespace loch {

TEST(Crc32c, MatchesTheStandardCheckValue) {
  // The check value of CRC-32C over "123456789" (RFC 3720, appendix B.4).
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);
}

TEST(Crc32c, EmptyInputIsZero) { EXPECT_EQ(crc32c("", 0), 0u); }

TEST(Crc32c, ExtendingInPiecesEqualsOneCall) {
  std::string data(1000, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 31);
  uint32_t whole = crc32c(data);
  uint32_t pieces = crc32c_extend(crc32c_extend(0, data.data(), 333), data.data() + 333, data.size() - 333);
  EXPECT_EQ(whole, pieces);
}

TEST(Crc32c, ThirtyTwoZeroBytesMatchRfc3720) { EXPECT_EQ(crc32c(std::string(32, '\0')), 0x8A9136AAu); }

}  // namespace loch
