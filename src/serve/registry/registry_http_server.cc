#include "serve/registry/registry_http_server.h"

namespace loch::serve {

RegistryHttpServer::RegistryHttpServer(Options options, const RegistryRouter& router)
    : server_(
          HttpServer::Options{"registry", options.host, options.port, options.threads, options.max_body_bytes,
                              options.idle_timeout,
                              [](int status, const std::string& message) {
                                RegistryAnswer answer = registry_error_answer(status, status, message);
                                return HttpAnswer{answer.status, answer.content_type, answer.body};
                              }},
          [&router](const HttpRequest& request) {
            RegistryAnswer answer =
                router.handle(RegistryRequest{request.method, request.target, request.content_type, request.body});
            return HttpAnswer{answer.status, answer.content_type, std::move(answer.body)};
          }) {}

}  // namespace loch::serve
