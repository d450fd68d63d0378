#include "store/sql/data_chunk.h"

namespace loch::sql {

DataChunk& DataChunk::operator=(DataChunk&& other) noexcept {
  if (this != &other) {
    if (handle_) duckdb_destroy_data_chunk(&handle_);
    handle_ = other.handle_;
    other.handle_ = nullptr;
  }
  return *this;
}

DataChunk::~DataChunk() {
  if (handle_) duckdb_destroy_data_chunk(&handle_);
}

}  // namespace loch::sql
