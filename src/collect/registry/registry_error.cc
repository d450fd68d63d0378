#include "collect/registry/registry_error.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace loch::registry {
namespace {

RegistryError make(int http_status, int code, std::string message) {
  RegistryError error;
  error.http_status = http_status;
  error.error_code = code;
  error.message = std::move(message);
  return error;
}

}  // namespace

// The texts below are Confluent's, byte for byte (including the missing space
// after "deleted."), because clients and scripts match on them.
RegistryError RegistryError::subject_not_found(std::string_view subject) {
  return make(404, error_code::kSubjectNotFound, fmt::format("Subject '{}' not found.", subject));
}
RegistryError RegistryError::version_not_found(int32_t version) {
  return make(404, error_code::kVersionNotFound, fmt::format("Version {} not found.", version));
}
RegistryError RegistryError::schema_not_found() { return make(404, error_code::kSchemaNotFound, "Schema not found"); }
RegistryError RegistryError::schema_id_not_found(int32_t id) {
  return make(404, error_code::kSchemaNotFound, fmt::format("Schema {} not found", id));
}
RegistryError RegistryError::subject_soft_deleted(std::string_view subject) {
  return make(404, error_code::kSubjectSoftDeleted,
              fmt::format("Subject '{}' was soft deleted.Set permanent=true to delete permanently", subject));
}
RegistryError RegistryError::subject_not_soft_deleted(std::string_view subject) {
  return make(404, error_code::kSubjectNotSoftDeleted,
              fmt::format("Subject '{}' was not deleted first before being permanently deleted", subject));
}
RegistryError RegistryError::version_soft_deleted(std::string_view subject, int32_t version) {
  return make(404, error_code::kVersionSoftDeleted,
              fmt::format("Subject '{}' Version {} was soft deleted.Set permanent=true to delete permanently",
                          subject, version));
}
RegistryError RegistryError::version_not_soft_deleted(std::string_view subject, int32_t version) {
  return make(404, error_code::kVersionNotSoftDeleted,
              fmt::format("Subject '{}' Version {} was not deleted first before being permanently deleted",
                          subject, version));
}
RegistryError RegistryError::subject_compatibility_not_configured(std::string_view subject) {
  return make(404, error_code::kSubjectCompatibilityNotConfigured,
              fmt::format("Subject '{}' does not have subject-level compatibility configured", subject));
}
RegistryError RegistryError::subject_mode_not_configured(std::string_view subject) {
  return make(404, error_code::kSubjectModeNotConfigured,
              fmt::format("Subject '{}' does not have subject-level mode configured", subject));
}
RegistryError RegistryError::incompatible_schema(std::string_view subject, std::vector<std::string> differences) {
  std::string details;
  for (const std::string& difference : differences) {
    if (!details.empty()) details += ", ";
    details += difference;
  }
  RegistryError error = make(
      409, error_code::kIncompatibleSchema,
      fmt::format("Schema being registered is incompatible with an earlier schema for subject \"{}\", details: [{}]",
                  subject, details));
  error.differences = std::move(differences);
  return error;
}
RegistryError RegistryError::invalid_schema(std::string_view parser_message) {
  return make(422, error_code::kInvalidSchema, fmt::format("Invalid schema: {}", parser_message));
}
RegistryError RegistryError::invalid_version(std::string_view version) {
  return make(422, error_code::kInvalidVersion,
              fmt::format("The specified version '{}' is not a valid version id. Allowed values are between "
                          "[1, 2^31-1] and the string \"latest\"",
                          version));
}
RegistryError RegistryError::invalid_compatibility_level(std::string_view level) {
  (void)level;
  return make(422, error_code::kInvalidCompatibilityLevel,
              "Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, "
              "forward_transitive, and full_transitive");
}
RegistryError RegistryError::invalid_mode(std::string_view mode) {
  (void)mode;
  return make(422, error_code::kInvalidMode,
              "Invalid mode. Valid values are READWRITE, READONLY, READONLY_OVERRIDE, and IMPORT");
}
RegistryError RegistryError::operation_not_permitted(std::string message) {
  return make(422, error_code::kOperationNotPermitted, std::move(message));
}
RegistryError RegistryError::reference_exists(std::string message) {
  return make(422, error_code::kReferenceExists, std::move(message));
}
RegistryError RegistryError::id_does_not_match(std::string message) {
  return make(422, error_code::kIdDoesNotMatch, std::move(message));
}
RegistryError RegistryError::invalid_subject(std::string_view subject) {
  return make(422, error_code::kInvalidSubject, fmt::format("The specified subject '{}' is not valid.", subject));
}
RegistryError RegistryError::store_error(std::string message) {
  return make(500, error_code::kStoreError, std::move(message));
}

std::string RegistryError::to_json() const {
  nlohmann::json body = {{"error_code", error_code}, {"message", message}};
  // A message may quote bytes of a bad request that are not UTF-8; they are
  // replaced (U+FFFD) rather than making the error itself fail.
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace loch::registry
