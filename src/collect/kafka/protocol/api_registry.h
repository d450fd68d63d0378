// The Kafka APIs the schemata define: api key -> name and version range, and
// which request/response header version goes with an API version.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace loch::kafka {

struct ApiInfo {
  int16_t api_key;
  std::string_view name;  // "Produce", "ApiVersions", ...
  int16_t min_version;    // validVersions of the schema, inclusive
  int16_t max_version;
  int16_t first_flexible_version;  // -1 when no version is flexible
  bool latest_version_unstable;    // the newest version is still in development upstream

  bool supports(int16_t version) const { return version >= min_version && version <= max_version; }
  bool is_flexible(int16_t version) const {
    return first_flexible_version >= 0 && version >= first_flexible_version;
  }
};

// Every API of the schemata, by ascending key (0..87 for Kafka 3.9).
std::span<const ApiInfo> all_apis();

// The API with `api_key`, or nullptr.
const ApiInfo* find_api(int16_t api_key);

// Request header version for a request: 2 when the API version is flexible
// (at or above the first flexible version, even above the newest version
// loch knows, as Kafka does), else 1, and 0 for ControlledShutdown v0.
// Unknown keys get 1,
// whose fields (key, version, correlation id, client id) start every newer
// header too, so an error response can still be addressed.
int16_t request_header_version(int16_t api_key, int16_t api_version);

// Response header version: 1 when the API version is flexible, else 0;
// ApiVersions responses always use 0 (KIP-511), so that a client that asked
// with a version the broker does not know can still read the answer.
int16_t response_header_version(int16_t api_key, int16_t api_version);

}  // namespace loch::kafka
