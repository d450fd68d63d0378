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

TEST(RecordView, ViewsReadInPlaceAndRewriteTheOffsetDeltaAsDecodeRecordsSeesIt) {
  std::vector<Record> records(3);
  records[0].key = "k";
  records[0].value = std::string(300, 'v');
  records[0].headers = {{"trace", "abc"}, {"empty", std::nullopt}};
  records[1].offset_delta = 1;
  records[1].timestamp_delta = -5;
  records[1].value = "no key";
  records[2].offset_delta = 200;  // a two-byte varint, renumbered to a one-byte one
  records[2].key = "tomb";
  RecordBatchHeader header;
  header.last_offset_delta = 200;
  std::string batch = encode_record_batch(header, records);
  std::string_view section = std::string_view(batch).substr(RecordBatchHeader::kSize);
  auto views = decode_record_views(section, 3);
  ASSERT_TRUE(views.is_ok()) << views.status().to_string();
  ASSERT_EQ(views->size(), 3u);
  EXPECT_EQ((*views)[0].key, "k");
  EXPECT_EQ((*views)[1].key, std::nullopt);
  EXPECT_EQ((*views)[1].value, "no key");
  EXPECT_EQ((*views)[2].value, std::nullopt);
  EXPECT_EQ((*views)[2].offset_delta, 200);
  EXPECT_EQ(std::string((*views)[0].wire) + std::string((*views)[1].wire) + std::string((*views)[2].wire),
            std::string(section));
  EXPECT_EQ(to_record((*views)[0]).value(), records[0]);

  std::string renumbered;
  for (int i = 0; i < 3; ++i) append_record_with_offset_delta((*views)[i], i, renumbered);
  records[2].offset_delta = 2;
  std::string expected = encode_record_batch(header, records);
  EXPECT_EQ(renumbered, expected.substr(RecordBatchHeader::kSize));

  EXPECT_EQ(decode_record_views(section, 4).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(decode_record_views(section, 2).status().code(), StatusCode::kCorruption) << "bytes left over";
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
