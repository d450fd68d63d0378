// SchemaStore's write path: every change is a `_schemas` record, appended to
// the sink and then applied by the same code that replays the log at start
// (doc/registry-format.md, "Replay rules").
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <mutex>

#include "collect/registry/schema_store.h"

namespace loch::registry {

// ---------------------------------------------------------------- replay

ReplayReport SchemaStore::replay(const std::vector<SchemaRecord>& records) {
  std::unique_lock lock(mutex_);
  ReplayReport report;
  for (size_t i = 0; i < records.size(); ++i) {
    Status status = apply_locked(records[i]);
    if (status.is_ok()) {
      ++report.applied;
    } else {
      report.skipped.push_back(fmt::format("record {}: {}", i, status.message()));
      // Reported, not fatal: one bad record must not take the registry down.
      spdlog::warn("schema registry: skipping _schemas {}", report.skipped.back());
    }
  }
  return report;
}

Status SchemaStore::apply_record(const SchemaRecord& record) {
  std::unique_lock lock(mutex_);
  return apply_locked(record);
}

Status SchemaStore::apply_locked(const SchemaRecord& record) {
  LOCH_ASSIGN_OR_RETURN(RecordKey key, decode_record_key(record.key));
  switch (key.type) {
    case RecordKeyType::kNoop: return Status::ok();
    case RecordKeyType::kSchema: {
      const std::string& subject_name = *key.subject;
      if (!record.value) {
        const auto subject = subjects_.find(subject_name);
        if (subject == subjects_.end()) return Status::ok();  // deleting what is gone is a no-op
        const auto version = subject->second.versions.find(key.version);
        if (version == subject->second.versions.end()) return Status::ok();
        const int32_t id = version->second.id;
        subject->second.versions.erase(version);
        forget_unused_id(id);
        return Status::ok();
      }
      LOCH_ASSIGN_OR_RETURN(SchemaValue value, decode_schema_value(*record.value));
      if (value.subject != subject_name || value.version != key.version) {
        return Status::corruption(fmt::format("SCHEMA key {}/{} holds a value for {}/{}", subject_name, key.version,
                                              value.subject, value.version));
      }
      if (value.id < 1) return Status::corruption(fmt::format("SCHEMA value: id {} < 1", value.id));
      const auto existing = schemas_.find(value.id);
      if (existing != schemas_.end()) {
        if (existing->second.type != value.type || existing->second.schema != value.schema ||
            existing->second.references != value.references) {
          return Status::corruption(fmt::format("SCHEMA {}/{}: id {} already names another schema", subject_name,
                                                value.version, value.id));
        }
      } else {
        auto resolved = resolve_references(value.references);
        if (!resolved.is_ok()) {
          return Status::corruption(fmt::format("SCHEMA {}/{}: {}", subject_name, value.version, resolved.error().message));
        }
        auto parsed = parse_schema(value.type, value.schema, *resolved);
        if (!parsed.is_ok()) {
          return Status::corruption(fmt::format("SCHEMA {}/{}: {}", subject_name, value.version, parsed.status().message()));
        }
        schemas_[value.id] = Stored{value.type, value.schema, value.references, std::move(parsed).value()};
        ids_.emplace(identity_of(value.type, value.schema, value.references), value.id);
      }
      max_id_ = std::max(max_id_, value.id);
      Subject& subject = subjects_[subject_name];
      const auto previous = subject.versions.find(value.version);
      const std::optional<int32_t> replaced =
          previous != subject.versions.end() && previous->second.id != value.id ? std::optional(previous->second.id) : std::nullopt;
      subject.versions[value.version] = Version{value.id, value.deleted};
      if (replaced) forget_unused_id(*replaced);
      return Status::ok();
    }
    case RecordKeyType::kDeleteSubject: {
      if (!record.value) return Status::ok();
      LOCH_ASSIGN_OR_RETURN(int32_t up_to, decode_delete_subject_value(*record.value));
      const auto subject = subjects_.find(*key.subject);
      if (subject == subjects_.end()) return Status::corruption(fmt::format("DELETE_SUBJECT of unknown subject '{}'", *key.subject));
      for (auto& [number, version] : subject->second.versions) {
        if (number <= up_to) version.deleted = true;
      }
      return Status::ok();
    }
    case RecordKeyType::kClearSubject: {
      const auto subject = subjects_.find(*key.subject);
      if (subject == subjects_.end()) return Status::ok();
      std::vector<int32_t> cleared;
      for (auto it = subject->second.versions.begin(); it != subject->second.versions.end();) {
        if (it->second.deleted) {
          cleared.push_back(it->second.id);
          it = subject->second.versions.erase(it);
        } else {
          ++it;
        }
      }
      for (int32_t id : cleared) forget_unused_id(id);
      return Status::ok();
    }
    case RecordKeyType::kConfig: {
      std::optional<CompatibilityLevel> level;
      if (record.value) {
        LOCH_ASSIGN_OR_RETURN(level, decode_config_value(*record.value));
      }
      if (key.subject) {
        subjects_[*key.subject].compatibility = level;
      } else {
        global_compatibility_ = level;
      }
      return Status::ok();
    }
    case RecordKeyType::kMode: {
      std::optional<Mode> mode;
      if (record.value) {
        LOCH_ASSIGN_OR_RETURN(mode, decode_mode_value(*record.value));
      }
      if (key.subject) {
        subjects_[*key.subject].mode = mode;
      } else {
        global_mode_ = mode;
      }
      return Status::ok();
    }
  }
  return Status::ok();
}

void SchemaStore::forget_unused_id(int32_t id) {
  for (const auto& [name, subject] : subjects_) {
    for (const auto& [number, version] : subject.versions) {
      if (version.id == id) return;
    }
  }
  const auto stored = schemas_.find(id);
  if (stored == schemas_.end()) return;
  ids_.erase(identity_of(stored->second.type, stored->second.schema, stored->second.references));
  schemas_.erase(stored);
}

std::optional<RegistryError> SchemaStore::commit(const SchemaRecord& record) {
  if (sink_ != nullptr) {
    Status written = sink_->append(record);
    if (!written.is_ok()) return RegistryError::store_error(fmt::format("Error while writing to the _schemas log: {}", written.message()));
  }
  Status applied = apply_locked(record);
  if (!applied.is_ok()) return RegistryError::store_error(fmt::format("Error while applying a _schemas record: {}", applied.message()));
  return std::nullopt;
}

}  // namespace loch::registry
