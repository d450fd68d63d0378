// Dead letters: a record that broke its topic's contract, kept in
// `<topic>.dlq` with its key, value, timestamp and headers unchanged plus
// these headers (values are UTF-8 text; doc/registry-contracts.md):
//
//   loch.dlq.reason       why the record was refused
//   loch.dlq.topic        the topic it was produced to
//   loch.dlq.partition    the partition it was produced to
//   loch.dlq.batch.index  its index in the producer's record batch
//   loch.dlq.schema.id    the schema id its wire header named (absent if unreadable)
//   loch.dlq.time         when it was diverted, milliseconds since the epoch
//
// A diverted record never had an offset in the original topic: the broker
// removes it from the batch before the batch gets offsets.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "collect/kafka/log/record.h"
#include "common/result.h"

namespace loch::contracts {

inline constexpr char kReasonHeader[] = "loch.dlq.reason";
inline constexpr char kTopicHeader[] = "loch.dlq.topic";
inline constexpr char kPartitionHeader[] = "loch.dlq.partition";
inline constexpr char kBatchIndexHeader[] = "loch.dlq.batch.index";
inline constexpr char kSchemaIdHeader[] = "loch.dlq.schema.id";
inline constexpr char kTimeHeader[] = "loch.dlq.time";

struct DeadLetter {
  std::string reason;
  std::string topic;
  int32_t partition = 0;
  int32_t batch_index = 0;
  std::optional<int32_t> schema_id;
  int64_t time_ms = 0;
};

// Appends the dead-letter headers to `record`'s own.
void add_dead_letter_headers(const DeadLetter& letter, kafka::Record& record);
// Reads them back; Corruption naming the header that is missing or malformed.
Result<DeadLetter> read_dead_letter_headers(const std::vector<kafka::RecordHeader>& headers);
// The record's headers without the dead-letter ones (what a replay sends back).
std::vector<kafka::RecordHeader> original_headers(const std::vector<kafka::RecordHeader>& headers);

}  // namespace loch::contracts
