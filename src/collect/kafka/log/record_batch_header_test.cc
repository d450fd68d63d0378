#include "collect/kafka/log/record_batch_header.h"

#include <gtest/gtest.h>

#include "collect/kafka/log/log_test_util.h"
#include "collect/kafka/log/record.h"

namespace loch::kafka {
namespace {

TEST(RecordBatchHeader, AValidBatchParsesWithItsFields) {
  std::string batch = testing::batch_of(3, 1700000000000);
  auto header = validate_record_batch(batch);
  ASSERT_TRUE(header.is_ok()) << header.status().to_string();
  EXPECT_EQ(header->magic, 2);
  EXPECT_EQ(header->records_count, 3);
  EXPECT_EQ(header->last_offset_delta, 2);
  EXPECT_EQ(header->base_timestamp, 1700000000000);
  EXPECT_EQ(header->total_size(), batch.size());
  EXPECT_EQ(header->producer_id, -1);
  EXPECT_FALSE(header->is_compressed());
}

TEST(RecordBatchHeader, RewritingTheBaseOffsetKeepsTheCrcValid) {
  std::string batch = testing::batch_of(2, 5);
  set_batch_base_offset(batch.data(), 123456789);
  auto header = validate_record_batch(batch);
  ASSERT_TRUE(header.is_ok()) << header.status().to_string();
  EXPECT_EQ(header->base_offset, 123456789);
  EXPECT_EQ(header->last_offset(), 123456790);
}

TEST(RecordBatchHeader, AnyFlippedByteFromAttributesOnIsACrcError) {
  std::string batch = testing::batch_of(2, 5);
  for (size_t i = RecordBatchHeader::kAttributesPos; i < batch.size(); ++i) {
    std::string damaged = batch;
    damaged[i] = static_cast<char>(damaged[i] ^ 0x40);
    auto header = validate_record_batch(damaged);
    ASSERT_FALSE(header.is_ok()) << "byte " << i;
    EXPECT_EQ(header.status().code(), StatusCode::kCorruption) << "byte " << i;
  }
}

TEST(RecordBatchHeader, ALengthThatDisagreesWithTheBytesIsCorruption) {
  std::string batch = testing::batch_of(1, 5);
  EXPECT_EQ(validate_record_batch(batch.substr(0, batch.size() - 1)).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(validate_record_batch(batch + "x").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(validate_record_batch(batch.substr(0, 30)).status().code(), StatusCode::kCorruption);
}

TEST(RecordBatchHeader, MagicOtherThanTwoIsNotSupported) {
  std::string batch = testing::batch_of(1, 5);
  batch[RecordBatchHeader::kMagicPos] = 1;
  EXPECT_EQ(validate_record_batch(batch).status().code(), StatusCode::kNotSupported);
}

TEST(RecordBatchHeader, WriteToAndParseRoundTrip) {
  RecordBatchHeader h;
  h.base_offset = 1LL << 40;
  h.batch_length = 1000;
  h.partition_leader_epoch = 7;
  h.magic = 2;
  h.crc = 0xDEADBEEF;
  h.attributes = 0x13;
  h.last_offset_delta = 9;
  h.base_timestamp = -1;
  h.max_timestamp = 1LL << 50;
  h.producer_id = 42;
  h.producer_epoch = 3;
  h.base_sequence = 17;
  h.records_count = 10;
  char bytes[RecordBatchHeader::kSize];
  h.write_to(bytes);
  auto parsed = RecordBatchHeader::parse(std::string_view(bytes, sizeof(bytes)));
  ASSERT_TRUE(parsed.is_ok());
  EXPECT_EQ(parsed->base_offset, h.base_offset);
  EXPECT_EQ(parsed->crc, h.crc);
  EXPECT_EQ(parsed->attributes, h.attributes);
  EXPECT_TRUE(parsed->is_transactional());
  EXPECT_EQ(parsed->compression(), 3);
  EXPECT_EQ(parsed->max_timestamp, h.max_timestamp);
  EXPECT_EQ(parsed->producer_id, 42);
  EXPECT_EQ(parsed->producer_epoch, 3);
  EXPECT_EQ(parsed->base_sequence, 17);
  EXPECT_EQ(parsed->records_count, 10);
}

}  // namespace
}  // namespace loch::kafka
