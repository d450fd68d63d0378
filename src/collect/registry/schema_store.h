// SchemaStore: the registry's state and every operation of Confluent's
// Schema Registry REST API, without HTTP. Each operation returns the value
// the REST response carries, or a RegistryError with Confluent's HTTP
// status, error code and message.
//
// State changes are made by writing a `_schemas` record to the RecordSink
// and then applying that same record (apply_record), so replaying the sink's
// records on a fresh store (replay) rebuilds subjects, versions, ids,
// configs and modes exactly. Ids are global: the same schema (type, text,
// references) has one id under every subject.
//
// Threading: all methods may be called from any thread; reads share a lock,
// writes take it exclusively (and call the sink under it).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "collect/registry/compatibility.h"
#include "collect/registry/parsed_schema.h"
#include "collect/registry/registry_error.h"
#include "collect/registry/registry_types.h"
#include "collect/registry/schema_records.h"

namespace loch::registry {

// A schema as a request carries it (POST /subjects/{s}/versions, POST
// /subjects/{s}, POST /compatibility/...).
struct SchemaRequest {
  std::string schema;
  SchemaType type = SchemaType::kAvro;
  std::vector<SchemaReference> references;
  bool normalize = false;               // ?normalize=true
  std::optional<int32_t> id;            // IMPORT mode only
  std::optional<int32_t> version;       // IMPORT mode only
};

// One version of a subject (GET /subjects/{s}/versions/{v}).
struct SubjectSchema {
  std::string subject;
  int32_t version = 0;
  int32_t id = 0;
  SchemaType type = SchemaType::kAvro;
  std::string schema;
  std::vector<SchemaReference> references;
  bool deleted = false;
};

// A schema by id (GET /schemas/ids/{id}).
struct SchemaById {
  int32_t id = 0;
  SchemaType type = SchemaType::kAvro;
  std::string schema;
  std::vector<SchemaReference> references;
};

struct SubjectVersion {
  std::string subject;
  int32_t version = 0;
  friend bool operator==(const SubjectVersion&, const SubjectVersion&) = default;
};

struct RegisterOutcome {
  int32_t id = 0;
  int32_t version = 0;
  bool already_registered = false;  // the subject had this schema; nothing written
};

struct ReplayReport {
  size_t applied = 0;
  std::vector<std::string> skipped;  // one line per corrupt or inapplicable record, with its position
};

// "latest", "-1" (latest) or 1..2^31-1; anything else is 42202.
struct VersionSpec {
  std::optional<int32_t> number;  // std::nullopt: latest
  static RegistryResult<VersionSpec> parse(std::string_view text);
  static VersionSpec latest() { return {}; }
  static VersionSpec of(int32_t version) { return VersionSpec{version}; }
};

class SchemaStore {
 public:
  // `sink` receives every record the store decides on; it must outlive the
  // store. nullptr keeps the state in memory only.
  explicit SchemaStore(RecordSink* sink);

  // Restart = replay: applies records in log order. A record that cannot be
  // decoded or applied is skipped and reported (in the ReplayReport and as a
  // warning in the log), never fatal.
  ReplayReport replay(const std::vector<SchemaRecord>& records);
  // Applies one record (as replay does); Corruption says why it was skipped.
  Status apply_record(const SchemaRecord& record);

  // POST /subjects/{subject}/versions
  RegistryResult<RegisterOutcome> register_schema(std::string_view subject, const SchemaRequest& request);
  // POST /subjects/{subject}: the version of `subject` holding this schema.
  RegistryResult<SubjectSchema> lookup_schema(std::string_view subject, const SchemaRequest& request,
                                              bool include_deleted) const;

  // GET /subjects[?deleted=true][&subjectPrefix=]
  std::vector<std::string> list_subjects(bool include_deleted, std::string_view prefix = "") const;
  // GET /schemas[?subjectPrefix=][&deleted=true][&latestOnly=true]: every
  // version of every matching subject, by subject then version.
  std::vector<SubjectSchema> list_schemas(std::string_view prefix, bool include_deleted, bool latest_only) const;
  // GET /subjects/{subject}/versions[?deleted=true]
  RegistryResult<std::vector<int32_t>> list_versions(std::string_view subject, bool include_deleted) const;
  // GET /subjects/{subject}/versions/{version}[?deleted=true][&format=]
  // `format` as ParsedSchema::formatted ("serialized" for PROTOBUF).
  RegistryResult<SubjectSchema> get_version(std::string_view subject, VersionSpec version, bool include_deleted,
                                            std::string_view format = {}) const;
  // GET /subjects/{subject}/versions/{version}/referencedby
  RegistryResult<std::vector<int32_t>> referenced_by(std::string_view subject, VersionSpec version) const;

