#include "collect/kafka/log/record.h"

#include <gtest/gtest.h>

namespace loch::kafka {
namespace {

TEST(Record, RecordsSurviveEncodeAndDecodeWithNullsAndHeaders) {
  std::vector<Record> records(3);
  records[0].key = "k";
  records[0].value = std::string(300, 'v');  // a length past one varint byte
  records[0].headers = {{"trace", "abc"}, {"empty", std::nullopt}};
  records[1].offset_delta = 1;
  records[1].timestamp_delta = -5;
  records[1].value = "no key";
  records[2].offset_delta = 4;
  records[2].key = "tomb";
  RecordBatchHeader header;
  header.last_offset_delta = 4;
  header.base_timestamp = 1000;
  header.max_timestamp = 1000;
  std::string batch = encode_record_batch(header, records);
  ASSERT_TRUE(validate_record_batch(batch).is_ok());
  auto decoded = decode_records(batch);
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(*decoded, records);
  EXPECT_EQ(validate_record_batch(batch)->last_offset_delta, 4);
}

TEST(Record, CompressedBatchesAreNotDecoded) {
  std::string batch = make_record_batch({{"k", "v"}}, 1);
  batch[RecordBatchHeader::kAttributesPos + 1] = 1;  // gzip
  EXPECT_EQ(decode_records(batch).status().code(), StatusCode::kNotSupported);
}

TEST(Record, ARecordCountBeyondTheBytesIsCorruption) {
  std::string batch = make_record_batch({{"k", "v"}}, 1);
  put_be32(batch.data() + RecordBatchHeader::kRecordsCountPos, 2);
  EXPECT_EQ(decode_records(batch).status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace loch::kafka
