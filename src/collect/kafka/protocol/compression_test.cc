#include "collect/kafka/protocol/compression.h"

#include <gtest/gtest.h>

#include <snappy-c.h>

#include <string>

namespace loch::kafka {
namespace {

std::string sample(size_t size) {
  std::string s;
  for (size_t i = 0; s.size() < size; ++i) s += "event " + std::to_string(i % 97) + ";";
  s.resize(size);
  return s;
}

TEST(Compression, SnappyWritesXerialFramingWithThirtyTwoKilobyteBlocks) {
  const std::string input = sample(100 * 1024);
  auto framed = compress(CompressionCodec::kSnappy, input);
  ASSERT_TRUE(framed.is_ok());
  // magic "\x82SNAPPY\0", version 1, compatible version 1
  EXPECT_EQ(framed->substr(0, 16), std::string("\x82SNAPPY\0\0\0\0\1\0\0\0\1", 16));
  int blocks = 0;
  size_t position = 16;
  while (position < framed->size()) {
    const auto* p = reinterpret_cast<const uint8_t*>(framed->data() + position);
    const uint32_t size = (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
    position += 4 + size;
    ++blocks;
  }
  EXPECT_EQ(position, framed->size());
  EXPECT_EQ(blocks, 4);  // 100 KiB in 32 KiB blocks
  auto back = decompress(CompressionCodec::kSnappy, *framed);
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(*back, input);
}

TEST(Compression, PlainSnappyIsReadToo) {
  const std::string input = sample(5000);
  std::string raw(snappy_max_compressed_length(input.size()), '\0');
  size_t size = raw.size();
  ASSERT_EQ(snappy_compress(input.data(), input.size(), raw.data(), &size), SNAPPY_OK);
  raw.resize(size);
  auto back = decompress(CompressionCodec::kSnappy, raw);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(*back, input);
}

TEST(Compression, GzipOutputHasTheGzipMagic) {
  auto out = compress(CompressionCodec::kGzip, sample(1000));
  ASSERT_TRUE(out.is_ok());
  EXPECT_EQ(out->substr(0, 2), std::string("\x1f\x8b"));
}

TEST(Compression, Lz4OutputIsAnLz4Frame) {
  auto out = compress(CompressionCodec::kLz4, sample(1000));
  ASSERT_TRUE(out.is_ok());
  EXPECT_EQ(out->substr(0, 4), std::string("\x04\x22\x4d\x18", 4));
}

class EveryCompressionCodec : public ::testing::TestWithParam<CompressionCodec> {};

TEST_P(EveryCompressionCodec, RoundTripsEmptySmallAndLargeInputs) {
  for (size_t size : {size_t{0}, size_t{1}, size_t{1000}, size_t{300 * 1024}}) {
    const std::string input = sample(size);
    auto packed = compress(GetParam(), input);
    ASSERT_TRUE(packed.is_ok()) << packed.status().to_string();
    auto back = decompress(GetParam(), *packed);
    ASSERT_TRUE(back.is_ok()) << size << ": " << back.status().to_string();
    EXPECT_EQ(*back, input);
  }
}

TEST_P(EveryCompressionCodec, OutputLargerThanTheLimitIsRefused) {
  const std::string input(1 << 20, 'x');
  auto packed = compress(GetParam(), input);
  ASSERT_TRUE(packed.is_ok());
  auto back = decompress(GetParam(), *packed, 4096);
  ASSERT_FALSE(back.is_ok());
  EXPECT_NE(back.status().message().find("exceeds the limit"), std::string::npos) << back.status().to_string();
}

TEST_P(EveryCompressionCodec, TruncatedInputIsAnError) {
  if (GetParam() == CompressionCodec::kNone) GTEST_SKIP() << "uncompressed data has no framing";
  auto packed = compress(GetParam(), sample(20000));
  ASSERT_TRUE(packed.is_ok());
  for (size_t cut : {size_t{0}, size_t{3}, packed->size() / 2, packed->size() - 1}) {
    EXPECT_FALSE(decompress(GetParam(), std::string_view(*packed).substr(0, cut)).is_ok()) << "cut " << cut;
  }
}

INSTANTIATE_TEST_SUITE_P(All, EveryCompressionCodec,
                         ::testing::Values(CompressionCodec::kNone, CompressionCodec::kGzip, CompressionCodec::kSnappy,
                                           CompressionCodec::kLz4, CompressionCodec::kZstd),
                         [](const auto& info) { return std::string(compression_codec_name(info.param)); });

TEST(Compression, UnknownCodecBitsAreNotSupported) {
  EXPECT_EQ(compression_codec_from_attributes(5).status().code(), StatusCode::kNotSupported);
  EXPECT_EQ(*compression_codec_from_attributes(0x14), CompressionCodec::kZstd);  // transactional + zstd
}

}  // namespace
}  // namespace loch::kafka
