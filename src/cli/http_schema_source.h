// HttpSchemaSource: a Confluent-compatible registry reached over HTTP as the
// contract checker's SchemaSource (`loch dlq replay` re-validates records
// with it). Schemas are fetched once per id with their references.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "collect/contracts/contract_checker.h"
#include "serve/registry/registry_http_client.h"

namespace loch::cli {

class HttpSchemaSource final : public contracts::SchemaSource {
 public:
  explicit HttpSchemaSource(serve::RegistryUrl url) : client_(std::move(url)) {}

  std::shared_ptr<const registry::ParsedSchema> schema_by_id(int32_t id) override;
  bool is_registered_under(const std::string& subject, int32_t id) override;

  // The last error talking to the registry ("" when none), for messages.
  const std::string& last_error() const { return last_error_; }

 private:
  Status resolve_references(const nlohmann::json& references, std::vector<registry::ResolvedReference>& out, int depth);

  std::mutex mutex_;  // one HTTP connection; the CLI is single-threaded anyway
  serve::RegistryHttpClient client_;
  std::map<int32_t, std::shared_ptr<const registry::ParsedSchema>> schemas_;
  std::string last_error_;
};

}  // namespace loch::cli
