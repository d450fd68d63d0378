// RegistryError: a failed registry operation as Confluent's REST API reports
// it, so the HTTP layer only copies fields into
//   HTTP <http_status>  {"error_code": <error_code>, "message": "<message>"}
// RegistryResult<T>: a value or a RegistryError.
#pragma once

#include <cassert>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace loch::registry {

// Confluent's error codes (io.confluent.kafka.schemaregistry.rest.exceptions.Errors).
namespace error_code {
inline constexpr int kSubjectNotFound = 40401;
inline constexpr int kVersionNotFound = 40402;
inline constexpr int kSchemaNotFound = 40403;
inline constexpr int kSubjectSoftDeleted = 40404;
inline constexpr int kSubjectNotSoftDeleted = 40405;
inline constexpr int kVersionSoftDeleted = 40406;
inline constexpr int kVersionNotSoftDeleted = 40407;
inline constexpr int kSubjectCompatibilityNotConfigured = 40408;
inline constexpr int kSubjectModeNotConfigured = 40409;
inline constexpr int kIncompatibleSchema = 409;
inline constexpr int kInvalidSchema = 42201;
inline constexpr int kInvalidVersion = 42202;
inline constexpr int kInvalidCompatibilityLevel = 42203;
inline constexpr int kInvalidMode = 42204;
inline constexpr int kOperationNotPermitted = 42205;
inline constexpr int kReferenceExists = 42206;
inline constexpr int kIdDoesNotMatch = 42207;
inline constexpr int kInvalidSubject = 42208;
inline constexpr int kStoreError = 50001;
}  // namespace error_code

struct RegistryError {
  int http_status = 500;
  int error_code = error_code::kStoreError;
  std::string message;
  // For 409 only: one line per incompatibility (also folded into message).
  std::vector<std::string> differences;

  static RegistryError subject_not_found(std::string_view subject);
  static RegistryError version_not_found(int32_t version);
  static RegistryError schema_not_found();                 // "Schema not found"
  static RegistryError schema_id_not_found(int32_t id);    // "Schema 7 not found"
  static RegistryError subject_soft_deleted(std::string_view subject);
  static RegistryError subject_not_soft_deleted(std::string_view subject);
  static RegistryError version_soft_deleted(std::string_view subject, int32_t version);
  static RegistryError version_not_soft_deleted(std::string_view subject, int32_t version);
  static RegistryError subject_compatibility_not_configured(std::string_view subject);
  static RegistryError subject_mode_not_configured(std::string_view subject);
  static RegistryError incompatible_schema(std::string_view subject, std::vector<std::string> differences);
  static RegistryError invalid_schema(std::string_view parser_message);
  static RegistryError invalid_version(std::string_view version);
  static RegistryError invalid_compatibility_level(std::string_view level);
  static RegistryError invalid_mode(std::string_view mode);
  static RegistryError operation_not_permitted(std::string message);
  static RegistryError reference_exists(std::string message);
  static RegistryError id_does_not_match(std::string message);
  static RegistryError invalid_subject(std::string_view subject);
  static RegistryError store_error(std::string message);

  // {"error_code":40401,"message":"Subject 'x' not found."}
  std::string to_json() const;
};

template <typename T>
class [[nodiscard]] RegistryResult {
 public:
  RegistryResult(T value) : state_(std::move(value)) {}             // NOLINT: implicit by design
  RegistryResult(RegistryError error) : state_(std::move(error)) {}  // NOLINT: implicit by design

  bool is_ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return is_ok(); }

  const RegistryError& error() const {
    assert(!is_ok());
    return std::get<RegistryError>(state_);
  }
  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, RegistryError> state_;
};

}  // namespace loch::registry
