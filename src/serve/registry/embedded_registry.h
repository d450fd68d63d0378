// EmbeddedRegistry: the schema registry as `loch serve` runs it: the store
// replayed from the broker's `_schemas` topic, then the REST API listening
// (Confluent's port 8081 by default). Once start() returns, every subject,
// version and id written before the last shutdown (or kill -9) is served
// again, and every change is in `_schemas` before it is answered.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "collect/kafka/log/log_manager.h"
#include "collect/registry/schema_store.h"
#include "common/result.h"
#include "serve/registry/registry_http_server.h"
#include "serve/registry/registry_router.h"
#include "serve/registry/schemas_topic.h"

namespace loch::serve {

class EmbeddedRegistry {
 public:
  struct Options {
    std::string host = "0.0.0.0";
    int port = 8081;  // 0: any free port
    int threads = 2;
  };

  // Opens (or creates) `_schemas`, replays it (skipped records are logged as
  // warnings), binds the listener and starts serving; logs
  // "registry: listening on HOST:PORT". `logs` must outlive the registry.
  static Result<std::unique_ptr<EmbeddedRegistry>> start(kafka::LogManager& logs, const Options& options);
  ~EmbeddedRegistry();

  uint16_t port() const { return server_->bound_port(); }
  registry::SchemaStore& store() { return *store_; }
  // Stops answering (SIGTERM); the store stays readable.
  void stop() { server_->stop(); }

 private:
  EmbeddedRegistry() = default;

  std::unique_ptr<SchemasTopic> topic_;
  std::unique_ptr<registry::SchemaStore> store_;
  std::unique_ptr<RegistryRouter> router_;
  std::unique_ptr<RegistryHttpServer> server_;
};

}  // namespace loch::serve
