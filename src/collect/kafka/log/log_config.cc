#include "collect/kafka/log/log_config.h"

#include <charconv>
#include <limits>

#include <fmt/format.h>

namespace loch::kafka {
namespace {

Status parse_int(std::string_view name, std::string_view text, int64_t min, int64_t max, int64_t& out) {
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return Status::invalid_argument(fmt::format("{}: '{}' is not an integer in [{}, {}]", name, text, min, max));
  }
  out = value;
  return Status::ok();
}

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();

}  // namespace

Status LogConfig::set(std::string_view name, std::string_view value) {
  int64_t v = 0;
  if (name == "segment.bytes") {
    // Positions in the offset index are 32-bit; Kafka caps it at int32 too.
    LOCH_RETURN_IF_ERROR(parse_int(name, value, 14, kInt32Max, v));
    segment_bytes = v;
  } else if (name == "segment.ms") {
    LOCH_RETURN_IF_ERROR(parse_int(name, value, 1, kInt64Max, v));
    segment_ms = v;
  } else if (name == "retention.ms") {
    LOCH_RETURN_IF_ERROR(parse_int(name, value, -1, kInt64Max, v));
    retention_ms = v;
  } else if (name == "retention.bytes") {
    LOCH_RETURN_IF_ERROR(parse_int(name, value, -1, kInt64Max, v));
    retention_bytes = v;
  } else if (name == "delete.retention.ms") {
    LOCH_RETURN_IF_ERROR(parse_int(name, value, 0, kInt64Max, v));
    delete_retention_ms = v;
  } else if (name == "max.message.bytes") {
    LOCH_RETURN_IF_ERROR(parse_int(name, value, 0, kInt32Max, v));
    max_message_bytes = static_cast<int32_t>(v);
  } else if (name == "index.interval.bytes") {
    LOCH_RETURN_IF_ERROR(parse_int(name, value, 0, kInt32Max, v));
    index_interval_bytes = static_cast<int32_t>(v);
  } else if (name == "flush.ms") {
    LOCH_RETURN_IF_ERROR(parse_int(name, value, 0, kInt64Max, v));
    flush_ms = v;
  } else if (name == "loch.flush.policy") {
    if (value == "every-batch") {
      flush_policy = FlushPolicy::kEveryBatch;
    } else if (value == "interval") {
      flush_policy = FlushPolicy::kInterval;
    } else {
      return Status::invalid_argument(fmt::format("loch.flush.policy: '{}' is not every-batch or interval", value));
    }
  } else if (name == "confluent.key.schema.validation" || name == "confluent.value.schema.validation") {
    if (value != "true" && value != "false") {
      return Status::invalid_argument(fmt::format("{}: '{}' is not true or false", name, value));
    }
    (name == "confluent.key.schema.validation" ? key_schema_validation : value_schema_validation) = value == "true";
  } else if (name == "loch.contract.key.subject" || name == "loch.contract.value.subject") {
    (name == "loch.contract.key.subject" ? key_subject : value_subject) = std::string(value);
  } else if (name == "loch.contract.policy") {
    if (value != "reject" && value != "dlq") {
      return Status::invalid_argument(fmt::format("loch.contract.policy: '{}' is not reject or dlq", value));
    }
    contract_dlq = value == "dlq";
  } else if (name == "cleanup.policy") {
    bool has_delete = false, has_compact = false;
    std::string_view rest = value;
    while (true) {
      size_t comma = rest.find(',');
      std::string_view item = rest.substr(0, comma);
      while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
      while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
      if (item == "delete") {
        has_delete = true;
      } else if (item == "compact") {
        has_compact = true;
      } else {
        return Status::invalid_argument(fmt::format("cleanup.policy: '{}' is not delete, compact or both", value));
      }
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    cleanup_delete = has_delete;
    cleanup_compact = has_compact;
  } else if (name == "flush.messages" || name == "min.compaction.lag.ms" || name == "max.compaction.lag.ms" ||
             name == "message.timestamp.type" || name == "min.insync.replicas" || name == "compression.type" ||
             name == "segment.index.bytes" || name == "segment.jitter.ms" || name == "preallocate" ||
             name == "min.cleanable.dirty.ratio" || name == "unclean.leader.election.enable" ||
             name == "message.downconversion.enable" || name == "local.retention.ms" ||
             name == "local.retention.bytes" || name == "remote.storage.enable" ||
             name == "message.timestamp.difference.max.ms" || name == "message.timestamp.before.max.ms" ||
             name == "message.timestamp.after.max.ms" || name == "follower.replication.throttled.replicas" ||
             name == "leader.replication.throttled.replicas" || name == "file.delete.delay.ms" ||
             name == "message.format.version") {
    return Status::not_supported(fmt::format("topic config {} is not supported by loch's log", name));
  } else {
    return Status::invalid_argument(fmt::format("unknown topic config {}", name));
  }
  return Status::ok();
}

std::map<std::string, std::string> LogConfig::to_map() const {
  std::string policy = cleanup_delete && cleanup_compact ? "compact,delete" : cleanup_compact ? "compact" : "delete";
  return {
      {"segment.bytes", std::to_string(segment_bytes)},
      {"segment.ms", std::to_string(segment_ms)},
      {"retention.ms", std::to_string(retention_ms)},
      {"retention.bytes", std::to_string(retention_bytes)},
      {"cleanup.policy", policy},
      {"delete.retention.ms", std::to_string(delete_retention_ms)},
      {"max.message.bytes", std::to_string(max_message_bytes)},
      {"index.interval.bytes", std::to_string(index_interval_bytes)},
      {"loch.flush.policy", flush_policy == FlushPolicy::kEveryBatch ? "every-batch" : "interval"},
      {"flush.ms", std::to_string(flush_ms)},
      {"confluent.key.schema.validation", key_schema_validation ? "true" : "false"},
      {"confluent.value.schema.validation", value_schema_validation ? "true" : "false"},
      {"loch.contract.key.subject", key_subject},
      {"loch.contract.value.subject", value_subject},
      {"loch.contract.policy", contract_dlq ? "dlq" : "reject"},
  };
}

Status LogConfig::apply(const std::map<std::string, std::string>& overrides, LogConfig& config) {
  for (const auto& [name, value] : overrides) LOCH_RETURN_IF_ERROR(config.set(name, value));
  return Status::ok();
}

Status check_batch_size(size_t batch_bytes, int32_t max_message_bytes) {
  if (batch_bytes > static_cast<size_t>(max_message_bytes)) {
    return Status::invalid_argument(
        fmt::format("record batch of {} bytes is larger than max.message.bytes {}", batch_bytes, max_message_bytes));
  }
  return Status::ok();
}

}  // namespace loch::kafka
