// Status: the outcome of an operation that can fail, as a value.
//
// A Status is either ok or carries a code and a message that says what failed
// and where ("Corruption: _delta_log/00000000000000000003.json: line 2: ...").
// Functions that produce a value return Result<T> (result.h) instead.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace loch {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // the caller's input is wrong (bad SQL, bad option value)
  kNotFound,         // a named thing (table, file, topic) does not exist
  kAlreadyExists,    // a thing that must be new exists (put-if-absent lost)
  kCorruption,       // stored data does not match its format
  kIOError,          // the operating system refused a read or write
  kNotSupported,     // valid input that loch deliberately does not handle
  kConflict,         // a concurrent writer won; the operation may be retried
  kAborted,          // stopped on request (shutdown, cancellation)
  kInternal,         // a bug in loch or a dependency
};

std::string_view status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // ok

  static Status ok() { return Status(); }
  static Status invalid_argument(std::string msg) { return {StatusCode::kInvalidArgument, std::move(msg)}; }
  static Status not_found(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status already_exists(std::string msg) { return {StatusCode::kAlreadyExists, std::move(msg)}; }
  static Status corruption(std::string msg) { return {StatusCode::kCorruption, std::move(msg)}; }
  static Status io_error(std::string msg) { return {StatusCode::kIOError, std::move(msg)}; }
  static Status not_supported(std::string msg) { return {StatusCode::kNotSupported, std::move(msg)}; }
  static Status conflict(std::string msg) { return {StatusCode::kConflict, std::move(msg)}; }
  static Status aborted(std::string msg) { return {StatusCode::kAborted, std::move(msg)}; }
  static Status internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }

  // An io_error for a failed system call, with strerror(errno_value) appended.
  static Status from_errno(std::string_view what, int errno_value);

  bool is_ok() const { return code_ == StatusCode::kOk; }
  explicit operator bool() const { return is_ok(); }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "Corruption: <message>", or "OK".
  std::string to_string() const;

  // The same status with "context: " put before the message, so errors
  // gather their place as they travel up ("table bronze.events: ...").
  Status with_context(std::string_view context) const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

}  // namespace loch

// Returns from the enclosing function if `expr` (a Status) is not ok.
#define LOCH_RETURN_IF_ERROR(expr)               \
  do {                                           \
    ::loch::Status loch_status_ = (expr);        \
    if (!loch_status_.is_ok()) return loch_status_; \
  } while (0)
