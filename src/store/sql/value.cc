#include "store/sql/value.h"

namespace loch::sql {

Value& Value::operator=(Value&& other) noexcept {
  if (this != &other) {
    if (handle_) duckdb_destroy_value(&handle_);
    handle_ = other.handle_;
    other.handle_ = nullptr;
  }
  return *this;
}

Value::~Value() {
  if (handle_) duckdb_destroy_value(&handle_);
}

std::string Value::to_string() const {
  char* text = duckdb_value_to_string(handle_);
  std::string out = text ? text : "";
  duckdb_free(text);
  return out;
}

}  // namespace loch::sql
