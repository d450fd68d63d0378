// The group coordinator's requests and results: plain structs that mirror the
// fields of Kafka's JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit,
// OffsetFetch, DescribeGroups, ListGroups and DeleteGroups messages
// (../shared/spec/kafka/*.json), without any wire version logic. The broker
// translates the generated codec structs to and from these; a field that a
// request version lacks keeps the default written here, which is the default
// the schema gives it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "collect/kafka/groups/error_code.h"
#include "common/strong_types.h"

namespace loch::kafka::groups {

// ---- JoinGroup (api key 11) ----

struct JoinGroupProtocol {
  std::string name;      // "range", "roundrobin", "cooperative-sticky", ...
  std::string metadata;  // opaque to the coordinator (ConsumerProtocolSubscription)
};

struct JoinGroupRequest {
  // Decides two behaviours: v4+ dynamic members first get MEMBER_ID_REQUIRED
  // with their new id; v9+ lets a rejoining static leader skip assignment.
  int16_t api_version = 9;
  std::string group_id;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = -1;  // -1 (v0): the session timeout is used
  std::string member_id;              // "" for a member that has none yet
  std::optional<std::string> group_instance_id;  // set: a static member (v5+)
  std::string protocol_type;                     // "consumer" for consumers
  std::vector<JoinGroupProtocol> protocols;      // in the member's order of preference
  std::optional<std::string> reason;             // v8+, for logs
  std::string client_id;    // from the request header; prefixes new member ids
  std::string client_host;  // the peer address, shown by DescribeGroups
};

struct JoinGroupMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string metadata;  // the member's metadata for the selected protocol
};

struct JoinGroupResult {
  ErrorCode error = ErrorCode::kNone;
  int32_t generation_id = -1;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name;
  std::string leader;
  bool skip_assignment = false;  // v9+: the leader must not run the assignor
  std::string member_id;
  std::vector<JoinGroupMember> members;  // non-empty only for the leader
};

// ---- SyncGroup (api key 14) ----

struct SyncGroupAssignment {
  std::string member_id;
  std::string assignment;  // opaque (ConsumerProtocolAssignment)
};

struct SyncGroupRequest {
  std::string group_id;
  int32_t generation_id = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;  // v3+
  std::optional<std::string> protocol_type;      // v5+: checked when given
  std::optional<std::string> protocol_name;      // v5+: checked when given
  std::vector<SyncGroupAssignment> assignments;  // only the leader sends them
};

struct SyncGroupResult {
  ErrorCode error = ErrorCode::kNone;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name;
  std::string assignment;
};

// ---- Heartbeat (api key 12) ----

struct HeartbeatRequest {
  std::string group_id;
  int32_t generation_id = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;  // v3+
};

struct HeartbeatResult {
  ErrorCode error = ErrorCode::kNone;
};

// ---- LeaveGroup (api key 13) ----

struct LeavingMember {
  std::string member_id;  // "" with an instance id: an administrative removal
  std::optional<std::string> group_instance_id;
  std::optional<std::string> reason;
};

// v0-2 carry one member id: the broker passes it as a one-element `members`
// and answers the element's error as the top-level error code.
struct LeaveGroupRequest {
  std::string group_id;
  std::vector<LeavingMember> members;
};

struct LeftMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  ErrorCode error = ErrorCode::kNone;
};

struct LeaveGroupResult {
  ErrorCode error = ErrorCode::kNone;  // group-level (COORDINATOR_NOT_AVAILABLE, ...)
  std::vector<LeftMember> members;     // one per requested member, same order
};

// ---- OffsetCommit (api key 8) ----

struct OffsetCommitPartition {
  PartitionId partition_index;
  Offset committed_offset;
  int32_t committed_leader_epoch = -1;   // v6+
  int64_t commit_timestamp_ms = -1;      // v1 only; -1: the coordinator's clock
  std::optional<std::string> committed_metadata;
};

struct OffsetCommitTopic {
  std::string name;
  std::vector<OffsetCommitPartition> partitions;
};

struct OffsetCommitRequest {
  std::string group_id;
  int32_t generation_id = -1;  // -1 with member "": a standalone (simple) commit
  std::string member_id;
  std::optional<std::string> group_instance_id;  // v7+
  std::vector<OffsetCommitTopic> topics;
  // The offsets of a committed transaction (TxnOffsetCommit): stored whatever
  // the group's membership is now, as Kafka's commit marker makes them visible.
  bool from_transaction = false;
};

struct OffsetCommitPartitionResult {
  PartitionId partition_index;
  ErrorCode error = ErrorCode::kNone;
};

struct OffsetCommitTopicResult {
  std::string name;
  std::vector<OffsetCommitPartitionResult> partitions;
};

struct OffsetCommitResult {
  std::vector<OffsetCommitTopicResult> topics;  // same shape and order as the request
};

// ---- OffsetFetch (api key 9) ----

struct OffsetFetchTopic {
  std::string name;
  std::vector<PartitionId> partition_indexes;
};

// v8+ fetch several groups in one request: the broker calls offset_fetch once
// a group.
struct OffsetFetchRequest {
  std::string group_id;
  std::optional<std::vector<OffsetFetchTopic>> topics;  // nullopt (v2+): every committed partition
  bool require_stable = false;                          // v7+
};

struct OffsetFetchPartitionResult {
  PartitionId partition_index;
  Offset committed_offset{-1};  // -1: nothing committed
  int32_t committed_leader_epoch = -1;
  std::optional<std::string> metadata;  // "" when nothing is committed, as Kafka
  ErrorCode error = ErrorCode::kNone;
};

struct OffsetFetchTopicResult {
  std::string name;
  std::vector<OffsetFetchPartitionResult> partitions;
};

struct OffsetFetchResult {
  ErrorCode error = ErrorCode::kNone;  // group-level (v2+)
  std::vector<OffsetFetchTopicResult> topics;
};

// ---- DescribeGroups (api key 15) ----

struct DescribedGroupMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  std::string member_metadata;    // empty unless the group is Stable (as Kafka)
  std::string member_assignment;  // empty unless the group is Stable
};

struct DescribedGroup {
  ErrorCode error = ErrorCode::kNone;
  std::string group_id;
  std::string group_state;    // "Stable", ...; "Dead" for a group that does not exist
  std::string protocol_type;  // "" when none
  std::string protocol_data;  // the selected protocol when Stable, else ""
  std::vector<DescribedGroupMember> members;
};

// ---- ListGroups (api key 16) ----

struct ListGroupsRequest {
  std::vector<std::string> states_filter;  // v4+; empty: every state
  std::vector<std::string> types_filter;   // v5+; empty: every type ("classic" here)
};

struct ListedGroup {
  std::string group_id;
  std::string protocol_type;
  std::string group_state;
  std::string group_type = "classic";
};

struct ListGroupsResult {
  ErrorCode error = ErrorCode::kNone;
  std::vector<ListedGroup> groups;
};

// ---- DeleteGroups (api key 42) ----

struct DeletedGroupResult {
  std::string group_id;
  ErrorCode error = ErrorCode::kNone;
};

}  // namespace loch::kafka::groups
