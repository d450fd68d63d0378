// Per-topic settings of the partition log, under Kafka's topic config names
// (segment.bytes, retention.ms, cleanup.policy, ...) so that CreateTopics,
// DescribeConfigs and AlterConfigs pass them through unchanged.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "common/status.h"

namespace loch::kafka {

// When appended batches reach the disk (fdatasync of the segment file).
enum class FlushPolicy {
  // An append made with Durability::kSyncBeforeReturn (the broker uses it for
  // acks=all) is fsynced before append returns; other appends are fsynced by
  // the next such append, after flush.ms (flush_if_due), by a segment roll
  // or by close. The default.
  kEveryBatch,
  // No append waits for the disk; the log is fsynced every flush.ms (when
  // the broker calls flush_if_due), at roll and at close.
  kInterval,
};

struct LogConfig {
  static constexpr int64_t kForever = -1;

  int64_t segment_bytes = 1LL << 30;                 // segment.bytes: roll when a segment would pass this
  int64_t segment_ms = 7LL * 24 * 3600 * 1000;       // segment.ms: roll a segment this old
  int64_t retention_ms = 7LL * 24 * 3600 * 1000;     // retention.ms (-1: forever)
  int64_t retention_bytes = kForever;                // retention.bytes per partition (-1: no limit)
  bool cleanup_delete = true;                        // cleanup.policy contains "delete"
  bool cleanup_compact = false;                      // cleanup.policy contains "compact"
  int64_t delete_retention_ms = 24LL * 3600 * 1000;  // delete.retention.ms: tombstone lifetime
  int32_t max_message_bytes = 1048588;               // max.message.bytes: largest batch accepted
  int32_t index_interval_bytes = 4096;               // index.interval.bytes: index density
  FlushPolicy flush_policy = FlushPolicy::kEveryBatch;  // loch.flush.policy: every-batch | interval
  int64_t flush_ms = 1000;                           // flush.ms: longest wait of unsynced appends

  // Data contracts (doc/registry-contracts.md): records checked against the
  // schema registry at produce time. The log only stores these; the broker's
  // contract enforcement (collect/contracts) reads them.
  bool key_schema_validation = false;    // confluent.key.schema.validation
  bool value_schema_validation = false;  // confluent.value.schema.validation
  std::string key_subject;               // loch.contract.key.subject ("": <topic>-key, TopicNameStrategy)
  std::string value_subject;             // loch.contract.value.subject ("": <topic>-value)
  bool contract_dlq = false;             // loch.contract.policy: reject (false) | dlq (true)

  // Sets one setting from its Kafka name and text value; kInvalidArgument
  // for an unknown name or a bad value, kNotSupported for a known Kafka
  // setting loch does not implement.
  Status set(std::string_view name, std::string_view value);
  // Every setting by name, as text (what DescribeConfigs shows).
  std::map<std::string, std::string> to_map() const;
  // `defaults` with `overrides` applied in order.
  static Status apply(const std::map<std::string, std::string>& overrides, LogConfig& config);
};

// The message.max.bytes / max.message.bytes check: kInvalidArgument naming
// both sizes when a batch is larger (the broker answers MESSAGE_TOO_LARGE).
Status check_batch_size(size_t batch_bytes, int32_t max_message_bytes);

}  // namespace loch::kafka
