// StoreSchemaSource: the embedded registry's SchemaStore as the contract
// checker's SchemaSource, inside `loch serve`. The broker starts before the
// registry has replayed `_schemas`, so the store is attached later; until
// then available() is false and contract topics refuse produce with a
// retriable error instead of judging records without their schemas.
#pragma once

#include <atomic>

#include "collect/contracts/contract_checker.h"
#include "collect/registry/schema_store.h"

namespace loch::contracts {

class StoreSchemaSource final : public SchemaSource {
 public:
  // `store` must outlive every use of this source (the broker's server stops first).
  void attach(registry::SchemaStore* store) { store_.store(store, std::memory_order_release); }

  bool available() override { return store_.load(std::memory_order_acquire) != nullptr; }
  std::shared_ptr<const registry::ParsedSchema> schema_by_id(int32_t id) override;
  bool is_registered_under(const std::string& subject, int32_t id) override;

 private:
  std::atomic<registry::SchemaStore*> store_{nullptr};
};

}  // namespace loch::contracts
