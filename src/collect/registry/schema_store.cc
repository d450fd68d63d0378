#include "collect/registry/schema_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <mutex>

namespace loch::registry {

namespace {

bool is_valid_subject(std::string_view subject) {
  if (subject.empty()) return false;
  return std::none_of(subject.begin(), subject.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; });
}

SchemaRecord schema_record(std::string_view subject, int32_t version, int32_t id, SchemaType type,
                           const std::string& text, const std::vector<SchemaReference>& references, bool deleted) {
  RecordKey key{RecordKeyType::kSchema, std::string(subject), version};
  SchemaValue value{std::string(subject), version, id, type, text, references, deleted};
  return {encode_record_key(key), encode_schema_value(value)};
}

SchemaRecord tombstone(RecordKeyType type, std::optional<std::string_view> subject, int32_t version = 0) {
  RecordKey key{type, subject ? std::optional<std::string>(std::string(*subject)) : std::nullopt, version};
  return {encode_record_key(key), std::nullopt};
}

}  // namespace

RegistryResult<VersionSpec> VersionSpec::parse(std::string_view text) {
  if (text == "latest" || text == "-1") return VersionSpec::latest();
  int64_t number = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error != std::errc() || end != text.data() + text.size() || number < 1 || number > INT32_MAX) {
    return RegistryError::invalid_version(text);
  }
  return VersionSpec::of(static_cast<int32_t>(number));
}

bool SchemaStore::Subject::has_live_versions() const {
  return std::any_of(versions.begin(), versions.end(), [](const auto& entry) { return !entry.second.deleted; });
}

SchemaStore::SchemaStore(RecordSink* sink) : sink_(sink) {}

// ---------------------------------------------------------------- helpers

// How a schema is known across subjects: same type, text and references
// means same id.
std::string SchemaStore::identity_of(SchemaType type, const std::string& text, const std::vector<SchemaReference>& references) {
  std::string key(schema_type_name(type));
  key += '\0';
  key += text;
  for (const SchemaReference& reference : references) {
    key += fmt::format("{}{}{}{}{}{}", '\0', reference.name, '\0', reference.subject, '\0', reference.version);
  }
  return key;
}


const SchemaStore::Subject* SchemaStore::find_subject(std::string_view subject) const {
  const auto it = subjects_.find(subject);
  return it == subjects_.end() ? nullptr : &it->second;
}

Status SchemaStore::resolve_into(const SchemaReference& reference, std::vector<ResolvedReference>& out, int depth) const {
  if (depth > 32) return Status::invalid_argument(fmt::format("reference {}: references nest deeper than 32", reference.name));
  const Subject* subject = find_subject(reference.subject);
  std::optional<int32_t> id;
  if (subject != nullptr) {
    if (reference.version == -1) {
      for (auto it = subject->versions.rbegin(); it != subject->versions.rend(); ++it) {
        if (!it->second.deleted) {
          id = it->second.id;
          break;
        }
      }
    } else if (const auto version = subject->versions.find(reference.version); version != subject->versions.end()) {
      id = version->second.id;
    }
  }
  if (!id) {
    return Status::invalid_argument(fmt::format("reference {}: subject '{}' version {} not found", reference.name,
                                                reference.subject, reference.version));
  }
  const Stored& stored = schemas_.at(*id);
  for (const SchemaReference& nested : stored.references) LOCH_RETURN_IF_ERROR(resolve_into(nested, out, depth + 1));
  const bool seen = std::any_of(out.begin(), out.end(), [&](const ResolvedReference& r) { return r.name == reference.name; });
  if (!seen) out.push_back({reference.name, stored.schema});
  return Status::ok();
}

RegistryResult<std::vector<ResolvedReference>> SchemaStore::resolve_references(
    const std::vector<SchemaReference>& references) const {
  std::vector<ResolvedReference> out;
  for (const SchemaReference& reference : references) {
    Status status = resolve_into(reference, out, 0);
    if (!status.is_ok()) return RegistryError::invalid_schema(status.message());
  }
  return out;
}

