#include "common/varint.h"

#include <gtest/gtest.h>

namespace loch {

TEST(Varint, ZigZagMapsSmallMagnitudesToSmallCodes) {
  EXPECT_EQ(zigzag_encode64(0), 0u);
  EXPECT_EQ(zigzag_encode64(-1), 1u);
  EXPECT_EQ(zigzag_encode64(1), 2u);
  EXPECT_EQ(zigzag_encode64(-2), 3u);
  EXPECT_EQ(zigzag_decode64(zigzag_encode64(INT64_MIN)), INT64_MIN);
  EXPECT_EQ(zigzag_decode32(zigzag_encode32(INT32_MAX)), INT32_MAX);
}

TEST(Varint, RoundTripsAcrossByteBoundaries) {
  for (int64_t v : std::initializer_list<int64_t>{0, 1, -1, 63, 64, -65, 300, int64_t{1} << 40, INT64_MAX, INT64_MIN}) {
    std::string bytes;
    append_varint(v, bytes);
    std::string_view in = bytes;
    auto back = read_varint(in);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, v);
    EXPECT_TRUE(in.empty());
  }
}

TEST(Varint, UnsignedThreeHundredIsTwoBytes) {
  std::string bytes;
  append_uvarint(300, bytes);
  EXPECT_EQ(bytes, std::string("\xAC\x02", 2));
}

TEST(Varint, TruncatedInputIsRefusedAndNotConsumed) {
  std::string bytes("\x80\x80", 2);
  std::string_view in = bytes;
  EXPECT_FALSE(read_uvarint(in).has_value());
  EXPECT_EQ(in.size(), 2u);
}

TEST(Varint, OverlongInputIsRefused) {
  std::string bytes(11, '\x80');
  std::string_view in = bytes;
  EXPECT_FALSE(read_uvarint(in).has_value());
}

}  // namespace loch
