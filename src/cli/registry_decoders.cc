// registry_decoders: see registry_decoders.h.
#include "cli/registry_decoders.h"

#include "cli/http_schema_source.h"
#include "serve/registry/registry_http_client.h"

namespace loch::cli {

Result<std::shared_ptr<decode::DecoderCache>> registry_decoder_cache(const std::string& url) {
  auto parsed = serve::RegistryUrl::parse(url);
  if (!parsed.is_ok()) return Status::invalid_argument("schema registry '" + url + "': " + parsed.status().message());
  {
    serve::RegistryHttpClient probe(*parsed, std::chrono::seconds(10));
    auto reply = probe.request("GET", "/subjects");
    if (!reply.is_ok()) return Status::io_error("schema registry " + url + ": " + reply.status().message());
    if (reply->status != 200) {
      return Status::io_error("schema registry " + url + ": GET /subjects answered HTTP " +
                              std::to_string(reply->status));
    }
  }
  auto source = std::make_shared<HttpSchemaSource>(*parsed);
  return std::make_shared<decode::DecoderCache>([source](int32_t id) { return source->schema_by_id(id); });
}

}  // namespace loch::cli
