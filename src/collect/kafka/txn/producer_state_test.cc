#include "collect/kafka/txn/producer_state.h"

#include <gtest/gtest.h>

namespace loch::kafka::txn {
namespace {

RecordBatchHeader batch(int64_t pid, int16_t epoch, int32_t seq, int32_t records, int64_t offset,
                        bool transactional = false) {
  RecordBatchHeader h;
  h.producer_id = pid;
  h.producer_epoch = epoch;
  h.base_sequence = seq;
  h.records_count = records;
  h.last_offset_delta = records - 1;
  h.base_offset = offset;
  if (transactional) h.attributes |= RecordBatchHeader::kTransactionalFlag;
  return h;
}

RecordBatchHeader marker(int64_t pid, int16_t epoch, int64_t offset) {
  RecordBatchHeader h = batch(pid, epoch, -1, 1, offset, true);
  h.attributes |= RecordBatchHeader::kControlFlag;
  return h;
}

TEST(ProducerStateTable, RetriedBatchIsAnsweredWithItsOriginalOffsets) {
  ProducerStateTable table;
  table.on_append(batch(7, 0, 0, 3, 100));
  table.on_append(batch(7, 0, 3, 2, 103));
  AppendCheck check = table.check(batch(7, 0, 0, 3, 0));
  ASSERT_EQ(check.verdict, AppendVerdict::kDuplicate);
  EXPECT_EQ(check.duplicate_of.first_offset, 100);
  EXPECT_EQ(check.duplicate_of.last_offset, 102);
  EXPECT_EQ(table.check(batch(7, 0, 5, 1, 0)).verdict, AppendVerdict::kAppend);
}

TEST(ProducerStateTable, OnlyTheLastFiveBatchesAreRemembered) {
  ProducerStateTable table;
  for (int i = 0; i < 6; ++i) table.on_append(batch(7, 0, i, 1, i));
  EXPECT_EQ(table.check(batch(7, 0, 0, 1, 0)).verdict, AppendVerdict::kOutOfOrderSequence);
  EXPECT_EQ(table.check(batch(7, 0, 1, 1, 0)).verdict, AppendVerdict::kDuplicate);
}

TEST(ProducerStateTable, GapOrRepeatInSequenceIsOutOfOrder) {
  ProducerStateTable table;
  table.on_append(batch(7, 0, 0, 2, 0));
  EXPECT_EQ(table.check(batch(7, 0, 3, 1, 0)).verdict, AppendVerdict::kOutOfOrderSequence);
  EXPECT_EQ(table.check(batch(7, 0, 1, 1, 0)).verdict, AppendVerdict::kOutOfOrderSequence);
  EXPECT_EQ(table.check(batch(7, 0, 2, 1, 0)).verdict, AppendVerdict::kAppend);
}

TEST(ProducerStateTable, OlderEpochIsFencedAndNewEpochStartsAtZero) {
  ProducerStateTable table;
  table.on_append(batch(7, 3, 0, 1, 0));
  EXPECT_EQ(table.check(batch(7, 2, 1, 1, 0)).verdict, AppendVerdict::kInvalidProducerEpoch);
  EXPECT_EQ(table.check(batch(7, 4, 5, 1, 0)).verdict, AppendVerdict::kOutOfOrderSequence);
  EXPECT_EQ(table.check(batch(7, 4, 0, 1, 0)).verdict, AppendVerdict::kAppend);
}

TEST(ProducerStateTable, UnknownProducerMayStartAnywhere) {
  ProducerStateTable table;
  EXPECT_EQ(table.check(batch(9, 0, 42, 1, 0)).verdict, AppendVerdict::kAppend);
  EXPECT_EQ(table.check(batch(-1, -1, -1, 1, 0)).verdict, AppendVerdict::kAppend);
}

TEST(ProducerStateTable, SequenceWrapsAfterIntMax) {
  ProducerStateTable table;
  table.on_append(batch(7, 0, 2147483646, 2, 0));
  EXPECT_EQ(table.producers().at(7).last_sequence(), 2147483647);
  EXPECT_EQ(table.check(batch(7, 0, 0, 1, 0)).verdict, AppendVerdict::kAppend);
}

TEST(ProducerStateTable, OpenTransactionHoldsBackTheStableOffsetUntilItsMarker) {
  ProducerStateTable table;
  table.on_append(batch(7, 0, 0, 2, 10, true));
  table.on_append(batch(8, 0, 0, 2, 12, true));
  EXPECT_EQ(table.first_unstable_offset(), 10);
  table.on_append(marker(7, 0, 14), ControlType::kCommit);
  EXPECT_EQ(table.first_unstable_offset(), 12);
  table.on_append(marker(8, 0, 15), ControlType::kAbort);
  EXPECT_EQ(table.first_unstable_offset(), std::nullopt);
  auto aborted = table.aborted_overlapping(0, 100);
  ASSERT_EQ(aborted.size(), 1u);
  EXPECT_EQ(aborted[0].producer_id, 8);
  EXPECT_EQ(aborted[0].first_offset, 12);
  EXPECT_EQ(aborted[0].last_offset, 15);
  EXPECT_TRUE(table.aborted_overlapping(16, 100).empty());
  EXPECT_TRUE(table.aborted_overlapping(0, 12).empty());
  table.forget_below(16);
  EXPECT_TRUE(table.aborted_overlapping(0, 100).empty());
}

TEST(ProducerStateTable, AbortMarkerWithBumpedEpochFencesTheOldEpoch) {
  ProducerStateTable table;
  table.on_append(batch(7, 0, 0, 1, 0, true));
  table.on_append(marker(7, 1, 1), ControlType::kAbort);
  EXPECT_EQ(table.check(batch(7, 0, 1, 1, 0, true)).verdict, AppendVerdict::kInvalidProducerEpoch);
}

TEST(ProducerStateTable, IdleProducersWithoutAnOpenTransactionExpire) {
  ProducerStateTable table;
  auto at = [](RecordBatchHeader h, int64_t timestamp) {
    h.max_timestamp = timestamp;
    return h;
  };
  table.on_append(at(batch(7, 0, 0, 1, 0), 1000));        // idle since 1000
  table.on_append(at(batch(8, 0, 0, 1, 1), 5000));        // recent
  table.on_append(at(batch(9, 0, 0, 1, 2, true), 1000));  // idle, but its transaction is open here
  EXPECT_EQ(table.check(batch(7, 0, 42, 1, 0)).verdict, AppendVerdict::kOutOfOrderSequence);

  EXPECT_EQ(table.expire_producers(/*now_ms=*/5999, /*expiration_ms=*/5000), 0u);
  EXPECT_EQ(table.expire_producers(/*now_ms=*/6000, /*expiration_ms=*/5000), 1u);
  EXPECT_FALSE(table.producers().contains(7));
  EXPECT_TRUE(table.producers().contains(8));
  EXPECT_TRUE(table.producers().contains(9));
  EXPECT_EQ(table.first_unstable_offset(), 2);
  // Producer 7 is now unknown here: it may go on at any sequence (KIP-360).
  EXPECT_EQ(table.check(batch(7, 0, 42, 1, 0)).verdict, AppendVerdict::kAppend);
}

}  // namespace
}  // namespace loch::kafka::txn
