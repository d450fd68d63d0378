#include "process/runner/partition_aligner.h"

#include <gtest/gtest.h>

namespace loch::runner {
namespace {

using source::MicroBatch;
using source::SourcePartition;
using source::SourceRecord;

const SourcePartition p0{"t", 0};
const SourcePartition p1{"t", 1};

SourceRecord record(const SourcePartition& partition, int64_t offset, int64_t timestamp) {
  SourceRecord r;
  r.source = partition;
  r.offset = offset;
  r.timestamp_ms = timestamp;
  return r;
}

std::vector<std::pair<int32_t, int64_t>> order(const MicroBatch& batch) {
  std::vector<std::pair<int32_t, int64_t>> out;
  for (const auto& r : batch.records) out.emplace_back(r.source.partition, r.offset);
  return out;
}

TEST(PartitionAlignerTest, HoldsAPartitionThatRunsAheadUntilTheOthersCatchUp) {
  PartitionAligner aligner(1000);
  // The source delivered all of p0 first; p1 has not shown anything yet.
  MicroBatch first;
  for (int i = 0; i < 4; ++i) first.records.push_back(record(p0, i, 100 * i));
  first.next_offsets = {{p0, 4}, {p1, 0}};
  aligner.add(std::move(first));
  MicroBatch released = aligner.release();
  EXPECT_TRUE(released.records.empty());
  EXPECT_EQ(released.next_offsets, (std::map<SourcePartition, int64_t>{{p0, 0}, {p1, 0}}));

  // p1 reaches timestamp 150: p0's records up to 150 go, merged by time.
  MicroBatch second;
  second.records = {record(p1, 0, 50), record(p1, 1, 150)};
  second.next_offsets = {{p0, 4}, {p1, 2}};
  aligner.add(std::move(second));
  released = aligner.release();
  EXPECT_EQ(order(released), (std::vector<std::pair<int32_t, int64_t>>{{0, 0}, {1, 0}, {0, 1}, {1, 1}}));
  EXPECT_EQ(released.next_offsets, (std::map<SourcePartition, int64_t>{{p0, 2}, {p1, 2}}));
  EXPECT_FALSE(released.caught_up);

  // Both at their end: everything left goes.
  MicroBatch last;
  last.next_offsets = {{p0, 4}, {p1, 2}};
  last.ended = {p0, p1};
  last.caught_up = true;
  aligner.add(std::move(last));
  released = aligner.release();
  EXPECT_EQ(order(released), (std::vector<std::pair<int32_t, int64_t>>{{0, 2}, {0, 3}}));
  EXPECT_EQ(released.next_offsets, (std::map<SourcePartition, int64_t>{{p0, 4}, {p1, 2}}));
  EXPECT_TRUE(released.caught_up);
  EXPECT_EQ(aligner.buffered(), 0u);
}

TEST(PartitionAlignerTest, AnEndedEmptyPartitionHoldsNothingBackAndTheCapReleasesAll) {
  PartitionAligner aligner(3);
  MicroBatch batch;
  batch.records = {record(p0, 0, 10), record(p0, 1, 20)};
  batch.next_offsets = {{p0, 2}, {p1, 0}};
  batch.ended = {p1};
  aligner.add(std::move(batch));
  EXPECT_EQ(aligner.release().records.size(), 2u);

  // p1 silent but not ended: p0 waits, until more than the cap is buffered.
  MicroBatch more;
  for (int i = 2; i < 5; ++i) more.records.push_back(record(p0, i, 10 * i));
  more.next_offsets = {{p0, 5}, {p1, 0}};
  aligner.add(std::move(more));
  EXPECT_EQ(aligner.release().records.size(), 3u);
}

}  // namespace
}  // namespace loch::runner
