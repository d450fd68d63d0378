#include "collect/registry/wire_format.h"

#include <gtest/gtest.h>

namespace loch::registry {
namespace {

TEST(WireFormat, HeaderIsMagicZeroThenBigEndianId) {
  std::string record;
  append_wire_header(0x01020304, record);
  record += "payload";
  ASSERT_EQ(record.substr(0, 5), std::string("\x00\x01\x02\x03\x04", 5));
  auto header = read_wire_header(record);
  ASSERT_TRUE(header.is_ok());
  EXPECT_EQ(header->schema_id, 0x01020304);
  EXPECT_EQ(header->payload, "payload");
}

TEST(WireFormat, ShortRecordsAndUnknownMagicBytesAreCorruption) {
  EXPECT_EQ(read_wire_header(std::string("\x00\x00\x01", 3)).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(read_wire_header(std::string("\x01\x00\x00\x00\x01", 5)).status().code(), StatusCode::kCorruption);
  auto empty_payload = read_wire_header(std::string("\x00\x00\x00\x00\x07", 5));
  ASSERT_TRUE(empty_payload.is_ok());
  EXPECT_EQ(empty_payload->schema_id, 7);
  EXPECT_TRUE(empty_payload->payload.empty());
}

TEST(WireFormat, FirstMessageIndexesAreTheSingleByteZero) {
  std::string out;
  append_message_indexes({0}, out);
  EXPECT_EQ(out, std::string("\x00", 1));
  std::string_view in = out;
  auto indexes = read_message_indexes(in);
  ASSERT_TRUE(indexes.is_ok());
  EXPECT_EQ(*indexes, std::vector<int32_t>{0});
  EXPECT_TRUE(in.empty());
}

TEST(WireFormat, NestedMessageIndexesRoundTripAsZigzagVarints) {
  std::string out;
  append_message_indexes({1, 0, 70}, out);
  // count 3 -> 6, 1 -> 2, 0 -> 0, 70 -> 140 (0x8c 0x01)
  EXPECT_EQ(out, std::string("\x06\x02\x00\x8c\x01", 5));
  out += "rest";
  std::string_view in = out;
  auto indexes = read_message_indexes(in);
  ASSERT_TRUE(indexes.is_ok());
  EXPECT_EQ(*indexes, (std::vector<int32_t>{1, 0, 70}));
  EXPECT_EQ(in, "rest");
}

TEST(WireFormat, HostileMessageIndexesAreRejected) {
  std::string_view truncated("\x06\x02", 2);
  EXPECT_FALSE(read_message_indexes(truncated).is_ok());
  std::string_view negative_count("\x01", 1);  // zigzag -1
  EXPECT_FALSE(read_message_indexes(negative_count).is_ok());
  std::string_view huge_count("\xfe\xff\xff\xff\x0f", 5);
  EXPECT_FALSE(read_message_indexes(huge_count).is_ok());
  std::string_view empty;
  EXPECT_FALSE(read_message_indexes(empty).is_ok());
}

}  // namespace
}  // namespace loch::registry
