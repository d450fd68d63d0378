// Bearer-token authentication of an HTTP API (`loch serve --http-token`):
// every request must carry `Authorization: Bearer <token>` (RFC 6750);
// any other gets 401 with a `WWW-Authenticate: Bearer` challenge and the
// handler is not called. The token is compared in constant time, so the
// time of a refusal says nothing about how much of a guess was right.
#pragma once

#include <string>

#include "common/net/http_server.h"

namespace loch {

// `handler` behind the token; an empty token leaves it open (no authentication).
HttpHandler require_bearer_token(std::string token, HttpHandler handler);

}  // namespace loch
