#include "collect/kafka/log/log_manager.h"

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "collect/kafka/log/posix_file.h"

namespace loch::kafka {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kTopicFileSuffix = ".topic.json";
constexpr std::string_view kDeletingSuffix = ".topic.deleting";
constexpr std::string_view kDeletedDirSuffix = ".deleted";
constexpr int kTopicFileVersion = 1;
constexpr int32_t kMaxPartitions = 100000;

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// "orders-12" -> ("orders", 12).
std::optional<std::pair<std::string, int32_t>> split_partition_dir(std::string_view name) {
  size_t dash = name.rfind('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == name.size()) return std::nullopt;
  int64_t partition = 0;
  for (char c : name.substr(dash + 1)) {
    if (c < '0' || c > '9') return std::nullopt;
    partition = partition * 10 + (c - '0');
    if (partition >= kMaxPartitions) return std::nullopt;
  }
  return std::make_pair(std::string(name.substr(0, dash)), static_cast<int32_t>(partition));
}

}  // namespace

Status LogManager::validate_topic_name(std::string_view name) {
  if (name.empty() || name.size() > 249) {
    return Status::invalid_argument(fmt::format("topic name '{}' must have 1 to 249 characters", name));
  }
  if (name == "." || name == "..") return Status::invalid_argument("topic name cannot be '.' or '..'");
  for (char c : name) {
    bool legal = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                 c == '-';
    if (!legal) {
      return Status::invalid_argument(
          fmt::format("topic name '{}' has '{}': only ASCII letters, digits, '.', '_' and '-' are legal", name, c));
    }
  }
  return Status::ok();
}

LogManager::LogManager(LogManagerOptions options)
    : options_(std::move(options)), kafka_dir_((fs::path(options_.data_dir) / "kafka").string()) {}

LogManager::~LogManager() {
  Status status = flush_all();
  if (!status.is_ok()) spdlog::error("closing the kafka logs: {}", status.to_string());
}

std::string LogManager::partition_dir(const std::string& topic, int32_t partition) const {
  return fmt::format("{}/{}-{}", kafka_dir_, topic, partition);
}

std::string LogManager::topic_file(const std::string& topic) const {
  return fmt::format("{}/{}{}", kafka_dir_, topic, kTopicFileSuffix);
}

Result<std::unique_ptr<LogManager>> LogManager::open(LogManagerOptions options) {
  std::unique_ptr<LogManager> manager(new LogManager(std::move(options)));
  LOCH_RETURN_IF_ERROR(manager->load().with_context(manager->kafka_dir_));
  return manager;
}

Status LogManager::write_topic_file(const std::string& name, int32_t partitions,
                                    const std::map<std::string, std::string>& overrides) const {
  nlohmann::json json = {{"version", kTopicFileVersion},
                         {"topic", name},
                         {"partitions", partitions},
                         {"configs", overrides}};
  return write_file_atomically(topic_file(name), json.dump(2) + "\n");
}

Result<std::shared_ptr<PartitionLog>> LogManager::open_partition(const std::string& topic, int32_t partition,
                                                                 const LogConfig& config) const {
  PartitionLogOptions options;
  options.config = config;
  options.clock = options_.clock;
  options.decompress = options_.decompress;
  LogRecovery recovery;
  LOCH_ASSIGN_OR_RETURN(auto log, PartitionLog::open(partition_dir(topic, partition), options, &recovery));
  if (recovery.truncated) spdlog::warn("kafka log {}-{}: {}", topic, partition, recovery.summary());
  return std::shared_ptr<PartitionLog>(std::move(log));
}

Status LogManager::remove_partition_dirs(const std::string& name, int32_t partitions) const {
  // Renamed first so that a crash halfway leaves only *.deleted leftovers,
  // never a partly deleted partition that would be opened as live.
  std::vector<std::string> doomed;
  for (int32_t p = 0; p < partitions; ++p) {
    std::string dir = partition_dir(name, p);
    if (!fs::exists(dir)) continue;
    std::string target = dir + std::string(kDeletedDirSuffix);
    std::error_code error;
    fs::rename(dir, target, error);
    if (error) return Status::io_error(fmt::format("rename {}: {}", dir, error.message()));
    doomed.push_back(target);
  }
  LOCH_RETURN_IF_ERROR(sync_directory(kafka_dir_));
  for (const std::string& dir : doomed) {
    std::error_code error;
    fs::remove_all(dir, error);
    if (error) return Status::io_error(fmt::format("remove {}: {}", dir, error.message()));
  }
  return Status::ok();
}

Status LogManager::load() {
  std::error_code error;
  fs::create_directories(kafka_dir_, error);
  if (error) return Status::io_error("create directory: " + error.message());

  std::vector<std::string> topic_files;
  std::vector<std::string> deleting;
  std::map<std::string, int32_t> partition_dirs;  // topic -> highest partition + 1
  for (const fs::directory_entry& entry : fs::directory_iterator(kafka_dir_, error)) {
    std::string name = entry.path().filename().string();
    if (entry.is_directory() && ends_with(name, kDeletedDirSuffix)) {
      fs::remove_all(entry.path(), error);
    } else if (!entry.is_directory() && ends_with(name, kTopicFileSuffix)) {
      topic_files.push_back(name.substr(0, name.size() - kTopicFileSuffix.size()));
    } else if (!entry.is_directory() && ends_with(name, kDeletingSuffix)) {
      deleting.push_back(name.substr(0, name.size() - kDeletingSuffix.size()));
    } else if (entry.is_directory()) {
      if (auto split = split_partition_dir(name)) {
        partition_dirs[split->first] = std::max(partition_dirs[split->first], split->second + 1);
      }
    }
  }
  if (error) return Status::io_error("list: " + error.message());

  for (const std::string& name : deleting) {
    // A DeleteTopics that a crash interrupted: finish it.
    spdlog::info("kafka: finishing the deletion of topic {}", name);
    auto found = partition_dirs.find(name);
    if (found != partition_dirs.end()) {
      LOCH_RETURN_IF_ERROR(remove_partition_dirs(name, found->second));
      partition_dirs.erase(found);
    }
    fs::remove(fmt::format("{}/{}{}", kafka_dir_, name, kDeletingSuffix), error);
  }

  std::unique_lock lock(mutex_);
  for (const std::string& name : topic_files) {
    LOCH_ASSIGN_OR_RETURN(std::string text, read_whole_file(topic_file(name)));
    nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded() || !json.is_object() || json.value("version", 0) != kTopicFileVersion ||
        !json.contains("partitions") || !json["partitions"].is_number_integer()) {
      return Status::corruption(fmt::format("{}: not a topic file of version {}", topic_file(name), kTopicFileVersion));
    }
    Topic topic;
    int32_t partitions = json["partitions"].get<int32_t>();
    if (json.contains("configs") && json["configs"].is_object()) {
      for (const auto& [key, value] : json["configs"].items()) {
        if (value.is_string()) topic.overrides[key] = value.get<std::string>();
      }
    }
    topic.config = options_.defaults;
    for (const auto& [key, value] : topic.overrides) {
      Status status = topic.config.set(key, value);
      if (!status.is_ok()) spdlog::warn("kafka topic {}: config ignored: {}", name, status.to_string());
    }
    auto on_disk = partition_dirs.find(name);
    if (on_disk != partition_dirs.end() && on_disk->second > partitions) {
      spdlog::warn("kafka topic {}: {} partition directories, topic file says {}; opening all", name,
                   on_disk->second, partitions);
      partitions = on_disk->second;
    }
    for (int32_t p = 0; p < partitions; ++p) {
      LOCH_ASSIGN_OR_RETURN(auto log, open_partition(name, p, topic.config));
      topic.partitions.push_back(std::move(log));
    }
    partition_dirs.erase(name);
    topics_[name] = std::move(topic);
  }
  for (const auto& [name, partitions] : partition_dirs) {
    if (!validate_topic_name(name).is_ok()) continue;
    spdlog::warn("kafka topic {}: partition directories without a topic file; adopting {} partition(s) with the "
                 "default config",
                 name, partitions);
    LOCH_RETURN_IF_ERROR(write_topic_file(name, partitions, {}));
    Topic topic;
    topic.config = options_.defaults;
    for (int32_t p = 0; p < partitions; ++p) {
      LOCH_ASSIGN_OR_RETURN(auto log, open_partition(name, p, topic.config));
      topic.partitions.push_back(std::move(log));
    }
    topics_[name] = std::move(topic);
  }
  return Status::ok();
}

