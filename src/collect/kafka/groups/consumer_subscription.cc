#include "collect/kafka/groups/consumer_subscription.h"

#include <cstdint>

namespace loch::kafka::groups {

std::optional<std::set<std::string>> subscribed_topics(std::string_view metadata) {
  size_t at = 0;
  auto take = [&](size_t n) -> std::optional<uint32_t> {
    if (metadata.size() - at < n) return std::nullopt;
    uint32_t v = 0;
    for (size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(metadata[at + i]);
    at += n;
    return v;
  };
  auto version = take(2);
  auto count = take(4);
  if (!version || !count || static_cast<int16_t>(*version) < 0 || static_cast<int32_t>(*count) < 0) {
    return std::nullopt;
  }
  std::set<std::string> topics;
  for (uint32_t i = 0; i < *count; ++i) {
    auto length = take(2);
    if (!length || static_cast<int16_t>(*length) < 0 || metadata.size() - at < *length) return std::nullopt;
    topics.emplace(metadata.substr(at, *length));
    at += *length;
  }
  return topics;
}

}  // namespace loch::kafka::groups
