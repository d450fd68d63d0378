// RegistryHttpClient: a small blocking HTTP/1.1 client for Confluent Schema
// Registry's REST API (loch's own or Confluent's / Karapace's), for the
// `loch schema` commands. One connection, kept alive between requests.
// Plain http:// only; https:// URLs are refused with NotSupported.
//
// Threading: one thread at a time.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace loch::serve {

// http://host[:port][/base/path]; the port defaults to 80.
struct RegistryUrl {
  std::string host;
  std::string port;
  std::string base_path;  // "" or "/base/path", without a trailing '/'
  std::string authorization;  // "Basic ..." from user:password@, "" without

  static Result<RegistryUrl> parse(std::string_view url);
  std::string to_string() const;
};

struct HttpReply {
  int status = 0;
  std::string body;
};

class RegistryHttpClient {
 public:
  explicit RegistryHttpClient(RegistryUrl url, std::chrono::milliseconds timeout = std::chrono::seconds(30));
  ~RegistryHttpClient();
  RegistryHttpClient(const RegistryHttpClient&) = delete;
  RegistryHttpClient& operator=(const RegistryHttpClient&) = delete;

  // Sends `method path` (path_and_query starts with '/', relative to the
  // base path) with `body` as application/vnd.schemaregistry.v1+json, and
  // returns the status and body whatever the status. IOError when the
  // registry cannot be reached or the exchange fails.
  Result<HttpReply> request(std::string_view method, std::string_view path_and_query,
                            std::optional<std::string> body = std::nullopt);

 private:
  struct Connection;
  Result<HttpReply> exchange(std::string_view method, std::string_view path_and_query,
                             const std::optional<std::string>& body);

  RegistryUrl url_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<Connection> connection_;
};

}  // namespace loch::serve