Status LogManager::create_topic(const std::string& name, int32_t partitions,
                                const std::map<std::string, std::string>& configs) {
  LOCH_RETURN_IF_ERROR(validate_topic_name(name));
  if (partitions < 1 || partitions > kMaxPartitions) {
    return Status::invalid_argument(fmt::format("topic {}: {} partitions (1 to {} allowed)", name, partitions,
                                                kMaxPartitions));
  }
  Topic topic;
  topic.config = options_.defaults;
  LOCH_RETURN_IF_ERROR(LogConfig::apply(configs, topic.config).with_context("topic " + name));
  topic.overrides = configs;
  std::unique_lock lock(mutex_);
  if (topics_.count(name) != 0) return Status::already_exists(fmt::format("topic {} already exists", name));
  // The topic file first: a crash before the directories exist leaves a
  // topic whose partitions are created empty on the next open.
  LOCH_RETURN_IF_ERROR(write_topic_file(name, partitions, configs));
  for (int32_t p = 0; p < partitions; ++p) {
    LOCH_ASSIGN_OR_RETURN(auto log, open_partition(name, p, topic.config));
    topic.partitions.push_back(std::move(log));
  }
  LOCH_RETURN_IF_ERROR(sync_directory(kafka_dir_));
  topics_[name] = std::move(topic);
  return Status::ok();
}

