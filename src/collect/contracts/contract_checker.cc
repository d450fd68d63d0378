#include "collect/contracts/contract_checker.h"

#include <fmt/format.h>

#include "collect/registry/wire_format.h"

namespace loch::contracts {

TopicContract TopicContract::from_config(const std::string& topic, const kafka::LogConfig& config) {
  TopicContract c;
  c.check_key = config.key_schema_validation;
  c.check_value = config.value_schema_validation;
  c.key_subject = config.key_subject.empty() ? topic + "-key" : config.key_subject;
  c.value_subject = config.value_subject.empty() ? topic + "-value" : config.value_subject;
  c.dead_letter = config.contract_dlq;
  return c;
}

std::string dead_letter_topic(std::string_view topic) { return std::string(topic) + ".dlq"; }

ContractChecker::ContractChecker(SchemaSource& source)
    : source_(source), decoders_([&source](int32_t id) { return source.schema_by_id(id); }) {}

std::optional<Violation> ContractChecker::check(const TopicContract& contract, std::optional<std::string_view> key,
                                                std::optional<std::string_view> value) {
  if (contract.check_key && key) {
    if (auto v = check_part("key", contract.key_subject, *key)) return v;
  }
  if (contract.check_value && value) {
    if (auto v = check_part("value", contract.value_subject, *value)) return v;
  }
  return std::nullopt;
}

std::optional<Violation> ContractChecker::check_part(std::string_view part, const std::string& subject,
                                                     std::string_view record) {
  auto header = registry::read_wire_header(record);
  if (!header.is_ok()) {
    return Violation{fmt::format("{}: not in the schema registry wire format ({})", part, header.status().message()),
                     std::nullopt};
  }
  int32_t id = header->schema_id;
  std::shared_ptr<const decode::RecordDecoder> known;
  {
    std::shared_lock lock(mutex_);
    auto by_id = decoders_by_subject_.find(subject);
    if (by_id != decoders_by_subject_.end()) {
      auto it = by_id->second.find(id);
      if (it != by_id->second.end()) known = it->second;
    }
  }
  if (known != nullptr) {
    Status decoded = known->check(header->payload);
    if (decoded.is_ok()) return std::nullopt;
    return Violation{fmt::format("{}: does not match schema id {}: {}", part, id, decoded.message()), id};
  }
  if (!registered(subject, id)) {
    bool known = source_.schema_by_id(id) != nullptr;
    return Violation{known ? fmt::format("{}: schema id {} is not registered under subject '{}'", part, id, subject)
                           : fmt::format("{}: schema id {} is unknown to the registry", part, id),
                     id};
  }
  auto wire = decoders_.resolve(record);
  if (!wire.is_ok()) return Violation{fmt::format("{}: {}", part, wire.status().message()), id};
  if (auto schema = source_.schema_by_id(id); schema != nullptr && schema->type() != registry::SchemaType::kProtobuf) {
    std::unique_lock lock(mutex_);
    decoders_by_subject_[subject].emplace(id, wire->decoder);
  }
  Status decoded = wire->decoder->check(wire->payload);
  if (!decoded.is_ok()) {
    return Violation{fmt::format("{}: does not match schema id {}: {}", part, id, decoded.message()), id};
  }
  return std::nullopt;
}

bool ContractChecker::registered(const std::string& subject, int32_t id) {
  {
    std::shared_lock lock(mutex_);
    auto it = registered_.find(subject);
    if (it != registered_.end() && it->second.count(id) != 0) return true;
  }
  if (!source_.is_registered_under(subject, id)) return false;
  std::unique_lock lock(mutex_);
  registered_[subject].insert(id);
  return true;
}

}  // namespace loch::contracts
