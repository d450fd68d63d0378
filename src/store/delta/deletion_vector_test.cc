#include "store/delta/deletion_vector.h"

#include <gtest/gtest.h>

#include "store/delta/z85.h"

namespace loch::delta {
namespace {

TEST(Z85, DecodesTheRfcExampleAndRoundTrips) {
  // ZeroMQ RFC 32: the bytes 86 4F D2 6F B5 59 F7 5B encode as "HelloWorld".
  auto decoded = z85_decode("HelloWorld");
  ASSERT_TRUE(decoded.is_ok());
  EXPECT_EQ(*decoded, std::string("\x86\x4F\xD2\x6F\xB5\x59\xF7\x5B", 8));
  EXPECT_EQ(z85_encode(*decoded), "HelloWorld");
}

TEST(Z85, RejectsCharactersOutsideTheAlphabet) { EXPECT_FALSE(z85_decode("Hello~orld").is_ok()); }

TEST(DeletionVector, InlineExampleFromTheSpecDecodesToItsRowIndexes) {
  DeletionVectorDescriptor dv;
  dv.storage_type = 'i';
  dv.path_or_inline_dv = "wi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L";
  dv.size_in_bytes = 40;
  dv.cardinality = 6;
  auto rows = load_deletion_vector(dv, "/nonexistent");
  ASSERT_TRUE(rows.is_ok()) << rows.status().to_string();
  EXPECT_EQ(*rows, (std::vector<uint64_t>{3, 4, 7, 11, 18, 29}));
}

TEST(DeletionVector, RelativePathIsDerivedFromPrefixAndUuid) {
  DeletionVectorDescriptor dv;
  dv.storage_type = 'u';
  dv.path_or_inline_dv = "ab^-aqEH.-t@S}K{vb[*k^";
  auto path = dv.absolute_path("/mytable");
  ASSERT_TRUE(path.is_ok());
  EXPECT_EQ(path->string(), "/mytable/ab/deletion_vector_d2c639aa-8816-431a-aaf6-d3fe2512ff61.bin");
  dv.offset = 4;
  EXPECT_EQ(dv.unique_id(), "uab^-aqEH.-t@S}K{vb[*k^@4");
}

TEST(DeletionVector, BadMagicNumberIsCorruption) {
  std::string bytes(12, '\0');
  auto rows = decode_roaring_bitmap_array(bytes);
  ASSERT_FALSE(rows.is_ok());
  EXPECT_EQ(rows.status().code(), StatusCode::kCorruption);
}

TEST(DeletionVector, TruncatedBitmapIsCorruptionNotACrash) {
  auto full = z85_decode("wi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L");
  ASSERT_TRUE(full.is_ok());
  for (size_t length = 0; length < 40; ++length) {
    EXPECT_FALSE(decode_roaring_bitmap_array(full->substr(0, length)).is_ok()) << length;
  }
}

TEST(DeletionVector, MissingFileIsNotFoundNamingThePath) {
  DeletionVectorDescriptor dv;
  dv.storage_type = 'p';
  dv.path_or_inline_dv = "file:///nonexistent/deletion_vector_x.bin";
  dv.size_in_bytes = 10;
  auto rows = load_deletion_vector(dv, "/t");
  ASSERT_FALSE(rows.is_ok());
  EXPECT_NE(rows.status().message().find("/nonexistent/deletion_vector_x.bin"), std::string::npos);
}

}  // namespace
}  // namespace loch::delta
