#include "collect/kafka/protocol/record_batch.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace loch::kafka {
namespace {

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out += static_cast<char>(v);
  return out;
}

// A bitwise CRC-32C (reflected polynomial 0x82F63B78), independent of
// common/crc32c, so the batch CRC is checked against a second implementation.
uint32_t reference_crc32c(std::string_view data) {
  uint32_t crc = 0xFFFFFFFF;
  for (char c : data) {
    crc ^= static_cast<uint8_t>(c);
    for (int i = 0; i < 8; ++i) crc = (crc >> 1) ^ (0x82F63B78 & (0u - (crc & 1)));
  }
  return ~crc;
}

// One record "k" -> "v" at offset delta 0, written out by hand:
// length 8 (zig-zag 16), attributes 0, timestamp delta 0, offset delta 0,
// key length 1 (2) 'k', value length 1 (2) 'v', header count 0.
const std::string kOneRecord = bytes({16, 0, 0, 0, 2, 'k', 2, 'v', 0});

std::string hand_built_batch() {
  std::string batch = bytes({
      0, 0, 0, 0, 0, 0, 0, 5,                       // base offset 5
      0, 0, 0, 49 + 9,                              // batch length: 61 - 12 + 9
      0, 0, 0, 0,                                   // partition leader epoch 0
      2,                                            // magic
      0, 0, 0, 0,                                   // crc (below)
      0, 0,                                         // attributes: none, create time
      0, 0, 0, 0,                                   // last offset delta
      0, 0, 1, -113, -1, -1, -1, -1,                // base timestamp 0x18FFFFFFFFF
      0, 0, 1, -113, -1, -1, -1, -1,                // max timestamp
      -1, -1, -1, -1, -1, -1, -1, -1,               // producer id -1
      -1, -1,                                       // producer epoch -1
      -1, -1, -1, -1,                               // base sequence -1
      0, 0, 0, 1});                                 // one record
  batch += kOneRecord;
  const uint32_t crc = reference_crc32c(std::string_view(batch).substr(21));
  for (int i = 0; i < 4; ++i) batch[17 + i] = static_cast<char>((crc >> (24 - 8 * i)) & 0xFF);
  return batch;
}

TEST(RecordBatch, ReferenceCrcMatchesTheCastagnoliCheckValue) {
  EXPECT_EQ(reference_crc32c("123456789"), 0xE3069283u);
}

TEST(RecordBatch, HandBuiltBatchDecodesFieldByField) {
  const std::string batch = hand_built_batch();
  auto decoded = decode_record_batch(batch);
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  const RecordBatchHeader& h = decoded->header;
  EXPECT_EQ(h.base_offset, 5);
  EXPECT_EQ(h.batch_length, 58);
  EXPECT_EQ(h.magic, 2);
  EXPECT_EQ(h.compression(), CompressionCodec::kNone);
  EXPECT_EQ(h.timestamp_type(), TimestampType::kCreateTime);
  EXPECT_FALSE(h.is_transactional());
  EXPECT_FALSE(h.is_control());
  EXPECT_EQ(h.base_timestamp, 0x18FFFFFFFFF);
  EXPECT_EQ(h.producer_id, -1);
  EXPECT_EQ(h.records_count, 1);
  EXPECT_EQ(h.last_offset(), Offset(5));
  ASSERT_EQ(decoded->records.size(), 1u);
  EXPECT_EQ(decoded->records[0].key, std::optional<std::string>("k"));
  EXPECT_EQ(decoded->records[0].value, std::optional<std::string>("v"));
}

TEST(RecordBatch, EncoderWritesTheSameBytesAsTheHandBuiltBatch) {
  RecordBatchHeader header;
  header.base_offset = 5;
  header.partition_leader_epoch = 0;
  header.base_timestamp = 0x18FFFFFFFFF;
  header.max_timestamp = 0x18FFFFFFFFF;
  Record record;
  record.key = "k";
  record.value = "v";
  auto encoded = encode_record_batch(header, {record}, CompressionCodec::kNone);
  ASSERT_TRUE(encoded.is_ok());
  EXPECT_EQ(*encoded, hand_built_batch());
}

TEST(RecordBatch, FlippedByteIsACrcMismatch) {
  std::string batch = hand_built_batch();
  batch[batch.size() - 2] ^= 0x01;
  Status status = verify_record_batch(batch);
  EXPECT_EQ(status.code(), StatusCode::kCorruption);
  EXPECT_NE(status.message().find("CRC-32C mismatch"), std::string::npos) << status.to_string();
}

TEST(RecordBatch, BaseOffsetCanBeAssignedWithoutTouchingTheCrc) {
  std::string batch = hand_built_batch();
  set_record_batch_base_offset(batch, 1000);
  set_record_batch_partition_leader_epoch(batch, 3);
  EXPECT_TRUE(verify_record_batch(batch).is_ok());
  auto header = decode_record_batch_header(batch);
  ASSERT_TRUE(header.is_ok());
  EXPECT_EQ(header->base_offset, 1000);
  EXPECT_EQ(header->partition_leader_epoch, 3);
}

TEST(RecordBatch, LogAppendTimeRewriteKeepsTheBatchValid) {
  std::string batch = hand_built_batch();
  set_record_batch_log_append_time(batch, 1234);
  ASSERT_TRUE(verify_record_batch(batch).is_ok());
  auto header = decode_record_batch_header(batch);
  EXPECT_EQ(header->timestamp_type(), TimestampType::kLogAppendTime);
  EXPECT_EQ(header->max_timestamp, 1234);
}

