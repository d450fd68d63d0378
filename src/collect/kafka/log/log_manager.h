// LogManager: every partition log of the broker, under <data-dir>/kafka/:
// one directory <topic>-<partition>/ per partition (partition_log.h) and one
// <topic>.topic.json per topic with its partition count and config overrides
// (doc/kafka-log-format.md, "Topic file"). It opens them all at start,
// creates, grows, reconfigures and deletes topics, and runs the periodic
// maintenance (interval flushes, retention, compaction) when the broker asks.
//
// Threading: all methods may be called from any thread. `mutex_` (shared for
// lookups) guards the topic map; each PartitionLog guards itself, and the
// shared_ptr a lookup returns stays usable after its topic is deleted (its
// appends then fail with kAborted).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "collect/kafka/log/log_config.h"
#include "collect/kafka/log/partition_log.h"
#include "common/result.h"
#include "common/strong_types.h"

namespace loch::kafka {

struct LogManagerOptions {
  std::string data_dir;  // logs go to <data_dir>/kafka
  LogConfig defaults;    // the broker's defaults; topics override them by name
  Clock clock = system_clock_ms;
  Decompressor decompress;  // handed to every PartitionLog (compaction, ListOffsets)
};

struct TopicDescription {
  std::string name;
  int32_t partitions = 0;
  std::map<std::string, std::string> overrides;  // as set by CreateTopics / AlterConfigs
  LogConfig config;                              // defaults with the overrides applied
};

struct MaintenanceReport {
  int segments_deleted = 0;
  uint64_t bytes_deleted = 0;
  int segments_compacted = 0;
  int64_t records_compacted = 0;
  std::vector<std::string> errors;  // one line per partition that failed; the others still ran
};

class LogManager {
 public:
  // Opens every topic under <data_dir>/kafka (creating the directory),
  // finishing interrupted topic deletions and adopting partition directories
  // whose topic file is missing (with the defaults, logged as a warning).
  static Result<std::unique_ptr<LogManager>> open(LogManagerOptions options);
  ~LogManager();

  // Kafka's rule: 1..249 characters of [a-zA-Z0-9._-], not "." or "..".
  static Status validate_topic_name(std::string_view name);

  // kAlreadyExists when the topic exists; kInvalidArgument for a bad name,
  // partition count or config (LogConfig::set's errors).
  Status create_topic(const std::string& name, int32_t partitions,
                      const std::map<std::string, std::string>& configs = {});
  // Closes the topic's logs and removes their files. kNotFound if absent.
  Status delete_topic(const std::string& name);
  // CreatePartitions: grows the topic to `total` partitions (never shrinks).
  Status create_partitions(const std::string& name, int32_t total);
  // AlterConfigs: replaces all overrides.
  Status replace_topic_config(const std::string& name, const std::map<std::string, std::string>& overrides);
  // IncrementalAlterConfigs: sets some overrides and removes others.
  Status update_topic_config(const std::string& name, const std::map<std::string, std::string>& set,
                             const std::vector<std::string>& remove);

  // nullptr when the topic or partition does not exist.
  std::shared_ptr<PartitionLog> partition(std::string_view topic, PartitionId partition) const;
  std::optional<TopicDescription> describe_topic(std::string_view name) const;
  std::vector<TopicDescription> list_topics() const;  // sorted by name

  // One round of periodic work over every partition: flush_if_due, then
  // retention (cleanup.policy=delete), then compaction (=compact).
  MaintenanceReport run_maintenance();
  // fsyncs every partition (SIGTERM).
  Status flush_all();

  const std::string& kafka_dir() const { return kafka_dir_; }

 private:
  struct Topic {
    std::map<std::string, std::string> overrides;
    LogConfig config;
    std::vector<std::shared_ptr<PartitionLog>> partitions;
  };

  explicit LogManager(LogManagerOptions options);
  Status load();
  Status write_topic_file(const std::string& name, int32_t partitions,
                          const std::map<std::string, std::string>& overrides) const;
  Result<std::shared_ptr<PartitionLog>> open_partition(const std::string& topic, int32_t partition,
                                                       const LogConfig& config) const;
  Status remove_partition_dirs(const std::string& name, int32_t partitions) const;
  Status set_overrides_locked(const std::string& name, Topic& topic, std::map<std::string, std::string> overrides);
  std::string partition_dir(const std::string& topic, int32_t partition) const;
  std::string topic_file(const std::string& topic) const;

  const LogManagerOptions options_;
  const std::string kafka_dir_;
  mutable std::shared_mutex mutex_;
  std::map<std::string, Topic, std::less<>> topics_;  // guarded by mutex_
};

}  // namespace loch::kafka