RegistryResult<SchemaStore::Candidate> SchemaStore::parse_request(const SchemaRequest& request) const {
  if (request.schema.empty()) return RegistryError::invalid_schema("Empty schema");
  auto resolved = resolve_references(request.references);
  if (!resolved.is_ok()) return resolved.error();
  auto parsed = parse_schema(request.type, request.schema, *resolved);
  if (!parsed.is_ok()) return RegistryError::invalid_schema(parsed.status().message());
  Candidate candidate;
  candidate.parsed = std::move(parsed).value();
  candidate.text = request.normalize ? candidate.parsed->normalized() : candidate.parsed->canonical();
  return candidate;
}

std::optional<int32_t> SchemaStore::find_id(SchemaType type, const std::string& text,
                                            const std::vector<SchemaReference>& references) const {
  const auto it = ids_.find(identity_of(type, text, references));
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

std::vector<VersionedSchema> SchemaStore::live_history(const Subject& subject) const {
  std::vector<VersionedSchema> history;
  for (const auto& [number, version] : subject.versions) {
    if (!version.deleted) history.push_back({number, schemas_.at(version.id).parsed.get()});
  }
  return history;
}

CompatibilityLevel SchemaStore::effective_compatibility(std::string_view subject) const {
  if (const Subject* entry = find_subject(subject); entry != nullptr && entry->compatibility) return *entry->compatibility;
  return global_compatibility_.value_or(CompatibilityLevel::kBackward);
}

Mode SchemaStore::effective_mode(std::string_view subject) const {
  if (const Subject* entry = find_subject(subject); entry != nullptr && entry->mode) return *entry->mode;
  return global_mode_.value_or(Mode::kReadWrite);
}

std::optional<RegistryError> SchemaStore::check_writable(std::string_view subject) const {
  const Mode mode = effective_mode(subject);
  if (mode == Mode::kReadOnly || mode == Mode::kReadOnlyOverride) {
    return RegistryError::operation_not_permitted(fmt::format("Subject {} is in read-only mode", subject));
  }
  return std::nullopt;
}

RegistryResult<int32_t> SchemaStore::pick_version(std::string_view subject, const Subject& entry, VersionSpec version,
                                                  bool include_deleted) const {
  if (!version.number) {
    for (auto it = entry.versions.rbegin(); it != entry.versions.rend(); ++it) {
      if (include_deleted || !it->second.deleted) return it->first;
    }
    return RegistryError::subject_not_found(subject);
  }
  const auto found = entry.versions.find(*version.number);
  if (found == entry.versions.end() || (found->second.deleted && !include_deleted)) {
    return RegistryError::version_not_found(*version.number);
  }
  return *version.number;
}

bool SchemaStore::is_referenced(std::string_view subject, int32_t version) const {
  for (const auto& [id, stored] : schemas_) {
    for (const SchemaReference& reference : stored.references) {
      if (reference.subject == subject && reference.version == version) return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------- schemas

RegistryResult<RegisterOutcome> SchemaStore::register_schema(std::string_view subject, const SchemaRequest& request) {
  std::unique_lock lock(mutex_);
  if (!is_valid_subject(subject)) return RegistryError::invalid_subject(subject);
  if (auto error = check_writable(subject)) return *error;
  const Mode mode = effective_mode(subject);
  if ((request.id || request.version) && mode != Mode::kImport) {
    return RegistryError::operation_not_permitted(fmt::format("Subject {} is not in import mode", subject));
  }
  auto candidate = parse_request(request);
  if (!candidate.is_ok()) return candidate.error();
  const Subject* entry = find_subject(subject);
  if (entry != nullptr) {
    for (auto it = entry->versions.rbegin(); it != entry->versions.rend(); ++it) {
      if (it->second.deleted) continue;
      const Stored& stored = schemas_.at(it->second.id);
      const bool same = stored.type == request.type && stored.references == request.references &&
                        (stored.schema == candidate->text ||
                         (request.normalize && stored.parsed->normalized() == candidate->parsed->normalized()));
      if (same && (!request.id || *request.id == it->second.id)) return RegisterOutcome{it->second.id, it->first, true};
    }
    if (mode != Mode::kImport) {
      const CompatibilityReport report =
          loch::registry::check_compatibility(effective_compatibility(subject), *candidate->parsed, live_history(*entry));
      if (!report.is_compatible) return RegistryError::incompatible_schema(subject, report.messages);
    }
  }
  const std::optional<int32_t> known = find_id(request.type, candidate->text, request.references);
  int32_t id = 0;
  if (request.id) {
    if (*request.id < 1) return RegistryError::id_does_not_match(fmt::format("Invalid id {}", *request.id));
    const auto taken = schemas_.find(*request.id);
    if (taken != schemas_.end() &&
        (taken->second.type != request.type || taken->second.schema != candidate->text || taken->second.references != request.references)) {
      return RegistryError::id_does_not_match(fmt::format(
          "Schema already registered with id {} instead of input id {}", known.value_or(0), *request.id));
    }
    id = *request.id;
  } else {
    id = known.value_or(max_id_ + 1);
  }
  int32_t version = 1;
  if (entry != nullptr && !entry->versions.empty()) version = entry->versions.rbegin()->first + 1;
  if (request.version) {
    if (entry != nullptr && entry->versions.count(*request.version)) {
      return RegistryError::operation_not_permitted(fmt::format("Version {} of subject {} already exists", *request.version, subject));
    }
    version = *request.version;
  }
  if (auto error = commit(schema_record(subject, version, id, request.type, candidate->text, request.references, false))) {
    return *error;
  }
  return RegisterOutcome{id, version, false};
}

RegistryResult<SubjectSchema> SchemaStore::lookup_schema(std::string_view subject, const SchemaRequest& request,
                                                         bool include_deleted) const {
  std::shared_lock lock(mutex_);
  const Subject* entry = find_subject(subject);
  if (entry == nullptr || entry->versions.empty() || (!include_deleted && !entry->has_live_versions())) {
    return RegistryError::subject_not_found(subject);
  }
  auto candidate = parse_request(request);
  if (!candidate.is_ok()) return candidate.error();
  for (auto it = entry->versions.rbegin(); it != entry->versions.rend(); ++it) {
    if (it->second.deleted && !include_deleted) continue;
    const Stored& stored = schemas_.at(it->second.id);
    const bool same = stored.type == request.type && stored.references == request.references &&
                      (stored.schema == candidate->text || stored.schema == candidate->parsed->canonical() ||
                       (request.normalize && stored.parsed->normalized() == candidate->parsed->normalized()));
    if (same) {
      return SubjectSchema{std::string(subject), it->first, it->second.id, stored.type, stored.schema, stored.references,
                           it->second.deleted};
    }
  }
  return RegistryError::schema_not_found();
}

std::vector<std::string> SchemaStore::list_subjects(bool include_deleted, std::string_view prefix) const {
  std::shared_lock lock(mutex_);
  std::vector<std::string> names;
  for (const auto& [name, subject] : subjects_) {
    if (!std::string_view(name).starts_with(prefix)) continue;
    if (include_deleted ? !subject.versions.empty() : subject.has_live_versions()) names.push_back(name);
  }
  return names;
}

std::vector<SubjectSchema> SchemaStore::list_schemas(std::string_view prefix, bool include_deleted, bool latest_only) const {
  std::shared_lock lock(mutex_);
  std::vector<SubjectSchema> out;
  for (const auto& [name, subject] : subjects_) {
    if (!std::string_view(name).starts_with(prefix)) continue;
    const size_t first = out.size();
    for (const auto& [number, version] : subject.versions) {
      if (version.deleted && !include_deleted) continue;
      const Stored& stored = schemas_.at(version.id);
      out.push_back({name, number, version.id, stored.type, stored.schema, stored.references, version.deleted});
    }
    if (latest_only && out.size() > first + 1) out.erase(out.begin() + static_cast<std::ptrdiff_t>(first), out.end() - 1);
  }
  return out;
}

RegistryResult<std::vector<int32_t>> SchemaStore::list_versions(std::string_view subject, bool include_deleted) const {
  std::shared_lock lock(mutex_);
  const Subject* entry = find_subject(subject);
  std::vector<int32_t> versions;
  if (entry != nullptr) {
    for (const auto& [number, version] : entry->versions) {
      if (include_deleted || !version.deleted) versions.push_back(number);
    }
  }
  if (versions.empty()) return RegistryError::subject_not_found(subject);
  return versions;
}

RegistryResult<SubjectSchema> SchemaStore::get_version(std::string_view subject, VersionSpec version,
                                                       bool include_deleted, std::string_view format) const {
  std::shared_lock lock(mutex_);
  const Subject* entry = find_subject(subject);
  if (entry == nullptr || entry->versions.empty() || (!include_deleted && !entry->has_live_versions())) {
    return RegistryError::subject_not_found(subject);
  }
  auto number = pick_version(subject, *entry, version, include_deleted);
  if (!number.is_ok()) return number.error();
  const Version& found = entry->versions.at(*number);
  const Stored& stored = schemas_.at(found.id);
  return SubjectSchema{std::string(subject), *number, found.id, stored.type,
                       format.empty() ? stored.schema : stored.parsed->formatted(format), stored.references, found.deleted};
}

RegistryResult<std::vector<int32_t>> SchemaStore::referenced_by(std::string_view subject, VersionSpec version) const {
  std::shared_lock lock(mutex_);
  const Subject* entry = find_subject(subject);
  if (entry == nullptr || entry->versions.empty()) return RegistryError::subject_not_found(subject);
  auto number = pick_version(subject, *entry, version, false);
  if (!number.is_ok()) return number.error();
  std::vector<int32_t> ids;
  for (const auto& [id, stored] : schemas_) {
    for (const SchemaReference& reference : stored.references) {
      if (reference.subject == subject && reference.version == *number) {
        ids.push_back(id);
        break;
      }
    }
  }
  return ids;
}

RegistryResult<SchemaById> SchemaStore::get_schema_by_id(int32_t id, std::string_view format) const {
  std::shared_lock lock(mutex_);
  const auto stored = schemas_.find(id);
  if (stored == schemas_.end()) return RegistryError::schema_id_not_found(id);
  return SchemaById{id, stored->second.type,
                    format.empty() ? stored->second.schema : stored->second.parsed->formatted(format),
                    stored->second.references};
}

std::shared_ptr<const ParsedSchema> SchemaStore::parsed_schema_by_id(int32_t id) const {
  std::shared_lock lock(mutex_);
  const auto stored = schemas_.find(id);
  return stored == schemas_.end() ? nullptr : stored->second.parsed;
}

RegistryResult<std::vector<SubjectVersion>> SchemaStore::versions_for_id(int32_t id, bool include_deleted) const {
  std::shared_lock lock(mutex_);
  if (!schemas_.count(id)) return RegistryError::schema_id_not_found(id);
  std::vector<SubjectVersion> found;
  for (const auto& [name, subject] : subjects_) {
    for (const auto& [number, version] : subject.versions) {
      if (version.id == id && (include_deleted || !version.deleted)) found.push_back({name, number});
    }
  }
  return found;
}

RegistryResult<std::vector<std::string>> SchemaStore::subjects_for_id(int32_t id, bool include_deleted) const {
  auto versions = versions_for_id(id, include_deleted);
  if (!versions.is_ok()) return versions.error();
  std::vector<std::string> names;
  for (const SubjectVersion& entry : *versions) {
    if (names.empty() || names.back() != entry.subject) names.push_back(entry.subject);
  }
  return names;
}

// ---------------------------------------------------------------- deletes

RegistryResult<std::vector<int32_t>> SchemaStore::delete_subject(std::string_view subject, bool permanent) {
  std::unique_lock lock(mutex_);
  const Subject* entry = find_subject(subject);
  if (entry == nullptr || entry->versions.empty()) return RegistryError::subject_not_found(subject);
  if (auto error = check_writable(subject)) return *error;
  std::vector<int32_t> deleted;
  if (!permanent) {
    if (!entry->has_live_versions()) return RegistryError::subject_soft_deleted(subject);
    for (const auto& [number, version] : entry->versions) {
      if (version.deleted) continue;
      if (is_referenced(subject, number)) {
        return RegistryError::reference_exists(fmt::format(
            "One or more references exist to the schema {{magic=1,keytype=SCHEMA,subject={},version={}}}.", subject, number));
      }
      deleted.push_back(number);
    }
    const int32_t latest = entry->versions.rbegin()->first;
    RecordKey key{RecordKeyType::kDeleteSubject, std::string(subject), 0};
    if (auto error = commit({encode_record_key(key), encode_delete_subject_value(subject, latest)})) return *error;
    return deleted;
  }
  if (entry->has_live_versions()) return RegistryError::subject_not_soft_deleted(subject);
  for (const auto& [number, version] : entry->versions) {
    if (is_referenced(subject, number)) {
      return RegistryError::reference_exists(fmt::format(
          "One or more references exist to the schema {{magic=1,keytype=SCHEMA,subject={},version={}}}.", subject, number));
    }
    deleted.push_back(number);
  }
  const bool had_config = entry->compatibility.has_value();
  const bool had_mode = entry->mode.has_value();
  for (int32_t number : deleted) {
    if (auto error = commit(tombstone(RecordKeyType::kSchema, subject, number))) return *error;
  }
  // A permanently deleted subject leaves nothing behind, its settings included.
  if (had_config) {
    if (auto error = commit(tombstone(RecordKeyType::kConfig, subject))) return *error;
  }
  if (had_mode) {
    if (auto error = commit(tombstone(RecordKeyType::kMode, subject))) return *error;
  }
  if (const auto it = subjects_.find(subject); it != subjects_.end() && it->second.versions.empty() &&
                                               !it->second.compatibility && !it->second.mode) {
    subjects_.erase(it);
  }
  return deleted;
}

RegistryResult<int32_t> SchemaStore::delete_version(std::string_view subject, VersionSpec version, bool permanent) {
  std::unique_lock lock(mutex_);
  const Subject* entry = find_subject(subject);
  if (entry == nullptr || entry->versions.empty()) return RegistryError::subject_not_found(subject);
  if (auto error = check_writable(subject)) return *error;
  int32_t number = 0;
  if (version.number) {
    const auto found = entry->versions.find(*version.number);
    if (found == entry->versions.end()) return RegistryError::version_not_found(*version.number);
    if (!permanent && found->second.deleted) return RegistryError::version_soft_deleted(subject, *version.number);
    if (permanent && !found->second.deleted) return RegistryError::version_not_soft_deleted(subject, *version.number);
    number = *version.number;
  } else {
    auto latest = pick_version(subject, *entry, version, /*include_deleted=*/permanent);
    if (!latest.is_ok()) return latest.error();
    number = *latest;
    if (permanent && !entry->versions.at(number).deleted) return RegistryError::version_not_soft_deleted(subject, number);
  }
  if (is_referenced(subject, number)) {
    return RegistryError::reference_exists(fmt::format(
        "One or more references exist to the schema {{magic=1,keytype=SCHEMA,subject={},version={}}}.", subject, number));
  }
  if (permanent) {
    if (auto error = commit(tombstone(RecordKeyType::kSchema, subject, number))) return *error;
  } else {
    const Version& found = entry->versions.at(number);
    const Stored& stored = schemas_.at(found.id);
    if (auto error = commit(schema_record(subject, number, found.id, stored.type, stored.schema, stored.references, true))) {
      return *error;
    }
  }
  return number;
}

// ---------------------------------------------------------------- compatibility

RegistryResult<CompatibilityReport> SchemaStore::check_compatibility(std::string_view subject,
                                                                     std::optional<VersionSpec> version,
                                                                     const SchemaRequest& request) const {
  std::shared_lock lock(mutex_);
  const Subject* entry = find_subject(subject);
  const bool exists = entry != nullptr && entry->has_live_versions();
  if (version && !exists) return RegistryError::subject_not_found(subject);
  auto candidate = parse_request(request);
  if (!candidate.is_ok()) return candidate.error();
  if (!exists) return CompatibilityReport{};
  const CompatibilityLevel level = effective_compatibility(subject);
  if (!version) return loch::registry::check_compatibility(level, *candidate->parsed, live_history(*entry));
  auto number = pick_version(subject, *entry, *version, false);
  if (!number.is_ok()) return number.error();
  const Stored& stored = schemas_.at(entry->versions.at(*number).id);
  return loch::registry::check_compatibility(level, *candidate->parsed, {{*number, stored.parsed.get()}});
}

// ---------------------------------------------------------------- config and mode

RegistryResult<CompatibilityLevel> SchemaStore::get_compatibility(std::optional<std::string_view> subject,
                                                                  bool default_to_global) const {
  std::shared_lock lock(mutex_);
  const CompatibilityLevel global = global_compatibility_.value_or(CompatibilityLevel::kBackward);
  if (!subject) return global;
  const Subject* entry = find_subject(*subject);
  if (entry != nullptr && entry->compatibility) return *entry->compatibility;
  if (default_to_global) return global;
  return RegistryError::subject_compatibility_not_configured(*subject);
}

RegistryResult<CompatibilityLevel> SchemaStore::set_compatibility(std::optional<std::string_view> subject,
                                                                  std::string_view level_name) {
  const auto level = parse_compatibility_level(level_name);
  if (!level) return RegistryError::invalid_compatibility_level(level_name);
  std::unique_lock lock(mutex_);
  if (subject && !is_valid_subject(*subject)) return RegistryError::invalid_subject(*subject);
  RecordKey key{RecordKeyType::kConfig, subject ? std::optional<std::string>(std::string(*subject)) : std::nullopt, 0};
  if (auto error = commit({encode_record_key(key), encode_config_value(*level)})) return *error;
  return *level;
}

RegistryResult<CompatibilityLevel> SchemaStore::delete_compatibility(std::optional<std::string_view> subject) {
  std::unique_lock lock(mutex_);
  CompatibilityLevel previous = global_compatibility_.value_or(CompatibilityLevel::kBackward);
  if (subject) {
    const Subject* entry = find_subject(*subject);
    if (entry == nullptr) return RegistryError::subject_not_found(*subject);
    if (!entry->compatibility) return RegistryError::subject_compatibility_not_configured(*subject);
    previous = *entry->compatibility;
  }
  if (auto error = commit(tombstone(RecordKeyType::kConfig, subject))) return *error;
  return previous;
}

RegistryResult<Mode> SchemaStore::get_mode(std::optional<std::string_view> subject, bool default_to_global) const {
  std::shared_lock lock(mutex_);
  const Mode global = global_mode_.value_or(Mode::kReadWrite);
  if (!subject) return global;
  const Subject* entry = find_subject(*subject);
  if (entry != nullptr && entry->mode) return *entry->mode;
  if (default_to_global) return global;
  return RegistryError::subject_mode_not_configured(*subject);
}

RegistryResult<Mode> SchemaStore::set_mode(std::optional<std::string_view> subject, std::string_view mode_text, bool force) {
  const auto mode = parse_mode(mode_text);
  if (!mode) return RegistryError::invalid_mode(mode_text);
  std::unique_lock lock(mutex_);
  if (subject && !is_valid_subject(*subject)) return RegistryError::invalid_subject(*subject);
  if (*mode == Mode::kImport && !force) {
    const bool has_schemas = subject ? (find_subject(*subject) != nullptr && !find_subject(*subject)->versions.empty())
                                     : std::any_of(subjects_.begin(), subjects_.end(),
                                                   [](const auto& entry) { return !entry.second.versions.empty(); });
    if (has_schemas) return RegistryError::operation_not_permitted("Cannot import since found existing subjects");
  }
  RecordKey key{RecordKeyType::kMode, subject ? std::optional<std::string>(std::string(*subject)) : std::nullopt, 0};
  if (auto error = commit({encode_record_key(key), encode_mode_value(*mode)})) return *error;
  return *mode;
}

RegistryResult<Mode> SchemaStore::delete_mode(std::optional<std::string_view> subject) {
  std::unique_lock lock(mutex_);
  Mode previous = global_mode_.value_or(Mode::kReadWrite);
  if (subject) {
    const Subject* entry = find_subject(*subject);
    if (entry == nullptr) return RegistryError::subject_not_found(*subject);
    if (!entry->mode) return RegistryError::subject_mode_not_configured(*subject);
    previous = *entry->mode;
  }
  if (auto error = commit(tombstone(RecordKeyType::kMode, subject))) return *error;
  return previous;
}

}  // namespace loch::registry
