#include "process/runner/open_file.h"

#include <algorithm>

namespace loch::runner {

void OpenFile::add(std::string table, std::string rows_query, int64_t record_bytes, BatchReport report,
                   Clock::time_point started) {
  batches_.push_back({std::move(table), std::move(rows_query), std::move(report), started});
  record_bytes_ += record_bytes;
}

bool OpenFile::due(Clock::time_point now) const {
  if (batches_.empty()) return false;
  if (policy_.max_age.count() == 0) return true;
  if (now - batches_.front().started >= policy_.max_age) return true;
  if (record_bytes_ >= policy_.max_buffered_bytes) return true;
  return static_cast<double>(record_bytes_) * file_bytes_per_record_byte_ >= static_cast<double>(policy_.target_bytes);
}

std::chrono::milliseconds OpenFile::time_left(Clock::time_point now) const {
  if (batches_.empty() || due(now)) return std::chrono::milliseconds(0);
  return std::chrono::duration_cast<std::chrono::milliseconds>(batches_.front().started + policy_.max_age - now);
}

std::string OpenFile::rows_query() const {
  std::string query;
  for (const Batch& batch : batches_) {
    if (!query.empty()) query += " UNION ALL BY NAME ";
    query += "(" + batch.rows_query + ")";
  }
  return query;
}

std::vector<std::string> OpenFile::tables() const {
  std::vector<std::string> out;
  for (const Batch& batch : batches_) {
    if (!batch.table.empty()) out.push_back(batch.table);
  }
  return out;
}

BatchReport OpenFile::report() const {
  BatchReport out = batches_.back().report;
  for (size_t i = 0; i + 1 < batches_.size(); ++i) {
    const BatchReport& earlier = batches_[i].report;
    out.records += earlier.records;
    out.late += earlier.late;
    out.duplicates += earlier.duplicates;
    out.poison += earlier.poison;
  }
  return out;
}

OpenFile::Clock::time_point OpenFile::started() const { return batches_.front().started; }

void OpenFile::clear() {
  batches_.clear();
  record_bytes_ = 0;
}

void OpenFile::learn(int64_t record_bytes, int64_t file_bytes) {
  if (record_bytes <= 0 || file_bytes <= 0) return;
  file_bytes_per_record_byte_ = static_cast<double>(file_bytes) / static_cast<double>(record_bytes);
}

}  // namespace loch::runner
