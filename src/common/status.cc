#include "common/status.h"

#include <cstring>

namespace loch {

std::string_view status_code_name(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "OK";
    case StatusCode::kInvalidArgument: return "Invalid argument";
    case StatusCode::kNotFound: return "Not found";
    case StatusCode::kAlreadyExists: return "Already exists";
    case StatusCode::kCorruption: return "Corruption";
    case StatusCode::kIOError: return "IO error";
    case StatusCode::kNotSupported: return "Not supported";
    case StatusCode::kConflict: return "Conflict";
    case StatusCode::kAborted: return "Aborted";
    case StatusCode::kInternal: return "Internal error";
  }
  return "Unknown";
}

Status Status::from_errno(std::string_view what, int errno_value) {
  std::string msg(what);
  msg += ": ";
  msg += std::strerror(errno_value);
  return io_error(std::move(msg));
}

std::string Status::to_string() const {
  if (is_ok()) return "OK";
  std::string out(status_code_name(code_));
  out += ": ";
  out += message_;
  return out;
}

Status Status::with_context(std::string_view context) const {
  if (is_ok()) return *this;
  std::string msg(context);
  msg += ": ";
  msg += message_;
  return Status(code_, std::move(msg));
}

}  // namespace loch
