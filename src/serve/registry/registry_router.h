// RegistryRouter: Confluent Schema Registry's REST API over a SchemaStore,
// without sockets. One request in (method, target, content type, body), one
// answer out (status, content type, body); doc/registry-api.md maps each
// endpoint to its store call. The HTTP server (registry_http_server.h) only
// moves bytes, so every route and error is tested here.
//
// Any request is a safe input: an unknown path is 404, a wrong method 405, a
// body that is not JSON 400, each with Confluent's error body
// {"error_code":..,"message":..}.
//
// Threading: handle() may be called from any thread (the store locks).
#pragma once

#include <string>
#include <string_view>

#include "collect/registry/schema_store.h"

namespace loch::serve {

inline constexpr std::string_view kRegistryContentType = "application/vnd.schemaregistry.v1+json";

struct RegistryRequest {
  std::string_view method;        // "GET", "POST", ...
  std::string_view target;        // "/subjects/s/versions?normalize=true"
  std::string_view content_type;  // the Content-Type header, "" when absent
  std::string_view body;
};

struct RegistryAnswer {
  int status = 200;
  std::string body;
  std::string content_type = std::string(kRegistryContentType);
};

// {"error_code":<code>,"message":..} with HTTP <status>, for errors outside
// the store (unknown route, body too large, a request Beast cannot parse).
RegistryAnswer registry_error_answer(int status, int error_code, std::string_view message);

class RegistryRouter {
 public:
  explicit RegistryRouter(registry::SchemaStore& store) : store_(store) {}

  RegistryAnswer handle(const RegistryRequest& request) const;

 private:
  registry::SchemaStore& store_;
};

}  // namespace loch::serve