  // GET /schemas/ids/{id}[?format=]
  RegistryResult<SchemaById> get_schema_by_id(int32_t id, std::string_view format = {}) const;
  // GET /schemas/ids/{id}/subjects and /versions
  RegistryResult<std::vector<std::string>> subjects_for_id(int32_t id, bool include_deleted) const;
  RegistryResult<std::vector<SubjectVersion>> versions_for_id(int32_t id, bool include_deleted) const;
  // The parsed schema of an id, for decoders and contract checks.
  std::shared_ptr<const ParsedSchema> parsed_schema_by_id(int32_t id) const;
  // GET /schemas/types
  static std::vector<std::string> schema_types() { return {"AVRO", "JSON", "PROTOBUF"}; }

  // DELETE /subjects/{subject}[?permanent=true]: the versions deleted.
  RegistryResult<std::vector<int32_t>> delete_subject(std::string_view subject, bool permanent);
  // DELETE /subjects/{subject}/versions/{version}[?permanent=true]: the version deleted.
  RegistryResult<int32_t> delete_version(std::string_view subject, VersionSpec version, bool permanent);

  // POST /compatibility/subjects/{subject}/versions/{version}: against that
  // version only. POST /compatibility/subjects/{subject}/versions (version
  // std::nullopt): against what the subject's level names. An unknown
  // subject is compatible without a version, 40401 with one.
  RegistryResult<CompatibilityReport> check_compatibility(std::string_view subject, std::optional<VersionSpec> version,
                                                          const SchemaRequest& request) const;

  // GET /config and /config/{subject}[?defaultToGlobal=true].
  // subject std::nullopt = global (which always has a level, BACKWARD by default).
  RegistryResult<CompatibilityLevel> get_compatibility(std::optional<std::string_view> subject,
                                                       bool default_to_global) const;
  // PUT /config[/{subject}] {"compatibility": "..."}: 42203 for an unknown level.
  RegistryResult<CompatibilityLevel> set_compatibility(std::optional<std::string_view> subject, std::string_view level);
  // DELETE /config[/{subject}]: the level that was set (global: back to BACKWARD).
  RegistryResult<CompatibilityLevel> delete_compatibility(std::optional<std::string_view> subject);

  // GET/PUT/DELETE /mode[/{subject}], same shape; IMPORT on a registry (or
  // subject) that has schemas needs force (42205 otherwise).
  RegistryResult<Mode> get_mode(std::optional<std::string_view> subject, bool default_to_global) const;
  RegistryResult<Mode> set_mode(std::optional<std::string_view> subject, std::string_view mode, bool force);
  RegistryResult<Mode> delete_mode(std::optional<std::string_view> subject);

 private:
  struct Version {
    int32_t id = 0;
    bool deleted = false;
  };
  struct Subject {
    std::map<int32_t, Version> versions;
    std::optional<CompatibilityLevel> compatibility;
    std::optional<Mode> mode;
    bool has_live_versions() const;
  };
  struct Stored {
    SchemaType type = SchemaType::kAvro;
    std::string schema;
    std::vector<SchemaReference> references;
    std::shared_ptr<const ParsedSchema> parsed;
  };
  struct Candidate {
    std::shared_ptr<const ParsedSchema> parsed;
    std::string text;  // canonical or normalized, as the request asks
  };

  static std::string identity_of(SchemaType type, const std::string& text, const std::vector<SchemaReference>& references);

  // Helpers below expect the lock to be held (shared or exclusive).
  const Subject* find_subject(std::string_view subject) const;
  RegistryResult<Candidate> parse_request(const SchemaRequest& request) const;
  RegistryResult<std::vector<ResolvedReference>> resolve_references(const std::vector<SchemaReference>& references) const;
  Status resolve_into(const SchemaReference& reference, std::vector<ResolvedReference>& out, int depth) const;
  std::optional<int32_t> find_id(SchemaType type, const std::string& text, const std::vector<SchemaReference>& references) const;
  std::vector<VersionedSchema> live_history(const Subject& subject) const;
  CompatibilityLevel effective_compatibility(std::string_view subject) const;
  Mode effective_mode(std::string_view subject) const;
  RegistryResult<int32_t> pick_version(std::string_view subject, const Subject& entry, VersionSpec version,
                                       bool include_deleted) const;
  bool is_referenced(std::string_view subject, int32_t version) const;
  std::optional<RegistryError> check_writable(std::string_view subject) const;

  // Writes the record to the sink, then applies it (exclusive lock held).
  std::optional<RegistryError> commit(const SchemaRecord& record);
  Status apply_locked(const SchemaRecord& record);
  void forget_unused_id(int32_t id);

  RecordSink* sink_;
  mutable std::shared_mutex mutex_;
  std::map<std::string, Subject, std::less<>> subjects_;  // guarded by mutex_
  std::map<int32_t, Stored> schemas_;                     // guarded by mutex_; by id
  std::map<std::string, int32_t> ids_;                    // guarded by mutex_; identity -> id
  int32_t max_id_ = 0;                                    // guarded by mutex_
  std::optional<CompatibilityLevel> global_compatibility_;  // guarded by mutex_; unset = BACKWARD
  std::optional<Mode> global_mode_;                          // guarded by mutex_; unset = READWRITE
};

}  // namespace loch::registry
