#include "store/sql/appender.h"

namespace loch::sql {

Appender& Appender::operator=(Appender&& other) noexcept {
  if (this != &other) {
    if (appender_) duckdb_appender_destroy(&appender_);
    appender_ = other.appender_;
    other.appender_ = nullptr;
  }
  return *this;
}

Appender::~Appender() {
  if (appender_) duckdb_appender_destroy(&appender_);
}

Status Appender::check(duckdb_state state) {
  if (state == DuckDBSuccess) return Status::ok();
  const char* error = duckdb_appender_error(appender_);
  return Status::invalid_argument(error ? error : "appender failed");
}

}  // namespace loch::sql