TEST(RecordBatch, LegacyMagicIsRefusedWithAClearError) {
  std::string batch = hand_built_batch();
  batch[16] = 1;
  auto decoded = decode_record_batch(batch);
  EXPECT_EQ(decoded.status().code(), StatusCode::kNotSupported);
  EXPECT_NE(decoded.status().message().find("legacy message set (magic 1)"), std::string::npos);
}

std::vector<Record> sample_records(int count) {
  std::vector<Record> records;
  for (int i = 0; i < count; ++i) {
    Record r;
    r.offset_delta = i;
    r.timestamp_delta = i * 3;
    if (i % 3 != 0) r.key = "key-" + std::to_string(i);
    if (i % 5 != 4) r.value = std::string(100, static_cast<char>('a' + i % 26)) + std::to_string(i);
    if (i % 4 == 1) r.headers.push_back({"trace", std::string("id-") + std::to_string(i)});
    if (i % 7 == 2) r.headers.push_back({"empty", std::nullopt});
    records.push_back(std::move(r));
  }
  return records;
}

class RecordBatchCodec : public ::testing::TestWithParam<CompressionCodec> {};

TEST_P(RecordBatchCodec, RoundTripsKeysValuesHeadersAndTombstones) {
  RecordBatchHeader header;
  header.base_offset = 42;
  header.base_timestamp = 1700000000000;
  header.max_timestamp = 1700000000297;
  header.producer_id = 7;
  header.producer_epoch = 1;
  header.base_sequence = 0;
  header.attributes = kTransactionalBit;
  const auto records = sample_records(1000);
  auto encoded = encode_record_batch(header, records, GetParam());
  ASSERT_TRUE(encoded.is_ok()) << encoded.status().to_string();
  auto decoded = decode_record_batch(*encoded);
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(decoded->header.compression(), GetParam());
  EXPECT_TRUE(decoded->header.is_transactional());
  EXPECT_EQ(decoded->header.records_count, 1000);
  EXPECT_EQ(decoded->header.last_offset_delta, 999);
  EXPECT_EQ(decoded->header.producer_id, 7);
  EXPECT_EQ(decoded->records, records);
  if (GetParam() != CompressionCodec::kNone) {
    EXPECT_LT(encoded->size(), 1000u * 100 / 2) << "compressible records should shrink";
  }
}

TEST_P(RecordBatchCodec, TruncatedOrGarbledBatchesAreErrorsNeverCrashes) {
  const auto records = sample_records(50);
  auto encoded = encode_record_batch(RecordBatchHeader{}, records, GetParam());
  ASSERT_TRUE(encoded.is_ok());
  for (size_t cut = 0; cut < encoded->size(); cut += 1 + encoded->size() / 64) {
    EXPECT_FALSE(decode_record_batch(std::string_view(*encoded).substr(0, cut)).is_ok()) << "cut " << cut;
  }
  // Garble the compressed payload but keep the CRC right: decompression or
  // record parsing must fail cleanly (or, rarely, yield other records).
  std::mt19937 random(1234);
  for (int trial = 0; trial < 200; ++trial) {
    std::string garbled = *encoded;
    const size_t position = batch_layout::kHeaderSize + random() % (garbled.size() - batch_layout::kHeaderSize);
    garbled[position] = static_cast<char>(random());
    set_record_batch_log_append_time(garbled, 1);  // recomputes the CRC
    auto decoded = decode_record_batch(garbled, 1 << 20);
    if (decoded.is_ok()) {
      EXPECT_EQ(decoded->records.size(), 50u);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(EveryCodec, RecordBatchCodec,
                         ::testing::Values(CompressionCodec::kNone, CompressionCodec::kGzip, CompressionCodec::kSnappy,
                                           CompressionCodec::kLz4, CompressionCodec::kZstd),
                         [](const auto& info) { return std::string(compression_codec_name(info.param)); });

TEST(RecordBatch, SplitFindsEveryBatchAndRefusesAPartialOne) {
  std::string blob;
  for (int i = 0; i < 3; ++i) {
    RecordBatchHeader header;
    header.base_offset = i * 10;
    blob += *encode_record_batch(header, sample_records(i + 1), CompressionCodec::kNone);
  }
  auto batches = split_record_batches(blob);
  ASSERT_TRUE(batches.is_ok()) << batches.status().to_string();
  ASSERT_EQ(batches->size(), 3u);
  for (auto batch : *batches) EXPECT_TRUE(verify_record_batch(batch).is_ok());
  const std::string_view partial = std::string_view(blob).substr(0, blob.size() - 5);
  EXPECT_FALSE(split_record_batches(partial).is_ok());
  auto tolerant = split_record_batches(partial, /*allow_partial_tail=*/true);
  ASSERT_TRUE(tolerant.is_ok());
  EXPECT_EQ(tolerant->size(), 2u);
}

TEST(RecordBatch, RecordCountLargerThanThePayloadIsRefused) {
  std::string batch = hand_built_batch();
  batch[57] = 0x7F;  // records count 0x7F000001
  set_record_batch_log_append_time(batch, 0);
  auto decoded = decode_record_batch(batch);
  ASSERT_FALSE(decoded.is_ok());
  EXPECT_NE(decoded.status().message().find("cannot fit"), std::string::npos) << decoded.status().to_string();
}

}  // namespace
}  // namespace loch::kafka
