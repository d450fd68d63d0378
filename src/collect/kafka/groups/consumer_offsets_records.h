// The records the group coordinator keeps in the compacted __consumer_offsets
// topic: Kafka's own key and value layouts (OffsetCommitKey/Value,
// GroupMetadataKey/Value), so Kafka's tools read loch's topic and the other
// way round. doc/kafka-consumer-offsets.md gives the byte grammar.
//
// Written versions: OffsetCommitKey v1, OffsetCommitValue v3,
// GroupMetadataKey v2, GroupMetadataValue v3. Read versions: values v0-v3.
// A key of another version (Kafka 4's consumer-group records) decodes as
// UnknownRecordKey so that a replay can skip it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/result.h"
#include "common/strong_types.h"

namespace loch::kafka::groups {

struct OffsetCommitKey {
  std::string group;
  std::string topic;
  PartitionId partition;
  friend bool operator==(const OffsetCommitKey&, const OffsetCommitKey&) = default;
};

struct GroupMetadataKey {
  std::string group;
  friend bool operator==(const GroupMetadataKey&, const GroupMetadataKey&) = default;
};

struct UnknownRecordKey {
  int16_t version = 0;
};

using ConsumerOffsetsKey = std::variant<OffsetCommitKey, GroupMetadataKey, UnknownRecordKey>;

// One committed offset, as stored and as answered by OffsetFetch.
struct OffsetAndMetadata {
  Offset offset;
  int32_t leader_epoch = -1;  // -1: unknown (values before v3 have none)
  std::string metadata;
  int64_t commit_timestamp_ms = 0;
  friend bool operator==(const OffsetAndMetadata&, const OffsetAndMetadata&) = default;
};

struct GroupMemberSnapshot {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  int32_t rebalance_timeout_ms = 0;
  int32_t session_timeout_ms = 0;
  std::string subscription;  // the member's metadata for the selected protocol
  std::string assignment;
  friend bool operator==(const GroupMemberSnapshot&, const GroupMemberSnapshot&) = default;
};

// A group's membership after a rebalance (or an Empty group's generation).
struct GroupMetadataSnapshot {
  std::string protocol_type;
  int32_t generation = 0;
  std::optional<std::string> protocol;
  std::optional<std::string> leader;
  int64_t current_state_timestamp_ms = -1;
  std::vector<GroupMemberSnapshot> members;
  friend bool operator==(const GroupMetadataSnapshot&, const GroupMetadataSnapshot&) = default;
};

std::string encode_offset_commit_key(const OffsetCommitKey& key);
std::string encode_offset_commit_value(const OffsetAndMetadata& value);
std::string encode_group_metadata_key(const GroupMetadataKey& key);
std::string encode_group_metadata_value(const GroupMetadataSnapshot& value);

Result<ConsumerOffsetsKey> decode_consumer_offsets_key(std::string_view bytes);
Result<OffsetAndMetadata> decode_offset_commit_value(std::string_view bytes);
Result<GroupMetadataSnapshot> decode_group_metadata_value(std::string_view bytes);

// The __consumer_offsets partition that holds a group's records, as Kafka
// computes it: abs(Java String.hashCode(group_id)) % partition_count, with
// Kafka's Utils.abs (the sign bit masked off).
int32_t consumer_offsets_partition(std::string_view group_id, int32_t partition_count);

}  // namespace loch::kafka::groups