Status LogManager::delete_topic(const std::string& name) {
  std::unique_lock lock(mutex_);
  auto it = topics_.find(name);
  if (it == topics_.end()) return Status::not_found(fmt::format("topic {} does not exist", name));
  for (const auto& log : it->second.partitions) {
    Status status = log->close();
    if (!status.is_ok()) spdlog::warn("kafka topic {}: closing before deletion: {}", name, status.to_string());
  }
  int32_t partitions = static_cast<int32_t>(it->second.partitions.size());
  topics_.erase(it);
  // doc/kafka-log-format.md, "Topic file": the rename marks the deletion as
  // decided, so that open() finishes it after a crash.
  std::string deleting = fmt::format("{}/{}{}", kafka_dir_, name, kDeletingSuffix);
  std::error_code error;
  fs::rename(topic_file(name), deleting, error);
  if (error) return Status::io_error(fmt::format("rename {}: {}", topic_file(name), error.message()));
  LOCH_RETURN_IF_ERROR(sync_directory(kafka_dir_));
  LOCH_RETURN_IF_ERROR(remove_partition_dirs(name, partitions));
  fs::remove(deleting, error);
  return sync_directory(kafka_dir_);
}

Status LogManager::create_partitions(const std::string& name, int32_t total) {
  std::unique_lock lock(mutex_);
  auto it = topics_.find(name);
  if (it == topics_.end()) return Status::not_found(fmt::format("topic {} does not exist", name));
  Topic& topic = it->second;
  auto current = static_cast<int32_t>(topic.partitions.size());
  if (total <= current || total > kMaxPartitions) {
    return Status::invalid_argument(
        fmt::format("topic {} has {} partitions; the new count must be larger, at most {}", name, current,
                    kMaxPartitions));
  }
  LOCH_RETURN_IF_ERROR(write_topic_file(name, total, topic.overrides));
  for (int32_t p = current; p < total; ++p) {
    LOCH_ASSIGN_OR_RETURN(auto log, open_partition(name, p, topic.config));
    topic.partitions.push_back(std::move(log));
  }
  return sync_directory(kafka_dir_);
}

