#include "serve/registry/schemas_topic.h"

#include <chrono>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "collect/kafka/log/record.h"
#include "collect/kafka/log/record_batch_header.h"
#include "collect/kafka/protocol/compression.h"

namespace loch::serve {
namespace {

constexpr char kPartitionName[] = "_schemas-0";

// Reads go in chunks of this size; a larger batch still comes whole
// (PartitionLog::read returns at least one batch).
constexpr size_t kReplayReadBytes = 1 << 20;

// Registry records are small, but one schema may be large: allow up to the
// HTTP body cap (16 MiB) plus the JSON escaping around it.
constexpr char kMaxMessageBytes[] = "33554432";

// loch writes uncompressed batches; a `_schemas` copied from a Kafka cluster
// may hold compressed ones.
Result<std::string> decompress_records(int codec, std::string_view compressed) {
  return kafka::decompress(static_cast<kafka::CompressionCodec>(codec), compressed);
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Result<std::unique_ptr<SchemasTopic>> SchemasTopic::open(kafka::LogManager& logs) {
  if (auto existing = logs.describe_topic(kSchemasTopic)) {
    if (!existing->config.cleanup_compact) {
      spdlog::warn("registry: {} is not compacted (cleanup.policy={}); old schema records will not be compacted",
                   kSchemasTopic, existing->config.cleanup_delete ? "delete" : "?");
    }
  } else {
    // Confluent's settings for kafkastore.topic: one partition (one total
    // order of registry decisions), compacted, never deleted by time.
    Status created = logs.create_topic(kSchemasTopic, 1,
                                       {{"cleanup.policy", "compact"},
                                        {"loch.flush.policy", "every-batch"},
                                        {"max.message.bytes", kMaxMessageBytes}});
    if (!created.is_ok() && created.code() != StatusCode::kAlreadyExists) {
      return created.with_context(std::string("creating ") + kSchemasTopic);
    }
    spdlog::info("registry: created {} (1 partition, cleanup.policy=compact)", kSchemasTopic);
  }
  auto log = logs.partition(kSchemasTopic, PartitionId(0));
  if (!log) return Status::not_found(std::string(kPartitionName) + " does not exist");
  return std::unique_ptr<SchemasTopic>(new SchemasTopic(std::move(log)));
}

Status SchemasTopic::append(const registry::SchemaRecord& record) {
  kafka::Record out;
  out.key = record.key;
  out.value = record.value;
  kafka::RecordBatchHeader header;
  header.magic = kafka::RecordBatchHeader::kMagicV2;
  header.partition_leader_epoch = -1;
  header.base_timestamp = now_ms();
  header.max_timestamp = header.base_timestamp;
  header.last_offset_delta = 0;
  const std::string batch = kafka::encode_record_batch(header, {out});
  // The registry answers the REST call once this returns: the batch is
  // fdatasync'ed here (every-batch policy on this topic), as for acks=all.
  auto appended = log_->append(batch, kafka::Durability::kSyncBeforeReturn);
  if (!appended.is_ok()) return appended.status().with_context(std::string("appending to ") + kPartitionName);
  return Status::ok();
}

Result<SchemasLoadReport> SchemasTopic::load_into(registry::SchemaStore& store) const {
  SchemasLoadReport report;
  auto skip = [&report](int64_t offset, const std::string& why) {
    report.skipped.push_back(fmt::format("{} offset {}: {}", kPartitionName, offset, why));
    spdlog::warn("registry: skipping {}", report.skipped.back());
  };

  int64_t next = log_->log_start_offset().value();
  const int64_t end = log_->log_end_offset().value();
  while (next < end) {
    auto read = log_->read(Offset(next), kReplayReadBytes);
    if (!read.is_ok()) {
      return read.status().with_context(fmt::format("reading {} at offset {}", kPartitionName, next));
    }
    if (read->bytes.empty()) break;
    std::string_view rest = read->bytes;
    const int64_t before = next;
    while (!rest.empty()) {
      auto header = kafka::RecordBatchHeader::parse(rest);
      if (!header.is_ok() || header->total_size() > rest.size()) {
        // The log validated this framing when it was appended (or at
        // recovery): a bad header here is damage we cannot step over.
        return Status::corruption(fmt::format("{} at offset {}: unreadable batch header{}", kPartitionName, next,
                                              header.is_ok() ? "" : ": " + header.status().message()));
      }
      const std::string_view bytes = rest.substr(0, header->total_size());
      rest.remove_prefix(header->total_size());
      const int64_t base = header->base_offset;
      const int64_t after = header->last_offset() + 1;
      if (header->is_control()) {
        next = std::max(next, after);
        continue;
      }
      if (auto valid = kafka::validate_record_batch(bytes); !valid.is_ok()) {
        skip(base, "batch of offsets " + std::to_string(base) + ".." + std::to_string(after - 1) + ": " +
                       valid.status().message());
        next = std::max(next, after);
        continue;
      }
      auto records = kafka::decode_records(bytes, decompress_records);
      if (!records.is_ok()) {
        skip(base, "batch of offsets " + std::to_string(base) + ".." + std::to_string(after - 1) + ": " +
                       records.status().message());
        next = std::max(next, after);
        continue;
      }
      for (const kafka::Record& record : *records) {
        const int64_t offset = base + record.offset_delta;
        // The first batch read may start before `next`.
        if (offset < next) continue;
        ++report.records_read;
        if (!record.key) {
          skip(offset, "record without a key");
          continue;
        }
        Status applied = store.apply_record(registry::SchemaRecord{*record.key, record.value});
        if (applied.is_ok()) {
          ++report.records_applied;
        } else {
          skip(offset, applied.message());
        }
      }
      next = std::max(next, after);
    }
    if (next == before) {
      return Status::corruption(fmt::format("{}: reading at offset {} made no progress", kPartitionName, next));
    }
  }
  return report;
}

}  // namespace loch::serve
