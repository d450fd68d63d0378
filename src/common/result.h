// Result<T>: a value or the Status that explains why there is none.
#pragma once

#include <cassert>
#include <utility>
#include <variant>

#include "common/status.h"

namespace loch {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : state_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(state_).is_ok() && "a Result needs a value or an error");
  }

  bool is_ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return is_ok(); }

  // The error; Status::ok() when there is a value.
  Status status() const { return is_ok() ? Status::ok() : std::get<Status>(state_); }

  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace loch

#define LOCH_CONCAT_INNER_(a, b) a##b
#define LOCH_CONCAT_(a, b) LOCH_CONCAT_INNER_(a, b)

// LOCH_ASSIGN_OR_RETURN(auto x, make_x()): binds the value or returns the error.
#define LOCH_ASSIGN_OR_RETURN(lhs, expr) \
  LOCH_ASSIGN_OR_RETURN_IMPL_(LOCH_CONCAT_(loch_result_, __LINE__), lhs, expr)
#define LOCH_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.is_ok()) return tmp.status();            \
  lhs = std::move(tmp).value()
