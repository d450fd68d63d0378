#include "collect/kafka/broker/consumer_offsets_store.h"

#include <map>
#include <variant>

#include <spdlog/spdlog.h>

#include "collect/kafka/groups/consumer_offsets_records.h"
#include "collect/kafka/log/record.h"
#include "collect/kafka/log/record_batch_header.h"
#include "collect/kafka/protocol/compression.h"

namespace loch::kafka {
namespace {

// Reads are done in chunks of this size; a batch larger than it still comes
// whole (PartitionLog::read returns at least one batch).
constexpr size_t kReplayReadBytes = 1 << 20;

// loch writes uncompressed batches, but a __consumer_offsets copied from
// Kafka may hold compressed ones (offsets.topic.compression.codec).
Result<std::string> decompress_records(int codec, std::string_view compressed) {
  return decompress(static_cast<CompressionCodec>(codec), compressed);
}

// The group a stored key belongs to ("" for a key of a kind loch skips).
std::string group_of_key(std::string_view key) {
  auto decoded = groups::decode_consumer_offsets_key(key);
  if (!decoded.is_ok()) return {};
  if (const auto* offset = std::get_if<groups::OffsetCommitKey>(&*decoded)) return offset->group;
  if (const auto* metadata = std::get_if<groups::GroupMetadataKey>(&*decoded)) return metadata->group;
  return {};
}

}  // namespace

Result<std::unique_ptr<ConsumerOffsetsStore>> ConsumerOffsetsStore::open(LogManager& logs, int32_t partitions,
                                                                         int64_t (*clock_ms)()) {
  if (auto existing = logs.describe_topic(kConsumerOffsetsTopic)) {
    if (!existing->config.cleanup_compact) {
      spdlog::warn("kafka: {} is not compacted (cleanup.policy); committed offsets will not be compacted",
                   kConsumerOffsetsTopic);
    }
    if (existing->partitions != partitions) {
      spdlog::info("kafka: {} keeps its {} partitions (asked for {}): groups stay where they are stored",
                   kConsumerOffsetsTopic, existing->partitions, partitions);
    }
    return std::unique_ptr<ConsumerOffsetsStore>(new ConsumerOffsetsStore(logs, existing->partitions, clock_ms));
  }
  if (partitions < 1) {
    return Status::invalid_argument("the offsets topic needs at least one partition, not " + std::to_string(partitions));
  }
  // Kafka's settings for the topic: compacted (never deleted by time or
  // size), in segments of offsets.topic.segment.bytes (100 MiB) so that
  // compaction, which skips the active segment, gets to run.
  Status created = logs.create_topic(kConsumerOffsetsTopic, partitions,
                                     {{"cleanup.policy", "compact"}, {"segment.bytes", "104857600"}});
  if (!created.is_ok() && created.code() != StatusCode::kAlreadyExists) {
    return created.with_context("creating " + std::string(kConsumerOffsetsTopic));
  }
  spdlog::info("kafka: created {} with {} partitions (cleanup.policy=compact)", kConsumerOffsetsTopic, partitions);
  return std::unique_ptr<ConsumerOffsetsStore>(new ConsumerOffsetsStore(logs, partitions, clock_ms));
}

Status ConsumerOffsetsStore::append(const std::vector<groups::OffsetsRecord>& records) {
  // Records keep their order within a partition, which is all a replay needs:
  // one group's records always share a partition.
  std::map<int32_t, std::vector<Record>> by_partition;
  for (const auto& record : records) {
    auto& batch = by_partition[groups::consumer_offsets_partition(record.group_id, partition_count_)];
    Record out;
    out.offset_delta = static_cast<int32_t>(batch.size());
    out.key = record.key;
    out.value = record.value;
    batch.push_back(std::move(out));
  }
  const int64_t now = clock_ms_();
  for (auto& [partition, batch_records] : by_partition) {
    auto log = logs_.partition(kConsumerOffsetsTopic, PartitionId(partition));
    if (!log) {
      return Status::not_found(std::string(kConsumerOffsetsTopic) + "-" + std::to_string(partition) + " does not exist");
    }
    RecordBatchHeader header;
    header.magic = RecordBatchHeader::kMagicV2;
    header.partition_leader_epoch = -1;
    header.base_timestamp = now;
    header.max_timestamp = now;
    header.last_offset_delta = static_cast<int32_t>(batch_records.size()) - 1;
    std::string batch = encode_record_batch(header, batch_records);
    // The coordinator answers the commit once this returns: with the
    // every-batch flush policy the batch is fsynced here, as for acks=all.
    auto appended = log->append(batch, Durability::kSyncBeforeReturn);
    if (!appended.is_ok()) {
      return appended.status().with_context(std::string("appending to ") + kConsumerOffsetsTopic + "-" +
                                            std::to_string(partition));
    }
  }
  return Status::ok();
}

Status ConsumerOffsetsStore::replay(const std::function<Status(const groups::OffsetsRecord&)>& visit) {
  for (int32_t partition = 0; partition < partition_count_; ++partition) {
    LOCH_RETURN_IF_ERROR(replay_partition(partition, visit));
  }
  return Status::ok();
}

Status ConsumerOffsetsStore::replay_partition(int32_t partition,
                                              const std::function<Status(const groups::OffsetsRecord&)>& visit) {
  const std::string name = std::string(kConsumerOffsetsTopic) + "-" + std::to_string(partition);
  auto log = logs_.partition(kConsumerOffsetsTopic, PartitionId(partition));
  if (!log) return Status::not_found(name + " does not exist");
  int64_t next = log->log_start_offset().value();
  const int64_t end = log->log_end_offset().value();
  while (next < end) {
    auto read = log->read(Offset(next), kReplayReadBytes);
    if (!read.is_ok()) return read.status().with_context("reading " + name + " at offset " + std::to_string(next));
    if (read->bytes.empty()) break;
    std::string_view rest = read->bytes;
    while (!rest.empty()) {
      const std::string where = name + " at offset " + std::to_string(next);
      auto header = RecordBatchHeader::parse(rest);
      if (!header.is_ok()) return header.status().with_context("reading " + where);
      if (header->total_size() > rest.size()) {
        return Status::corruption(where + ": batch of " + std::to_string(header->total_size()) + " bytes, " +
                                  std::to_string(rest.size()) + " read");
      }
      std::string_view bytes = rest.substr(0, header->total_size());
      rest.remove_prefix(header->total_size());
      LOCH_RETURN_IF_ERROR(validate_record_batch(bytes).status().with_context("reading " + where));
      const int64_t base = header->base_offset;
      const int64_t after = header->last_offset() + 1;
      if (!header->is_control()) {
        auto records = decode_records(bytes, decompress_records);
        if (!records.is_ok()) return records.status().with_context("decoding " + where);
        for (const Record& record : *records) {
          // The first batch read may start before `next` (a read returns the
          // batch that contains the offset asked for).
          if (base + record.offset_delta < next) continue;
          if (!record.key) {
            return Status::corruption(name + ": record at offset " + std::to_string(base + record.offset_delta) +
                                      " has no key");
          }
          groups::OffsetsRecord out{group_of_key(*record.key), *record.key, record.value};
          LOCH_RETURN_IF_ERROR(visit(out));
        }
      }
      if (after > next) next = after;
    }
  }
  return Status::ok();
}

}  // namespace loch::kafka
