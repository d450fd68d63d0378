#include "collect/kafka/log/log_cleaner.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "collect/kafka/log/log_test_util.h"
#include "collect/kafka/log/partition_log.h"
#include "collect/kafka/log/record.h"

namespace loch::kafka {
namespace {

using testing::TemporaryDirectory;
namespace fs = std::filesystem;

struct KeyedRecord {
  int64_t offset;
  std::optional<std::string> key;
  std::optional<std::string> value;
};

std::vector<KeyedRecord> all_records(PartitionLog& log) {
  std::vector<KeyedRecord> out;
  auto read = log.read(log.log_start_offset(), size_t{1} << 30);
  EXPECT_TRUE(read.is_ok()) << read.status().to_string();
  std::string_view bytes = read->bytes;
  while (!bytes.empty()) {
    auto header = validate_record_batch(bytes.substr(0, RecordBatchHeader::parse(bytes)->total_size()));
    EXPECT_TRUE(header.is_ok()) << header.status().to_string();
    if (!header.is_ok()) break;
    std::string_view batch = bytes.substr(0, header->total_size());
    if (!header->is_compressed()) {
      auto records = decode_records(batch);
      EXPECT_TRUE(records.is_ok());
      for (const Record& r : *records) out.push_back({header->base_offset + r.offset_delta, r.key, r.value});
    }
    bytes.remove_prefix(header->total_size());
  }
  return out;
}

std::string one_record(std::optional<std::string> key, std::optional<std::string> value, int64_t timestamp) {
  return make_record_batch({{std::move(key), std::move(value)}}, timestamp);
}

struct CompactedLogTest : ::testing::Test {
  TemporaryDirectory dir;
  std::shared_ptr<std::atomic<int64_t>> now = std::make_shared<std::atomic<int64_t>>(100'000);
  std::unique_ptr<PartitionLog> log;

  void SetUp() override {
    PartitionLogOptions options;
    options.config.cleanup_compact = true;
    options.config.cleanup_delete = false;
    options.config.segment_bytes = 300;  // a few records a segment
    options.config.delete_retention_ms = 1000;
    options.config.index_interval_bytes = 64;
    auto shared = now;
    options.clock = [shared] { return shared->load(); };
    auto opened = PartitionLog::open(dir.path() + "/compacted-0", options);
    ASSERT_TRUE(opened.is_ok());
    log = std::move(opened).value();
  }
};

TEST_F(CompactedLogTest, CompactionKeepsTheLastValuePerKeyAtItsOriginalOffset) {
  // Offsets: a=0 b=1 a=2 c=3 b=4 a=5 ... 30 records over 3 keys.
  std::map<std::string, int64_t> last_offset;
  for (int i = 0; i < 30; ++i) {
    std::string key = std::string(1, static_cast<char>('a' + i % 3));
    auto appended = log->append(one_record(key, "v" + std::to_string(i), now->load()));
    ASSERT_TRUE(appended.is_ok());
    last_offset[key] = appended->base_offset.value();
  }
  ASSERT_GT(log->segment_count(), 3);
  auto result = log->compact();
  ASSERT_TRUE(result.is_ok()) << result.status().to_string();
  EXPECT_GT(result->segments_rewritten, 0);
  EXPECT_GT(result->records_removed, 0);
  EXPECT_LT(result->bytes_after, result->bytes_before);

  auto records = all_records(*log);
  std::map<std::string, int> count;
  int64_t previous = -1;
  for (const auto& r : records) {
    EXPECT_GT(r.offset, previous);  // order and offsets preserved
    previous = r.offset;
    ++count[*r.key];
    EXPECT_EQ(*r.value, "v" + std::to_string(r.offset));  // the value that was at that offset
  }
  // Outside the active segment (never compacted) each key appears once.
  int64_t active_base = 0;
  for (const auto& entry : fs::directory_iterator(log->dir())) {
    if (entry.path().extension() == ".log") {
      active_base = std::max<int64_t>(active_base, std::stoll(entry.path().stem().string()));
    }
  }
  ASSERT_GT(active_base, 0);
  std::map<std::string, int> compacted_copies;
  for (const auto& r : records) {
    if (r.offset < active_base) {
      EXPECT_EQ(++compacted_copies[*r.key], 1) << "key " << *r.key << " offset " << r.offset;
    }
  }
  for (const auto& [key, offset] : last_offset) {
    EXPECT_TRUE(std::any_of(records.begin(), records.end(), [&](const KeyedRecord& r) { return r.offset == offset; }))
        << key;
  }
  EXPECT_LE(records.size(), 30u);
  EXPECT_LT(records.size(), 15u);
  EXPECT_EQ(log->log_end_offset().value(), 30);
  // Reading from an offset removed by compaction starts at the next kept one.
  auto read = log->read(Offset(1), 1);
  ASSERT_TRUE(read.is_ok());
  EXPECT_GE(RecordBatchHeader::parse(read->bytes)->base_offset, 1);
}

TEST_F(CompactedLogTest, TombstonesVanishOnlyAfterDeleteRetentionMs) {
  ASSERT_TRUE(log->append(one_record("gone", "value", now->load())).is_ok());
  ASSERT_TRUE(log->append(one_record("kept", "value", now->load())).is_ok());
  ASSERT_TRUE(log->append(one_record("gone", std::nullopt, now->load())).is_ok());  // tombstone at 2
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(log->append(one_record("filler", std::to_string(i), now->load())).is_ok());
  ASSERT_TRUE(log->compact().is_ok());
  auto records = all_records(*log);
  auto has = [&](int64_t offset) {
    return std::any_of(records.begin(), records.end(), [&](const KeyedRecord& r) { return r.offset == offset; });
  };
  EXPECT_FALSE(has(0));  // the value the tombstone deletes
  EXPECT_TRUE(has(1));
  EXPECT_TRUE(has(2));  // the tombstone, younger than delete.retention.ms

  now->fetch_add(1001);
  auto result = log->compact();
  ASSERT_TRUE(result.is_ok());
  EXPECT_EQ(result->tombstones_removed, 1);
  records = all_records(*log);
  EXPECT_FALSE(has(2));
  EXPECT_TRUE(has(1));
}

TEST_F(CompactedLogTest, CompactedSegmentsSurviveReopenWithRebuiltIndexes) {
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE(log->append(one_record("k" + std::to_string(i % 4), std::to_string(i), now->load())).is_ok());
  }
  ASSERT_TRUE(log->compact().is_ok());
  auto before = all_records(*log);
  std::string path = log->dir();
  LogConfig config = log->config();
  log.reset();
  PartitionLogOptions options;
  options.config = config;
  options.validate_all_segments = true;
  LogRecovery recovery;
  auto reopened = PartitionLog::open(path, options, &recovery);
  ASSERT_TRUE(reopened.is_ok()) << reopened.status().to_string();
  EXPECT_FALSE(recovery.truncated) << recovery.summary();
  auto after = all_records(**reopened);
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < after.size(); ++i) EXPECT_EQ(after[i].offset, before[i].offset);
  EXPECT_EQ((*reopened)->log_end_offset().value(), 40);
  for (const auto& entry : fs::directory_iterator(path)) {
    EXPECT_EQ(entry.path().string().find(".cleaned"), std::string::npos);
  }
}

TEST_F(CompactedLogTest, CompressedBatchesAreKeptWhole) {
  std::string compressed = one_record("k", "old", now->load());
  // Mark it gzip without compressing: the cleaner must not try to decode it.
  put_be16(compressed.data() + RecordBatchHeader::kAttributesPos, 1);
  put_be32(compressed.data() + RecordBatchHeader::kCrcPos, compute_batch_crc(compressed));
  ASSERT_TRUE(log->append(compressed).is_ok());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(log->append(one_record("k", std::to_string(i), now->load())).is_ok());
  auto result = log->compact();
  ASSERT_TRUE(result.is_ok()) << result.status().to_string();
  EXPECT_EQ(result->batches_not_compacted, 1);
  auto read = log->read(Offset(0), 1);
  ASSERT_TRUE(read.is_ok());
  EXPECT_EQ(RecordBatchHeader::parse(read->bytes)->base_offset, 0);
  EXPECT_TRUE(RecordBatchHeader::parse(read->bytes)->is_compressed());
}

// A stand-in codec: "zstd" (4) batches whose records section is stored as
// is, so the test needs no compressor; anything else fails to decompress.
Result<std::string> identity_zstd(int codec, std::string_view compressed) {
  if (codec != 4) return Status::not_supported("codec " + std::to_string(codec));
  return std::string(compressed);
}

std::string marked_compressed(std::string batch, int codec) {
  put_be16(batch.data() + RecordBatchHeader::kAttributesPos, static_cast<uint16_t>(codec));
  put_be32(batch.data() + RecordBatchHeader::kCrcPos, compute_batch_crc(batch));
  return batch;
}

TEST(LogCleaner, CompressedBatchesAreCompactedThroughTheDecompressorAndRewrittenUncompressed) {
  TemporaryDirectory dir;
  PartitionLogOptions options;
  options.config.cleanup_compact = true;
  options.config.segment_bytes = 400;
  options.decompress = identity_zstd;
  auto opened = PartitionLog::open(dir.path() + "/t-0", options);
  ASSERT_TRUE(opened.is_ok());
  PartitionLog& log = **opened;
  // Offsets 0..2 in one "zstd" batch: a, b, c. Later a and b are rewritten.
  ASSERT_TRUE(log.append(marked_compressed(make_record_batch({{"a", "1"}, {"b", "1"}, {"c", "1"}}, 5), 4)).is_ok());
  // Offsets 3..5 in a batch of a codec the decompressor does not know.
  ASSERT_TRUE(log.append(marked_compressed(make_record_batch({{"a", "2"}, {"x", "2"}, {"y", "2"}}, 5), 2)).is_ok());
  ASSERT_TRUE(log.append(make_record_batch({{"a", "3"}}, 5)).is_ok());  // 6
  ASSERT_TRUE(log.append(make_record_batch({{"b", "3"}}, 5)).is_ok());  // 7
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(log.append(make_record_batch({{"z", std::to_string(i)}}, 5)).is_ok());

  auto result = log.compact();
  ASSERT_TRUE(result.is_ok()) << result.status().to_string();
  EXPECT_EQ(result->batches_not_compacted, 1);  // the snappy-marked batch
  auto read = log.read(Offset(0), size_t{1} << 20);
  ASSERT_TRUE(read.is_ok());
  auto first = validate_record_batch(read->bytes.substr(0, RecordBatchHeader::parse(read->bytes)->total_size()));
  ASSERT_TRUE(first.is_ok()) << first.status().to_string();
  EXPECT_EQ(first->base_offset, 0);
  EXPECT_EQ(first->last_offset_delta, 2);   // the offset range is kept
  EXPECT_FALSE(first->is_compressed());     // rewritten without compression
  auto records = decode_records(read->bytes.substr(0, first->total_size()));
  ASSERT_TRUE(records.is_ok());
  ASSERT_EQ(records->size(), 1u);
  EXPECT_EQ(*(*records)[0].key, "c");
  EXPECT_EQ((*records)[0].offset_delta, 2);
  auto second = RecordBatchHeader::parse(std::string_view(read->bytes).substr(first->total_size()));
  ASSERT_TRUE(second.is_ok());
  EXPECT_EQ(second->base_offset, 3);
  EXPECT_EQ(second->compression(), 2);  // kept whole
}

TEST(LogCleaner, ALogWithoutCompactPolicyIsLeftAlone) {
  TemporaryDirectory dir;
  PartitionLogOptions options;
  options.config.segment_bytes = 200;
  auto log = PartitionLog::open(dir.path() + "/t-0", options);
  ASSERT_TRUE(log.is_ok());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE((*log)->append(one_record("same", "v", 1)).is_ok());
  auto size = (*log)->size_bytes();
  auto result = (*log)->compact();
  ASSERT_TRUE(result.is_ok());
  EXPECT_EQ(result->segments_rewritten, 0);
  EXPECT_EQ((*log)->size_bytes(), size);
}

}  // namespace
}  // namespace loch::kafka
