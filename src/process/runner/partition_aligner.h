// PartitionAligner: hands an event-time pipeline its records with the
// partitions kept in step.
//
// librdkafka delivers a partition's backlog in whole record batches (up to a
// megabyte each), often one partition's entire backlog before the next
// one's. Judged in that order, the partition read first runs minutes of
// event time ahead: the watermark (the slowest partition's, doc/pipelines.md)
// stays back, and that partition's late events pass as on time. The aligner
// buffers what was read and releases only the records whose Kafka timestamp
// every partition still being read has reached, merged by timestamp (each
// partition's records stay in offset order), so the engine sees the events
// in about the order they were produced, whatever the fetch order.
//
// The offsets a released batch reports stop before the records still
// buffered: a restart reads those again, so holding records back never
// loses them.
#pragma once

#include <deque>
#include <map>
#include <set>

#include "process/source/kafka_source.h"

namespace loch::runner {

class PartitionAligner {
 public:
  // `max_buffered`: beyond this many buffered records everything is
  // released (merged), so that a partition that stopped short of its end
  // cannot hold the others back without bound.
  explicit PartitionAligner(size_t max_buffered) : max_buffered_(max_buffered) {}

  // Adds what the source read.
  void add(source::MicroBatch batch);

  // The records releasable now, merged by timestamp, with each partition's
  // offset after the last released record (or the source's, when nothing of
  // it is buffered). caught_up: the source was caught up and nothing is
  // left buffered.
  source::MicroBatch release();

  size_t buffered() const { return buffered_; }

 private:
  std::map<source::SourcePartition, std::deque<source::SourceRecord>> buffers_;
  std::map<source::SourcePartition, int64_t> read_next_;        // the source's next offsets
  std::map<source::SourcePartition, int64_t> latest_timestamp_;  // newest timestamp read per partition
  std::set<source::SourcePartition> ended_;
  bool source_caught_up_ = false;
  size_t buffered_ = 0;
  size_t max_buffered_;
};

}  // namespace loch::runner
