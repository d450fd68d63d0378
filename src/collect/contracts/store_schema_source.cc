#include "collect/contracts/store_schema_source.h"

#include <algorithm>

namespace loch::contracts {

std::shared_ptr<const registry::ParsedSchema> StoreSchemaSource::schema_by_id(int32_t id) {
  registry::SchemaStore* store = store_.load(std::memory_order_acquire);
  return store == nullptr ? nullptr : store->parsed_schema_by_id(id);
}

bool StoreSchemaSource::is_registered_under(const std::string& subject, int32_t id) {
  registry::SchemaStore* store = store_.load(std::memory_order_acquire);
  if (store == nullptr) return false;
  auto versions = store->versions_for_id(id, /*include_deleted=*/false);
  if (!versions.is_ok()) return false;
  return std::any_of(versions->begin(), versions->end(),
                     [&](const registry::SubjectVersion& v) { return v.subject == subject; });
}

}  // namespace loch::contracts
