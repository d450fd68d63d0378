// Group: one consumer group's membership and state, the data the coordinator
// (group_coordinator.h) drives through Kafka's classic group protocol:
//
//   Empty ──join──▶ PreparingRebalance ──all joined / rebalance timeout──▶
//   CompletingRebalance ──leader's SyncGroup──▶ Stable ──join/leave/expiry──▶
//   PreparingRebalance ...;   Empty ──DeleteGroups──▶ Dead
//
// Internal to the coordinator: not thread-safe, the coordinator's mutex guards
// every Group. It holds no policy (timeouts, persistence); the coordinator does.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "collect/kafka/groups/consumer_offsets_records.h"
#include "collect/kafka/groups/group_messages.h"

namespace loch::kafka::groups {

// Milliseconds since the Unix epoch on the broker's clock.
using Millis = std::chrono::milliseconds;

enum class GroupState { kEmpty, kPreparingRebalance, kCompletingRebalance, kStable, kDead };

// Kafka's names: "Empty", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead".
std::string_view group_state_name(GroupState state);

using JoinCompletion = std::function<void(JoinGroupResult)>;
using SyncCompletion = std::function<void(SyncGroupResult)>;

struct TopicPartition {
  std::string topic;
  PartitionId partition;
  auto operator<=>(const TopicPartition&) const = default;
};

struct GroupMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = 0;
  std::vector<JoinGroupProtocol> protocols;  // in the member's order of preference
  std::string assignment;                    // from the leader's last SyncGroup

  // The answers this member waits for; at most one each. Whoever clears one
  // must call it (exactly once) with the answer.
  JoinCompletion awaiting_join;
  SyncCompletion awaiting_sync;

  // Joined during the current rebalance and never answered yet: such a member
  // cannot heartbeat, so its join is bounded by the new-member timeout.
  bool is_new = false;
  Millis expires_at{0};  // session (or new-member) deadline

  bool is_static() const { return group_instance_id.has_value(); }
  // Same protocols, in the same order, with the same metadata.
  bool same_protocols(const std::vector<JoinGroupProtocol>& other) const;
  // This member's metadata for `protocol` ("" if it does not support it).
  std::string metadata_for(std::string_view protocol) const;
};

class Group {
 public:
  Group(std::string id, Millis now) : id_(std::move(id)), state_since_(now) {}

  const std::string& id() const { return id_; }
  GroupState state() const { return state_; }
  bool is(GroupState s) const { return state_ == s; }
  void transition_to(GroupState s, Millis now) {
    state_ = s;
    state_since_ = now;
  }
  Millis state_since() const { return state_since_; }

  int32_t generation = 0;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name;  // selected for the current generation
  std::optional<std::string> leader;

  // Member ids handed out with MEMBER_ID_REQUIRED (v4+ two-step join), with
  // the deadline by which the member must join with it.
  std::map<std::string, Millis> pending_members;
  // Members of the current generation whose SyncGroup has not arrived yet,
  // and the time by which it must (the rebalance timeout after the join).
  std::set<std::string> pending_sync;
  Millis sync_deadline{0};

  // PreparingRebalance: when the join phase ends at the latest.
  Millis join_deadline{0};
  // An Empty group's first rebalance waits group.initial.rebalance.delay.ms,
  // extended while members keep arriving, up to the rebalance timeout.
  bool in_initial_delay = false;
  bool new_member_added = false;
  Millis initial_delay_remaining{0};

  std::map<TopicPartition, OffsetAndMetadata> offsets;

  // ---- members ----
  const std::map<std::string, GroupMember>& members() const { return members_; }
  std::map<std::string, GroupMember>& members() { return members_; }
  bool has_member(const std::string& member_id) const { return members_.count(member_id) > 0; }
  GroupMember* member(const std::string& member_id);
  bool has_members() const { return !members_.empty(); }
  bool is_leader(const std::string& member_id) const { return leader && *leader == member_id; }
  // The member id currently holding a static instance id, if any.
  std::optional<std::string> static_member_id(const std::string& instance_id) const;

  // Adds a member; the first member of an empty group sets the protocol type
  // and becomes the leader.
  GroupMember& add(GroupMember member, const std::string& protocol_type);
  // Removes a member (its completions must have been answered already). A
  // removed leader is replaced by a member waiting to join, or any member.
  void remove(const std::string& member_id);
  // Moves a static member to a new member id (a restarted instance), keeping
  // its assignment; the leader id follows.
  GroupMember& replace_static_member(const std::string& instance_id, const std::string& old_id,
                                     const std::string& new_id);

  // Kafka's GroupMetadata.supportsProtocols: an empty group takes any
  // non-empty protocol list with a type; otherwise the type must match and
  // one of the protocols must be supported by every current member.
  bool supports_protocols(const std::string& protocol_type,
                          const std::vector<JoinGroupProtocol>& protocols) const;
  // The protocol every member supports that most members prefer (each votes
  // for its first supported candidate; ties go to the leader's preference).
  std::string select_protocol() const;

  int members_awaiting_join() const;
  // Everyone known has rejoined and no MEMBER_ID_REQUIRED join is outstanding.
  bool all_members_joined() const;
  // The longest rebalance timeout of the members, which bounds a join phase.
  Millis rebalance_timeout() const;
  // What the leader gets in its JoinGroup response.
  std::vector<JoinGroupMember> member_metadata() const;

  GroupMetadataSnapshot snapshot(Millis now) const;

 private:
  std::string id_;
  GroupState state_ = GroupState::kEmpty;
  Millis state_since_;
  std::map<std::string, GroupMember> members_;
  std::map<std::string, std::string> static_members_;  // instance id -> member id
};

}  // namespace loch::kafka::groups
