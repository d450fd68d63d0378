// SchemasTopic: the registry's storage on the embedded broker, the
// compacted topic `_schemas` (one partition, as Confluent's
// kafkastore.topic; record layout in doc/registry-format.md, section 2).
//
// As a RecordSink it appends one record per batch and returns once the
// batch is on disk (Durability::kSyncBeforeReturn, and the topic is created
// with loch.flush.policy=every-batch whatever the broker's default), so a
// registry answer that says "registered" survives kill -9.
//
// load_into() rebuilds a SchemaStore at start by reading the topic from its
// first offset. A record or batch that cannot be read or applied is skipped
// and reported with its offset (logged as a warning), never fatal: one bad
// record must not keep the registry, or `loch serve`, down.
//
// Threading: append() may be called from any thread (the store calls it one
// record at a time, under its write lock); load_into() before serving.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "collect/kafka/log/log_manager.h"
#include "collect/registry/schema_records.h"
#include "collect/registry/schema_store.h"
#include "common/result.h"

namespace loch::serve {

inline constexpr char kSchemasTopic[] = "_schemas";

struct SchemasLoadReport {
  int64_t records_read = 0;
  int64_t records_applied = 0;
  std::vector<std::string> skipped;  // "_schemas-0 offset 12: <why>", one per record or batch skipped
};

class SchemasTopic final : public registry::RecordSink {
 public:
  // Creates `_schemas` (1 partition, cleanup.policy=compact) when absent;
  // an existing topic is used as it is (a warning when it is not compacted).
  static Result<std::unique_ptr<SchemasTopic>> open(kafka::LogManager& logs);

  Status append(const registry::SchemaRecord& record) override;

  // Replays every record from the log start into `store` (which should be
  // empty and have this topic as its sink, or none).
  Result<SchemasLoadReport> load_into(registry::SchemaStore& store) const;

 private:
  explicit SchemasTopic(std::shared_ptr<kafka::PartitionLog> log) : log_(std::move(log)) {}

  std::shared_ptr<kafka::PartitionLog> log_;
};

}  // namespace loch::serve
