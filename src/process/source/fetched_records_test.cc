// read_fetched_records: the records field of a Fetch answer as a
// read_committed consumer sees it (doc/kafka-protocol.md, "What the native
// fetcher reads"), on batches written by loch's own encoder.
#include "process/source/fetched_records.h"

#include <gtest/gtest.h>

#include "collect/kafka/protocol/record_batch.h"

namespace loch::source {
namespace {

using kafka::CompressionCodec;
using kafka::Record;
using kafka::RecordBatchHeader;
using Aborted = kafka::FetchResponse::AbortedTransaction;

const SourcePartition kPartition{"orders", 2};

std::string batch(int64_t base_offset, const std::vector<Record>& records, int16_t attributes = 0,
                  int64_t producer_id = -1, CompressionCodec codec = CompressionCodec::kNone) {
  RecordBatchHeader header;
  header.base_offset = base_offset;
  header.base_timestamp = 1'000;
  header.max_timestamp = 5'000;
  header.attributes = attributes;
  header.producer_id = producer_id;
  header.producer_epoch = producer_id >= 0 ? 0 : -1;
  auto encoded = kafka::encode_record_batch(header, records, codec);
  EXPECT_TRUE(encoded.is_ok()) << encoded.status().to_string();
  return encoded.is_ok() ? *encoded : std::string();
}

std::vector<Record> values(int count, const std::string& prefix = "v") {
  std::vector<Record> out;
  for (int i = 0; i < count; ++i) {
    Record r;
    r.offset_delta = i;
    r.timestamp_delta = i;
    r.key = "k" + std::to_string(i);
    r.value = prefix + std::to_string(i);
    out.push_back(r);
  }
  return out;
}

// A control batch of one marker: key int16 version 0, int16 type.
std::string marker(int64_t offset, int64_t producer_id, bool commit) {
  Record r;
  r.key = std::string("\0\0\0", 3) + (commit ? '\1' : '\0');
  r.value = std::string(6, '\0');
  return batch(offset, {r}, kafka::kTransactionalBit | kafka::kControlBit, producer_id);
}

std::vector<int64_t> offsets(const PartitionRecords& read) {
  std::vector<int64_t> out;
  for (const SourceRecord& r : read.records) out.push_back(r.offset);
  return out;
}

TEST(FetchedRecords, RecordsFromTheFetchOffsetOnWithKeysNullsHeadersAndTimestamps) {
  std::vector<Record> records = values(5);
  records[3].key.reset();
  records[4].value.reset();
  records[4].headers = {{"trace", "abc"}, {"empty", std::nullopt}};
  auto read = read_fetched_records(kPartition, batch(10, records), 12, nullptr);
  ASSERT_TRUE(read.is_ok()) << read.status().to_string();
  EXPECT_EQ(offsets(*read), (std::vector<int64_t>{12, 13, 14})) << "a batch comes whole: 10 and 11 were read before";
  EXPECT_EQ(read->next_offset, 15);
  const SourceRecord& r = read->records[0];
  EXPECT_EQ(r.source, kPartition);
  EXPECT_EQ(*r.key, "k2");
  EXPECT_EQ(*r.value, "v2");
  EXPECT_EQ(r.timestamp_ms, 1'002) << "base timestamp + delta";
  EXPECT_FALSE(read->records[1].key.has_value());
  EXPECT_FALSE(read->records[2].value.has_value());
  ASSERT_EQ(read->records[2].headers.size(), 2u);
  EXPECT_EQ(read->records[2].headers[0].first, "trace");
  EXPECT_EQ(*read->records[2].headers[0].second, "abc");
  EXPECT_FALSE(read->records[2].headers[1].second.has_value());
  EXPECT_GT(read->memory_bytes, 0u);
}

TEST(FetchedRecords, LogAppendTimeBatchesGiveEveryRecordTheBatchMaxTimestamp) {
  auto read = read_fetched_records(kPartition, batch(0, values(3), kafka::kTimestampTypeBit), 0, nullptr);
  ASSERT_TRUE(read.is_ok());
  for (const SourceRecord& r : read->records) EXPECT_EQ(r.timestamp_ms, 5'000);
}

TEST(FetchedRecords, EveryCompressionCodecIsRead) {
  for (CompressionCodec codec : {CompressionCodec::kGzip, CompressionCodec::kSnappy, CompressionCodec::kLz4,
                                 CompressionCodec::kZstd}) {
    auto read = read_fetched_records(kPartition, batch(0, values(100), 0, -1, codec), 0, nullptr);
    ASSERT_TRUE(read.is_ok()) << kafka::compression_codec_name(codec) << ": " << read.status().to_string();
    ASSERT_EQ(read->records.size(), 100u);
    EXPECT_EQ(*read->records[99].value, "v99");
  }
}

TEST(FetchedRecords, ABatchCutOffAtTheEndIsLeftForTheNextFetch) {
  std::string first = batch(0, values(3));
  std::string second = batch(3, values(4));
  for (size_t cut : {size_t{10}, size_t{61}, second.size() - 1}) {
    auto read = read_fetched_records(kPartition, first + second.substr(0, cut), 0, nullptr);
    ASSERT_TRUE(read.is_ok()) << "cut at " << cut << ": " << read.status().to_string();
    EXPECT_EQ(offsets(*read), (std::vector<int64_t>{0, 1, 2}));
    EXPECT_EQ(read->next_offset, 3) << "fetch again from the cut batch";
  }
}

TEST(FetchedRecords, AbortedTransactionsAreSkippedUntilTheirAbortMarker) {
  constexpr int64_t kAborting = 7, kCommitting = 8;
  const int16_t txn = kafka::kTransactionalBit;
  // 0-1 producer 7 (aborted), 2-3 producer 8, 4 abort marker of 7, 5 commit
  // marker of 8, 6-7 producer 7 again in a new, committed transaction, 8 its commit.
  std::string records = batch(0, values(2, "aborted"), txn, kAborting) + batch(2, values(2, "kept"), txn, kCommitting) +
                        marker(4, kAborting, false) + marker(5, kCommitting, true) +
                        batch(6, values(2, "later"), txn, kAborting) + marker(8, kAborting, true);
  std::vector<Aborted> aborted(1);
  aborted[0].producer_id = kAborting;
  aborted[0].first_offset = 0;
  auto read = read_fetched_records(kPartition, records, 0, &aborted);
  ASSERT_TRUE(read.is_ok()) << read.status().to_string();
  EXPECT_EQ(offsets(*read), (std::vector<int64_t>{2, 3, 6, 7}));
  EXPECT_EQ(*read->records[0].value, "kept0");
  EXPECT_EQ(*read->records[2].value, "later0");
  EXPECT_EQ(read->next_offset, 9) << "past the markers too";
}

TEST(FetchedRecords, AnAbortedTransactionStartingLaterLeavesEarlierBatchesOfItsProducer) {
  const int16_t txn = kafka::kTransactionalBit;
  std::string records = batch(0, values(2), txn, 3) + marker(2, 3, true) + batch(3, values(2), txn, 3) +
                        marker(5, 3, false);
  std::vector<Aborted> aborted(1);
  aborted[0].producer_id = 3;
  aborted[0].first_offset = 3;
  auto read = read_fetched_records(kPartition, records, 0, &aborted);
  ASSERT_TRUE(read.is_ok());
  EXPECT_EQ(offsets(*read), (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(read->next_offset, 6);
}

TEST(FetchedRecords, ABadCrcIsCorruptionNamingTheBatchOffset) {
  std::string records = batch(0, values(2)) + batch(2, values(3));
  records[records.size() - 2] ^= 0x55;  // in the second batch's last record
  auto read = read_fetched_records(kPartition, records, 0, nullptr);
  ASSERT_FALSE(read.is_ok());
  EXPECT_EQ(read.status().code(), StatusCode::kCorruption);
  EXPECT_NE(read.status().message().find("batch at offset 2"), std::string::npos) << read.status().to_string();
}

}  // namespace
}  // namespace loch::source
