#include "store/sql/query_result.h"

namespace loch::sql {

QueryResult::QueryResult(duckdb_result result) : result_(std::make_unique<duckdb_result>(result)) {}

QueryResult::QueryResult(QueryResult&& other) noexcept : result_(std::move(other.result_)) {}

QueryResult& QueryResult::operator=(QueryResult&& other) noexcept {
  if (this != &other) {
    if (result_) duckdb_destroy_result(result_.get());
    result_ = std::move(other.result_);
  }
  return *this;
}

QueryResult::~QueryResult() {
  if (result_) duckdb_destroy_result(result_.get());
}

Result<std::optional<DataChunk>> QueryResult::next_chunk() {
  duckdb_data_chunk chunk = duckdb_fetch_chunk(*result_);
  if (chunk == nullptr) {
    const char* error = duckdb_result_error(result_.get());
    if (error != nullptr) return Status::invalid_argument(error);
    return std::optional<DataChunk>();
  }
  return std::optional<DataChunk>(DataChunk(chunk));
}

}  // namespace loch::sql
