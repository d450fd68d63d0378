// ContractChecker: whether one record keeps a topic's data contract
// (doc/registry-contracts.md):
//   - the key / value the contract covers is in Confluent's wire format;
//   - its schema id is registered under the contract's subject
//     (TopicNameStrategy: <topic>-key / <topic>-value unless overridden);
//   - its payload decodes against that schema (collect/decode).
// A null value (a tombstone) or a null key passes: there is nothing to check.
//
// The broker uses it with the embedded registry's store; `loch dlq replay`
// with a registry reached over HTTP. Both go through SchemaSource, and the
// checker caches what it learns, so the hot path does no registry lookup once
// a schema has been seen. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>

#include "collect/decode/decoder_cache.h"
#include "collect/kafka/log/log_config.h"

namespace loch::contracts {

// What a contract checker needs from a schema registry.
class SchemaSource {
 public:
  virtual ~SchemaSource() = default;
  // False while the registry cannot answer yet (contracts then refuse
  // produce with a retriable error rather than misjudge records).
  virtual bool available() { return true; }
  // nullptr when the id is unknown.
  virtual std::shared_ptr<const registry::ParsedSchema> schema_by_id(int32_t id) = 0;
  // Whether a live version of `subject` has this schema id.
  virtual bool is_registered_under(const std::string& subject, int32_t id) = 0;
};

// A topic's contract, read from its configs (LogConfig).
struct TopicContract {
  bool check_key = false;
  bool check_value = false;
  std::string key_subject;    // <topic>-key unless overridden
  std::string value_subject;  // <topic>-value unless overridden
  bool dead_letter = false;   // loch.contract.policy=dlq

  bool enabled() const { return check_key || check_value; }
  static TopicContract from_config(const std::string& topic, const kafka::LogConfig& config);
};

// The name of a topic's dead-letter topic.
std::string dead_letter_topic(std::string_view topic);

struct Violation {
  std::string reason;       // "value: schema id 7 is not registered under subject 'orders-value'"
  std::optional<int32_t> schema_id;  // the id the record named, when it had a readable wire header
};

class ContractChecker {
 public:
  explicit ContractChecker(SchemaSource& source);
  SchemaSource& source() { return source_; }

  // nullopt when the record keeps the contract.
  std::optional<Violation> check(const TopicContract& contract, std::optional<std::string_view> key,
                                 std::optional<std::string_view> value);
  std::optional<Violation> check(const TopicContract& contract, const std::optional<std::string>& key,
                                 const std::optional<std::string>& value) {
    return check(contract, key ? std::optional<std::string_view>(*key) : std::nullopt,
                 value ? std::optional<std::string_view>(*value) : std::nullopt);
  }

 private:
  std::optional<Violation> check_part(std::string_view part, const std::string& subject, std::string_view record);
  bool registered(const std::string& subject, int32_t id);

  SchemaSource& source_;
  decode::DecoderCache decoders_;
  mutable std::shared_mutex mutex_;
  // (subject, id) pairs seen registered. Only positives are kept: an id
  // registered later must pass without a restart.
  std::map<std::string, std::set<int32_t>, std::less<>> registered_;  // guarded by mutex_; subject -> ids
  // The hot path: subject -> id -> decoder, for registered ids of schemas
  // whose decoder does not depend on the record (all but PROTOBUF, whose
  // message indexes vary per record): one lookup per record.
  std::map<std::string, std::map<int32_t, std::shared_ptr<const decode::RecordDecoder>>, std::less<>>
      decoders_by_subject_;  // guarded by mutex_
};

}  // namespace loch::contracts
