// Turns the records field of one partition in a Fetch answer into
// SourceRecords, as a read_committed consumer sees them
// (doc/kafka-protocol.md, "What the native fetcher reads").
//
// Pure: bytes in, records out; the native fetcher calls it in its thread.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "collect/kafka/protocol/messages/fetch_response.h"
#include "common/result.h"
#include "process/source/kafka_source.h"

namespace loch::source {

struct PartitionRecords {
  // In offset order, from the fetch offset on.
  std::vector<SourceRecord> records;
  // Where the next fetch starts: past the last whole batch, whether its
  // records were taken or skipped (control batches, aborted transactions).
  int64_t next_offset = 0;
  // Roughly what the records hold in memory, for the fetcher's queue bound.
  size_t memory_bytes = 0;
};

// Reads the whole batches of `records` (a Fetch answer's records field for
// `partition`, fetched from `fetch_offset`). A batch cut off at the end
// (the broker stops at max_bytes) is left for the next fetch. Records
// before `fetch_offset` (a compressed batch is returned whole) are left
// out. With `aborted` (read_committed: the answer's aborted_transactions),
// control batches and the batches of aborted transactions are skipped.
// Corruption (a bad CRC, a malformed batch) names the batch's offset.
Result<PartitionRecords> read_fetched_records(const SourcePartition& partition, std::string_view records,
                                              int64_t fetch_offset,
                                              const std::vector<kafka::FetchResponse::AbortedTransaction>* aborted);

}  // namespace loch::source
