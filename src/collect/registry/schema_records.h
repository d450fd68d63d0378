// The records the registry keeps in its compacted `_schemas` topic, in
// Confluent's layout (grammar: doc/registry-format.md), so that the store is
// rebuilt by replaying them in order and a log written by loch reads like
// one written by Confluent:
//
//   key {"keytype":"SCHEMA","subject":"s","version":1,"magic":1}
//   value {"subject":"s","version":1,"id":7,"schemaType":"JSON","references":[...],
//          "schema":"...","deleted":false}                  (no value: hard delete)
//   key {"keytype":"CONFIG","subject":"s"|null,"magic":0}   value {"compatibilityLevel":"FULL"}
//   key {"keytype":"MODE","subject":"s"|null,"magic":0}     value {"mode":"READONLY"}
//   key {"keytype":"DELETE_SUBJECT","subject":"s","magic":0} value {"subject":"s","version":3}
//   key {"keytype":"CLEAR_SUBJECT","subject":"s","magic":0}  value {"subject":"s"}
//   key {"keytype":"NOOP","magic":0}
//
// Keys are written with their members in this fixed order, so one logical
// key is always the same bytes (what log compaction needs).
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collect/registry/registry_types.h"
#include "common/result.h"

namespace loch::registry {

struct SchemaRecord {
  std::string key;
  std::optional<std::string> value;  // std::nullopt: a tombstone
};

enum class RecordKeyType { kSchema, kConfig, kMode, kDeleteSubject, kClearSubject, kNoop };

struct RecordKey {
  RecordKeyType type = RecordKeyType::kNoop;
  std::optional<std::string> subject;  // std::nullopt: global (CONFIG, MODE)
  int32_t version = 0;                 // SCHEMA only
};

struct SchemaValue {
  std::string subject;
  int32_t version = 0;
  int32_t id = 0;
  SchemaType type = SchemaType::kAvro;
  std::string schema;
  std::vector<SchemaReference> references;
  bool deleted = false;
};

std::string encode_record_key(const RecordKey& key);
// Corruption when the bytes are not such a key.
Result<RecordKey> decode_record_key(std::string_view bytes);

std::string encode_schema_value(const SchemaValue& value);
Result<SchemaValue> decode_schema_value(std::string_view bytes);

std::string encode_config_value(CompatibilityLevel level);
Result<CompatibilityLevel> decode_config_value(std::string_view bytes);

std::string encode_mode_value(Mode mode);
Result<Mode> decode_mode_value(std::string_view bytes);

// DELETE_SUBJECT: every version up to `version` is soft-deleted.
std::string encode_delete_subject_value(std::string_view subject, int32_t version);
Result<int32_t> decode_delete_subject_value(std::string_view bytes);

std::string encode_clear_subject_value(std::string_view subject);

// Where the store appends the records it decides on. append() returns once
// the record is durable (or fails, and the store then changes nothing).
// Called with the store's write lock held, one record at a time.
class RecordSink {
 public:
  virtual ~RecordSink() = default;
  virtual Status append(const SchemaRecord& record) = 0;
};

// Keeps records in memory, in order: for tests, and as the store's log when
// no broker is wired. Thread-safe.
class MemoryRecordSink final : public RecordSink {
 public:
  Status append(const SchemaRecord& record) override;
  std::vector<SchemaRecord> records() const;
  // The next append fails with `status` (to test store errors).
  void fail_next_append(Status status);

 private:
  mutable std::mutex mutex_;
  std::vector<SchemaRecord> records_;  // guarded by mutex_
  std::optional<Status> next_failure_;  // guarded by mutex_
};

}  // namespace loch::registry
