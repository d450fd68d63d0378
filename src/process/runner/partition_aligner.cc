#include "process/runner/partition_aligner.h"

#include <limits>
#include <queue>
#include <tuple>

namespace loch::runner {

void PartitionAligner::add(source::MicroBatch batch) {
  for (auto& record : batch.records) {
    auto& latest = latest_timestamp_[record.source];
    latest = std::max(latest, record.timestamp_ms);
    buffers_[record.source].push_back(std::move(record));
    ++buffered_;
  }
  for (const auto& [partition, next] : batch.next_offsets) read_next_[partition] = next;
  ended_ = std::move(batch.ended);
  source_caught_up_ = batch.caught_up;
}

source::MicroBatch PartitionAligner::release() {
  // Released: records at or before the newest timestamp of the partition
  // that is furthest behind among those still being read (a partition at
  // its end with nothing buffered holds nothing back).
  int64_t bound = std::numeric_limits<int64_t>::max();
  if (!source_caught_up_ && buffered_ < max_buffered_) {
    for (const auto& [partition, next] : read_next_) {
      const auto buffer = buffers_.find(partition);
      const bool empty = buffer == buffers_.end() || buffer->second.empty();
      if (empty && ended_.count(partition)) continue;
      const auto latest = latest_timestamp_.find(partition);
      bound = std::min(bound, latest == latest_timestamp_.end() ? std::numeric_limits<int64_t>::min() : latest->second);
    }
  }
  source::MicroBatch out;
  using Head = std::tuple<int64_t, source::SourcePartition>;
  std::priority_queue<Head, std::vector<Head>, std::greater<>> heads;
  for (const auto& [partition, buffer] : buffers_) {
    if (!buffer.empty()) heads.emplace(buffer.front().timestamp_ms, partition);
  }
  while (!heads.empty()) {
    auto [timestamp, partition] = heads.top();
    heads.pop();
    if (timestamp > bound) continue;  // this partition waits for the others
    auto& buffer = buffers_[partition];
    out.records.push_back(std::move(buffer.front()));
    buffer.pop_front();
    --buffered_;
    if (!buffer.empty()) heads.emplace(buffer.front().timestamp_ms, partition);
  }
  for (const auto& [partition, next] : read_next_) {
    const auto buffer = buffers_.find(partition);
    const bool empty = buffer == buffers_.end() || buffer->second.empty();
    out.next_offsets[partition] = empty ? next : buffer->second.front().offset;
    if (empty && ended_.count(partition)) out.ended.insert(partition);
  }
  out.caught_up = source_caught_up_ && buffered_ == 0;
  return out;
}

}  // namespace loch::runner
