#include "collect/kafka/groups/offset_store.h"

namespace loch::kafka::groups {

Status InMemoryOffsetStore::append(const std::vector<OffsetsRecord>& records) {
  std::lock_guard lock(mutex_);
  LOCH_RETURN_IF_ERROR(append_failure_);
  records_.insert(records_.end(), records.begin(), records.end());
  return Status::ok();
}

Status InMemoryOffsetStore::replay(const std::function<Status(const OffsetsRecord&)>& visit) {
  // A copy, so that `visit` may append (a replay that rewrites records).
  for (const OffsetsRecord& record : records()) LOCH_RETURN_IF_ERROR(visit(record));
  return Status::ok();
}

void InMemoryOffsetStore::fail_appends_with(Status status) {
  std::lock_guard lock(mutex_);
  append_failure_ = std::move(status);
}

std::vector<OffsetsRecord> InMemoryOffsetStore::records() const {
  std::lock_guard lock(mutex_);
  return records_;
}

}  // namespace loch::kafka::groups
