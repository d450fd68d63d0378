#include "common/net/http_bearer.h"

#include <cctype>

#include <nlohmann/json.hpp>

namespace loch {
namespace {

constexpr std::string_view kScheme = "Bearer ";

bool carries_token(const std::string& authorization, const std::string& token) {
  if (authorization.size() != kScheme.size() + token.size()) return false;
  // The scheme name is case-insensitive (RFC 7235 section 2.1).
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != std::tolower(static_cast<unsigned char>(kScheme[i]))) {
      return false;
    }
  }
  // Every byte is looked at, whichever differs.
  unsigned char difference = 0;
  for (size_t i = 0; i < token.size(); ++i) {
    difference |= static_cast<unsigned char>(authorization[kScheme.size() + i] ^ token[i]);
  }
  return difference == 0;
}

}  // namespace

HttpHandler require_bearer_token(std::string token, HttpHandler handler) {
  if (token.empty()) return handler;
  return [token = std::move(token), handler = std::move(handler)](const HttpRequest& request) {
    if (carries_token(request.authorization, token)) return handler(request);
    HttpAnswer answer;
    answer.status = 401;
    answer.www_authenticate = "Bearer realm=\"loch\"";
    const char* message = request.authorization.empty()
                              ? "this API needs a token: send Authorization: Bearer <token> (loch: --http-token or LOCH_HTTP_TOKEN)"
                              : "the bearer token is not this server's (see --http-token or LOCH_HTTP_TOKEN)";
    answer.body = nlohmann::json{{"error_code", 401}, {"message", message}}.dump();
    return answer;
  };
}

}  // namespace loch
