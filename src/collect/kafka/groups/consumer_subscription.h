// The topics a consumer group member subscribes to, read from its JoinGroup
// metadata (Kafka's ConsumerProtocolSubscription: INT16 version, then an
// INT32 count of INT16-length topic names; later fields are not needed).
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace loch::kafka::groups {

// nullopt when `metadata` is not a ConsumerProtocolSubscription.
std::optional<std::set<std::string>> subscribed_topics(std::string_view metadata);

}  // namespace loch::kafka::groups
