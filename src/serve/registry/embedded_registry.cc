#include "serve/registry/embedded_registry.h"

#include <spdlog/spdlog.h>

namespace loch::serve {

Result<std::unique_ptr<EmbeddedRegistry>> EmbeddedRegistry::start(kafka::LogManager& logs, const Options& options) {
  if (options.port < 0 || options.port > 65535) {
    return Status::invalid_argument("registry port " + std::to_string(options.port) + " is not in 0..65535");
  }
  std::unique_ptr<EmbeddedRegistry> registry(new EmbeddedRegistry());
  LOCH_ASSIGN_OR_RETURN(registry->topic_, SchemasTopic::open(logs));
  registry->store_ = std::make_unique<registry::SchemaStore>(registry->topic_.get());
  LOCH_ASSIGN_OR_RETURN(SchemasLoadReport loaded, registry->topic_->load_into(*registry->store_));
  if (loaded.skipped.empty()) {
    spdlog::info("registry: replayed {} record(s) from {}", loaded.records_applied, kSchemasTopic);
  } else {
    // Each skipped record was logged as a warning when it was met.
    spdlog::warn("registry: replayed {} record(s) from {}, skipped {} that could not be applied",
                 loaded.records_applied, kSchemasTopic, loaded.skipped.size());
  }

  registry->router_ = std::make_unique<RegistryRouter>(*registry->store_);
  RegistryHttpServer::Options server_options;
  server_options.host = options.host;
  server_options.port = static_cast<uint16_t>(options.port);
  server_options.threads = options.threads;
  registry->server_ = std::make_unique<RegistryHttpServer>(server_options, *registry->router_);
  LOCH_RETURN_IF_ERROR(registry->server_->bind());
  registry->server_->start();
  spdlog::info("registry: listening on {}:{} ({} subject(s))", options.host, registry->server_->bound_port(),
               registry->store_->list_subjects(false).size());
  return registry;
}

EmbeddedRegistry::~EmbeddedRegistry() {
  if (server_) server_->stop();
}

}  // namespace loch::serve