Status LogManager::set_overrides_locked(const std::string& name, Topic& topic,
                                        std::map<std::string, std::string> overrides) {
  LogConfig config = options_.defaults;
  LOCH_RETURN_IF_ERROR(LogConfig::apply(overrides, config).with_context("topic " + name));
  LOCH_RETURN_IF_ERROR(write_topic_file(name, static_cast<int32_t>(topic.partitions.size()), overrides));
  topic.overrides = std::move(overrides);
  topic.config = config;
  for (const auto& log : topic.partitions) log->set_config(config);
  return Status::ok();
}

Status LogManager::replace_topic_config(const std::string& name, const std::map<std::string, std::string>& overrides) {
  std::unique_lock lock(mutex_);
  auto it = topics_.find(name);
  if (it == topics_.end()) return Status::not_found(fmt::format("topic {} does not exist", name));
  return set_overrides_locked(name, it->second, overrides);
}

Status LogManager::update_topic_config(const std::string& name, const std::map<std::string, std::string>& set,
                                       const std::vector<std::string>& remove) {
  std::unique_lock lock(mutex_);
  auto it = topics_.find(name);
  if (it == topics_.end()) return Status::not_found(fmt::format("topic {} does not exist", name));
  std::map<std::string, std::string> overrides = it->second.overrides;
  for (const std::string& key : remove) overrides.erase(key);
  for (const auto& [key, value] : set) overrides[key] = value;
  return set_overrides_locked(name, it->second, std::move(overrides));
}

std::shared_ptr<PartitionLog> LogManager::partition(std::string_view topic, PartitionId partition) const {
  std::shared_lock lock(mutex_);
  auto it = topics_.find(topic);
  if (it == topics_.end() || partition.value() < 0 ||
      static_cast<size_t>(partition.value()) >= it->second.partitions.size()) {
    return nullptr;
  }
  return it->second.partitions[static_cast<size_t>(partition.value())];
}

std::optional<TopicDescription> LogManager::describe_topic(std::string_view name) const {
  std::shared_lock lock(mutex_);
  auto it = topics_.find(name);
  if (it == topics_.end()) return std::nullopt;
  return TopicDescription{it->first, static_cast<int32_t>(it->second.partitions.size()), it->second.overrides,
                          it->second.config};
}

std::vector<TopicDescription> LogManager::list_topics() const {
  std::shared_lock lock(mutex_);
  std::vector<TopicDescription> topics;
  for (const auto& [name, topic] : topics_) {
    topics.push_back({name, static_cast<int32_t>(topic.partitions.size()), topic.overrides, topic.config});
  }
  return topics;
}

MaintenanceReport LogManager::run_maintenance() {
  std::vector<std::pair<std::string, std::shared_ptr<PartitionLog>>> logs;
  {
    std::shared_lock lock(mutex_);
    for (const auto& [name, topic] : topics_) {
      for (size_t p = 0; p < topic.partitions.size(); ++p) {
        logs.emplace_back(fmt::format("{}-{}", name, p), topic.partitions[p]);
      }
    }
  }
  MaintenanceReport report;
  for (const auto& [name, log] : logs) {
    Status flushed = log->flush_if_due();
    if (!flushed.is_ok()) report.errors.push_back(name + ": flush: " + flushed.to_string());
    auto retention = log->enforce_retention();
    if (retention.is_ok()) {
      report.segments_deleted += retention->segments_deleted;
      report.bytes_deleted += retention->bytes_deleted;
    } else {
      report.errors.push_back(name + ": retention: " + retention.status().to_string());
    }
    auto compaction = log->compact();
    if (compaction.is_ok()) {
      report.segments_compacted += compaction->segments_rewritten;
      report.records_compacted += compaction->records_removed;
    } else {
      report.errors.push_back(name + ": compaction: " + compaction.status().to_string());
    }
  }
  for (const std::string& error : report.errors) spdlog::error("kafka log maintenance: {}", error);
  return report;
}

Status LogManager::flush_all() {
  std::shared_lock lock(mutex_);
  Status first_error;
  for (const auto& [name, topic] : topics_) {
    for (const auto& log : topic.partitions) {
      Status status = log->flush();
      if (!status.is_ok() && first_error.is_ok()) first_error = status;
    }
  }
  return first_error;
}

}  // namespace loch::kafka
