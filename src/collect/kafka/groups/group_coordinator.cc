// Membership: JoinGroup, SyncGroup, Heartbeat, LeaveGroup and the timers,
// following Kafka 3.x's GroupCoordinator (classic protocol). Offsets and
// administration are in group_offsets.cc.
#include "collect/kafka/groups/group_coordinator.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

namespace loch::kafka::groups {

Millis GroupCoordinator::system_clock() {
  return std::chrono::duration_cast<Millis>(std::chrono::system_clock::now().time_since_epoch());
}

GroupCoordinator::GroupCoordinator(Options options, OffsetStore& store, Clock clock)
    : options_(std::move(options)), store_(store), clock_(std::move(clock)), random_(std::random_device{}()) {}

GroupCoordinator::~GroupCoordinator() { shutdown(); }

void GroupCoordinator::run(Deferred& ready) {
  for (auto& completion : ready) completion();
  ready.clear();
}

void GroupCoordinator::answer(JoinCompletion done, JoinGroupResult result) {
  if (!done) return;
  deferred_.push_back([done = std::move(done), result = std::move(result)]() mutable { done(std::move(result)); });
}

void GroupCoordinator::answer(SyncCompletion done, SyncGroupResult result) {
  if (!done) return;
  deferred_.push_back([done = std::move(done), result = std::move(result)]() mutable { done(std::move(result)); });
}

void GroupCoordinator::answer_join_error(JoinCompletion done, ErrorCode error, std::string member_id) {
  JoinGroupResult result;
  result.error = error;
  result.member_id = std::move(member_id);
  answer(std::move(done), std::move(result));
}

std::optional<ErrorCode> GroupCoordinator::availability_error() const {
  if (shut_down_) return ErrorCode::kCoordinatorNotAvailable;
  if (!loaded_) return ErrorCode::kCoordinatorLoadInProgress;
  return std::nullopt;
}

Group* GroupCoordinator::find_group(const std::string& group_id) {
  auto it = groups_.find(group_id);
  return it == groups_.end() ? nullptr : it->second.get();
}

Group& GroupCoordinator::create_group(const std::string& group_id, Millis now) {
  auto& slot = groups_[group_id];
  if (!slot) slot = std::make_unique<Group>(group_id, now);
  return *slot;
}

// Kafka's validateCurrentMember: with an instance id, it must be held by this
// member id (another holder means this one was replaced: fenced); without,
// the member id must be known.
std::optional<ErrorCode> GroupCoordinator::validate_member(
    const Group& group, const std::string& member_id, const std::optional<std::string>& instance_id) const {
  if (instance_id) {
    auto current = group.static_member_id(*instance_id);
    if (!current) return ErrorCode::kUnknownMemberId;
    if (*current != member_id) return ErrorCode::kFencedInstanceId;
    return std::nullopt;
  }
  if (!group.has_member(member_id)) return ErrorCode::kUnknownMemberId;
  return std::nullopt;
}

// "<client id or instance id>-<random UUID>", Kafka's member id format.
std::string GroupCoordinator::new_member_id(const std::string& prefix) {
  uint64_t high = random_();
  uint64_t low = random_();
  high = (high & ~0xF000ull) | 0x4000ull;                         // version 4
  low = (low & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;  // IETF variant
  return fmt::format("{}-{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", prefix, high >> 32, (high >> 16) & 0xFFFF,
                     high & 0xFFFF, low >> 48, low & 0xFFFFFFFFFFFFull);
}

void GroupCoordinator::set_awaiting_join(GroupMember& member, JoinCompletion done) {
  // A member that sends JoinGroup again while one is pending (it timed out and
  // retried on a new connection) supersedes it; the old request still gets an
  // answer, one that makes a client that still listens rejoin.
  if (member.awaiting_join) {
    JoinGroupResult superseded;
    superseded.error = ErrorCode::kRebalanceInProgress;
    superseded.member_id = member.member_id;
    answer(std::exchange(member.awaiting_join, nullptr), std::move(superseded));
  }
  member.awaiting_join = std::move(done);
}

void GroupCoordinator::set_awaiting_sync(GroupMember& member, SyncCompletion done) {
  if (member.awaiting_sync) {
    SyncGroupResult superseded;
    superseded.error = ErrorCode::kRebalanceInProgress;
    answer(std::exchange(member.awaiting_sync, nullptr), std::move(superseded));
  }
  member.awaiting_sync = std::move(done);
}

JoinGroupResult GroupCoordinator::current_join_result(const Group& group, const GroupMember& member) const {
  JoinGroupResult r;
  r.generation_id = group.generation;
  r.protocol_type = group.protocol_type;
  r.protocol_name = group.protocol_name;
  r.leader = group.leader.value_or("");
  r.member_id = member.member_id;
  if (group.is_leader(member.member_id)) r.members = group.member_metadata();
  return r;
}

// ---- JoinGroup ----

void GroupCoordinator::join_group(JoinGroupRequest request, JoinCompletion done) {
  Deferred ready;
  {
    std::lock_guard lock(mutex_);
    join_locked(std::move(request), std::move(done), clock_());
    ready.swap(deferred_);
  }
  run(ready);
}

void GroupCoordinator::join_locked(JoinGroupRequest request, JoinCompletion done, Millis now) {
  if (auto error = availability_error()) return answer_join_error(std::move(done), *error, request.member_id);
  if (request.group_id.empty()) {
    return answer_join_error(std::move(done), ErrorCode::kInvalidGroupId, request.member_id);
  }
  Millis session(request.session_timeout_ms);
  if (session < options_.min_session_timeout || session > options_.max_session_timeout) {
    return answer_join_error(std::move(done), ErrorCode::kInvalidSessionTimeout, request.member_id);
  }
  if (request.rebalance_timeout_ms < 0) request.rebalance_timeout_ms = request.session_timeout_ms;

  Group* group = find_group(request.group_id);
  if (group == nullptr) {
    // Only a member without an id may create a group: a known id in an
    // unknown group is a member the coordinator has forgotten.
    if (!request.member_id.empty()) {
      return answer_join_error(std::move(done), ErrorCode::kUnknownMemberId, request.member_id);
    }
    group = &create_group(request.group_id, now);
  }
  if (group->is(GroupState::kDead)) {
    // Deleted while this request waited for the lock: the client finds the
    // coordinator again and retries.
    return answer_join_error(std::move(done), ErrorCode::kCoordinatorNotAvailable, request.member_id);
  }
  if (request.member_id.empty()) {
    join_new_member(*group, std::move(request), std::move(done), now);
  } else {
    join_known_member(*group, std::move(request), std::move(done), now);
  }
  maybe_complete_join(*group, now);
}

void GroupCoordinator::join_new_member(Group& group, JoinGroupRequest request, JoinCompletion done, Millis now) {
  if (!group.supports_protocols(request.protocol_type, request.protocols)) {
    return answer_join_error(std::move(done), ErrorCode::kInconsistentGroupProtocol);
  }
  std::string member_id = new_member_id(request.group_instance_id.value_or(request.client_id));
  if (request.group_instance_id) {
    if (auto old_id = group.static_member_id(*request.group_instance_id)) {
      return rejoin_static_member(group, *old_id, member_id, std::move(request), std::move(done), now);
    }
  }
  if (static_cast<int64_t>(group.members().size() + group.pending_members.size()) >= options_.max_group_size) {
    return answer_join_error(std::move(done), ErrorCode::kGroupMaxSizeReached);
  }
  if (!request.group_instance_id && request.api_version >= 4) {
    // KIP-394: hand out the id first, and count the member only when it comes
    // back with it, so that clients that die mid-join leave no ghost members.
    group.pending_members[member_id] = now + Millis(request.session_timeout_ms);
    return answer_join_error(std::move(done), ErrorCode::kMemberIdRequired, member_id);
  }
  add_member_and_rebalance(group, member_id, std::move(request), std::move(done), now);
}

void GroupCoordinator::join_known_member(Group& group, JoinGroupRequest request, JoinCompletion done,
                                         Millis now) {
  const std::string member_id = request.member_id;
  if (group.pending_members.count(member_id) > 0 && !request.group_instance_id) {
    if (!group.supports_protocols(request.protocol_type, request.protocols)) {
      return answer_join_error(std::move(done), ErrorCode::kInconsistentGroupProtocol, member_id);
    }
    group.pending_members.erase(member_id);
    return add_member_and_rebalance(group, member_id, std::move(request), std::move(done), now);
  }
  if (auto error = validate_member(group, member_id, request.group_instance_id)) {
    return answer_join_error(std::move(done), *error, member_id);
  }
  if (!group.supports_protocols(request.protocol_type, request.protocols)) {
    return answer_join_error(std::move(done), ErrorCode::kInconsistentGroupProtocol, member_id);
  }
  GroupMember& member = *group.member(member_id);
  switch (group.state()) {
    case GroupState::kPreparingRebalance:
      return update_member_and_rebalance(group, member, std::move(request), std::move(done), now);
    case GroupState::kCompletingRebalance:
      if (member.same_protocols(request.protocols)) {
        // The join answer was lost (a reconnect): answer it again.
        member.expires_at = now + Millis(member.session_timeout_ms);
        return answer(std::move(done), current_join_result(group, member));
      }
      return update_member_and_rebalance(group, member, std::move(request), std::move(done), now);
    case GroupState::kStable:
      // A leader rejoins to have a new assignment made (it saw metadata
      // change); anyone rejoins with new protocols: both need a rebalance.
      if (group.is_leader(member_id) || !member.same_protocols(request.protocols)) {
        return update_member_and_rebalance(group, member, std::move(request), std::move(done), now);
      }
      member.expires_at = now + Millis(member.session_timeout_ms);
      return answer(std::move(done), current_join_result(group, member));
    case GroupState::kEmpty:
    case GroupState::kDead:
      return answer_join_error(std::move(done), ErrorCode::kUnknownMemberId, member_id);
  }
}

// A static member (group.instance.id) joined without a member id: the same
// instance restarted. It takes over the old member's place and assignment
// under a new member id, and the old id is fenced. A Stable group is not
// rebalanced unless the protocol the group would select changes (KIP-345, as
// Kafka decides it), which is what lets a restart be invisible to the others.
// The member's metadata is not compared: consumers put their owned partitions
// and generation in it, which a restarted process has lost, so comparing it
// would rebalance on every restart.
void GroupCoordinator::rejoin_static_member(Group& group, const std::string& old_id, const std::string& new_id,
                                            JoinGroupRequest request, JoinCompletion done, Millis now) {
  const std::string& instance_id = *request.group_instance_id;
  if (GroupMember* old = group.member(old_id)) {
    answer_join_error(std::exchange(old->awaiting_join, nullptr), ErrorCode::kFencedInstanceId, old_id);
    SyncGroupResult fenced;
    fenced.error = ErrorCode::kFencedInstanceId;
    answer(std::exchange(old->awaiting_sync, nullptr), std::move(fenced));
  }
  const std::optional<std::string> previous_leader = group.leader;
  GroupMember& member = group.replace_static_member(instance_id, old_id, new_id);
  const std::vector<JoinGroupProtocol> old_protocols = member.protocols;
  member.protocols = std::move(request.protocols);
  member.session_timeout_ms = request.session_timeout_ms;
  member.rebalance_timeout_ms = request.rebalance_timeout_ms;
  member.client_id = request.client_id;
  member.client_host = request.client_host;
  member.expires_at = now + Millis(member.session_timeout_ms);
  spdlog::info("group {}: static member {} restarted as {} (was {})", group.id(), instance_id, new_id, old_id);

  switch (group.state()) {
    case GroupState::kStable: {
      if (group.protocol_name == group.select_protocol()) {
        if (Status stored = persist_group(group, now); !stored.is_ok()) {
          spdlog::warn("group {}: cannot store the static member's new id: {}", group.id(), stored.to_string());
          group.replace_static_member(instance_id, new_id, old_id).protocols = old_protocols;
          return answer_join_error(std::move(done), ErrorCode::kCoordinatorNotAvailable);
        }
        JoinGroupResult r;
        r.generation_id = group.generation;
        r.protocol_type = group.protocol_type;
        r.protocol_name = group.protocol_name;
        r.member_id = new_id;
        if (group.is_leader(new_id) && request.api_version >= 9) {
          // KIP-814: the leader learns it leads (to watch metadata) but keeps
          // the current assignment.
          r.leader = new_id;
          r.skip_assignment = true;
          r.members = group.member_metadata();
        } else {
          // Older clients would run a trivial assignment that a Stable group
          // never distributes; the old leader id tells them they follow.
          r.leader = previous_leader.value_or("");
        }
        return answer(std::move(done), std::move(r));
      }
      set_awaiting_join(member, std::move(done));
      return prepare_rebalance(group, now,
                               fmt::format("static member {} rejoined with protocols that change the group's",
                                           instance_id));
    }
    case GroupState::kCompletingRebalance:
      // The leader may be assigning with the old member id: start over.
      set_awaiting_join(member, std::move(done));
      return prepare_rebalance(group, now, fmt::format("static member {} rejoined during sync", instance_id));
    case GroupState::kPreparingRebalance:
      set_awaiting_join(member, std::move(done));
      return;
    case GroupState::kEmpty:
    case GroupState::kDead:
      // Unreachable: a group with a static member has a member.
      return answer_join_error(std::move(done), ErrorCode::kUnknownMemberId, new_id);
  }
}

void GroupCoordinator::add_member_and_rebalance(Group& group, const std::string& member_id,
                                                JoinGroupRequest request, JoinCompletion done, Millis now) {
  GroupMember member;
  member.member_id = member_id;
  member.group_instance_id = request.group_instance_id;
  member.client_id = std::move(request.client_id);
  member.client_host = std::move(request.client_host);
  member.session_timeout_ms = request.session_timeout_ms;
  member.rebalance_timeout_ms = request.rebalance_timeout_ms;
  member.protocols = std::move(request.protocols);
  member.awaiting_join = std::move(done);
  // A new member cannot heartbeat before its join is answered; if that takes
  // longer than this, it has probably gone and retried: drop it.
  member.is_new = true;
  member.expires_at = now + options_.new_member_join_timeout;
  if (group.is(GroupState::kPreparingRebalance) && group.generation == 0) group.new_member_added = true;
  group.add(std::move(member), request.protocol_type);
  maybe_prepare_rebalance(group, now, fmt::format("member {} joined", member_id));
}

void GroupCoordinator::update_member_and_rebalance(Group& group, GroupMember& member, JoinGroupRequest request,
                                                   JoinCompletion done, Millis now) {
  member.protocols = std::move(request.protocols);
  member.session_timeout_ms = request.session_timeout_ms;
  member.rebalance_timeout_ms = request.rebalance_timeout_ms;
  set_awaiting_join(member, std::move(done));
  maybe_prepare_rebalance(group, now, fmt::format("member {} rejoined", member.member_id));
}

void GroupCoordinator::maybe_prepare_rebalance(Group& group, Millis now, const std::string& reason) {
  if (group.is(GroupState::kStable) || group.is(GroupState::kCompletingRebalance) || group.is(GroupState::kEmpty)) {
    prepare_rebalance(group, now, reason);
  }
}

void GroupCoordinator::prepare_rebalance(Group& group, Millis now, const std::string& reason) {
  if (group.is(GroupState::kCompletingRebalance)) {
    // The assignment being made is for members that are changing: whoever
    // waits for it rejoins instead.
    for (auto& [id, member] : group.members()) {
      member.assignment.clear();
      SyncGroupResult r;
      r.error = ErrorCode::kRebalanceInProgress;
      answer(std::exchange(member.awaiting_sync, nullptr), std::move(r));
    }
  }
  group.pending_sync.clear();
  const bool first_rebalance = group.is(GroupState::kEmpty);
  group.transition_to(GroupState::kPreparingRebalance, now);
  if (first_rebalance && options_.initial_rebalance_delay > Millis(0)) {
    // Consumers of a new deployment start within moments of each other: wait
    // for them rather than rebalancing once per arrival.
    group.in_initial_delay = true;
    group.new_member_added = false;
    Millis timeout = group.rebalance_timeout();
    group.join_deadline = now + options_.initial_rebalance_delay;
    group.initial_delay_remaining = std::max(timeout - options_.initial_rebalance_delay, Millis(0));
  } else {
    group.in_initial_delay = false;
    group.join_deadline = now + group.rebalance_timeout();
  }
  spdlog::info("group {}: preparing rebalance in generation {}: {}", group.id(), group.generation, reason);
  // With nobody left to wait for (the last member left), the join phase is
  // over at once and the group becomes Empty.
  maybe_complete_join(group, now);
}

void GroupCoordinator::maybe_complete_join(Group& group, Millis now) {
  if (!group.is(GroupState::kPreparingRebalance)) return;
  if (group.in_initial_delay) {
    if (now < group.join_deadline) return;
    if (group.new_member_added && group.initial_delay_remaining > Millis(0)) {
      Millis delay = std::min(options_.initial_rebalance_delay, group.initial_delay_remaining);
      group.initial_delay_remaining -= delay;
      group.new_member_added = false;
      group.join_deadline = now + delay;
      return;
    }
    return complete_join(group, now);
  }
  if (group.all_members_joined() || now >= group.join_deadline) complete_join(group, now);
}

void GroupCoordinator::complete_join(Group& group, Millis now) {
  group.in_initial_delay = false;
  // Dynamic members that did not rejoin in time are out. Static members stay
  // until their session expires: a restarting instance keeps its place.
  std::vector<std::string> missing;
  for (const auto& [id, member] : group.members()) {
    if (!member.awaiting_join && !member.is_static()) missing.push_back(id);
  }
  for (const std::string& id : missing) {
    spdlog::info("group {}: member {} did not rejoin in time", group.id(), id);
    group.remove(id);
  }
  if (group.leader) {
    const GroupMember* leader = group.member(*group.leader);
    if (leader == nullptr || !leader->awaiting_join) {
      for (const auto& [id, member] : group.members()) {
        if (member.awaiting_join) {
          group.leader = id;
          break;
        }
      }
    }
  }

  ++group.generation;
  if (!group.has_members()) {
    group.protocol_name.reset();
    group.leader.reset();
    group.transition_to(GroupState::kEmpty, now);
    if (Status stored = persist_group(group, now); !stored.is_ok()) {
      spdlog::warn("group {}: cannot store generation {}: {}", group.id(), group.generation, stored.to_string());
    }
    spdlog::info("group {}: generation {} is empty", group.id(), group.generation);
    return;
  }
  group.protocol_name = group.select_protocol();
  group.transition_to(GroupState::kCompletingRebalance, now);
  group.pending_sync.clear();
  for (const auto& [id, member] : group.members()) group.pending_sync.insert(id);
  group.sync_deadline = now + group.rebalance_timeout();
  spdlog::info("group {}: generation {} with {} members, protocol {}, leader {}", group.id(), group.generation,
               group.members().size(), *group.protocol_name, group.leader.value_or(""));
  for (auto& [id, member] : group.members()) {
    if (!member.awaiting_join) continue;
    JoinGroupResult r = current_join_result(group, member);
    answer(std::exchange(member.awaiting_join, nullptr), std::move(r));
    member.is_new = false;
    member.expires_at = now + Millis(member.session_timeout_ms);
  }
}

// ---- SyncGroup ----

void GroupCoordinator::sync_group(SyncGroupRequest request, SyncCompletion done) {
  Deferred ready;
  {
    std::lock_guard lock(mutex_);
    sync_locked(std::move(request), std::move(done), clock_());
    ready.swap(deferred_);
  }
  run(ready);
}

void GroupCoordinator::sync_locked(SyncGroupRequest request, SyncCompletion done, Millis now) {
  auto fail = [&](ErrorCode error) {
    SyncGroupResult r;
    r.error = error;
    answer(std::move(done), std::move(r));
  };
  if (auto error = availability_error()) return fail(*error);
  Group* group = find_group(request.group_id);
  if (group == nullptr) return fail(ErrorCode::kUnknownMemberId);
  if (group->is(GroupState::kDead)) return fail(ErrorCode::kCoordinatorNotAvailable);
  if (auto error = validate_member(*group, request.member_id, request.group_instance_id)) return fail(*error);
  if (request.generation_id != group->generation) return fail(ErrorCode::kIllegalGeneration);
  if ((request.protocol_type && request.protocol_type != group->protocol_type) ||
      (request.protocol_name && request.protocol_name != group->protocol_name)) {
    return fail(ErrorCode::kInconsistentGroupProtocol);
  }
  GroupMember& member = *group->member(request.member_id);
  auto success = [&](std::string assignment) {
    SyncGroupResult r;
    r.protocol_type = group->protocol_type;
    r.protocol_name = group->protocol_name;
    r.assignment = std::move(assignment);
    return r;
  };
  switch (group->state()) {
    case GroupState::kEmpty:
    case GroupState::kDead:
      return fail(ErrorCode::kUnknownMemberId);
    case GroupState::kPreparingRebalance:
      return fail(ErrorCode::kRebalanceInProgress);
    case GroupState::kStable:
      group->pending_sync.erase(member.member_id);
      member.expires_at = now + Millis(member.session_timeout_ms);
      return answer(std::move(done), success(member.assignment));
    case GroupState::kCompletingRebalance:
      break;
  }
  group->pending_sync.erase(member.member_id);
  member.expires_at = now + Millis(member.session_timeout_ms);
  set_awaiting_sync(member, std::move(done));
  if (!group->is_leader(member.member_id)) return;  // followers wait for the leader

  std::map<std::string, std::string> assignments;
  for (SyncGroupAssignment& a : request.assignments) assignments[a.member_id] = std::move(a.assignment);
  for (auto& [id, m] : group->members()) {
    auto it = assignments.find(id);
    m.assignment = it == assignments.end() ? std::string() : std::move(it->second);
  }
  if (Status stored = persist_group(*group, now); !stored.is_ok()) {
    // Acknowledging an assignment that a restart would forget would split the
    // group's view of itself: everyone rejoins instead.
    spdlog::warn("group {}: cannot store generation {}: {}", group->id(), group->generation, stored.to_string());
    for (auto& [id, m] : group->members()) {
      m.assignment.clear();
      SyncGroupResult r;
      r.error = ErrorCode::kCoordinatorNotAvailable;
      answer(std::exchange(m.awaiting_sync, nullptr), std::move(r));
    }
    return prepare_rebalance(*group, now, "storing the assignment failed");
  }
  for (auto& [id, m] : group->members()) {
    if (m.awaiting_sync) answer(std::exchange(m.awaiting_sync, nullptr), success(m.assignment));
  }
  group->transition_to(GroupState::kStable, now);
  spdlog::info("group {}: generation {} is stable", group->id(), group->generation);
}

// ---- Heartbeat ----

HeartbeatResult GroupCoordinator::heartbeat(const HeartbeatRequest& request) {
  std::lock_guard lock(mutex_);
  Millis now = clock_();
  if (auto error = availability_error()) return {*error};
  Group* group = find_group(request.group_id);
  if (group == nullptr) return {ErrorCode::kUnknownMemberId};
  if (group->is(GroupState::kDead)) return {ErrorCode::kCoordinatorNotAvailable};
  if (auto error = validate_member(*group, request.member_id, request.group_instance_id)) return {*error};
  if (request.generation_id != group->generation) return {ErrorCode::kIllegalGeneration};
  GroupMember& member = *group->member(request.member_id);
  switch (group->state()) {
    case GroupState::kEmpty:
    case GroupState::kDead:
      return {ErrorCode::kUnknownMemberId};
    case GroupState::kPreparingRebalance:
      member.expires_at = now + Millis(member.session_timeout_ms);
      return {ErrorCode::kRebalanceInProgress};
    case GroupState::kCompletingRebalance:
    case GroupState::kStable:
      member.expires_at = now + Millis(member.session_timeout_ms);
      return {ErrorCode::kNone};
  }
  return {ErrorCode::kNone};
}

// ---- LeaveGroup ----

void GroupCoordinator::remove_member_and_update_group(Group& group, const std::string& member_id, Millis now,
                                                      const std::string& reason) {
  GroupMember* member = group.member(member_id);
  if (member == nullptr) return;
  answer_join_error(std::exchange(member->awaiting_join, nullptr), ErrorCode::kUnknownMemberId, member_id);
  SyncGroupResult gone;
  gone.error = ErrorCode::kUnknownMemberId;
  answer(std::exchange(member->awaiting_sync, nullptr), std::move(gone));
  group.remove(member_id);
  switch (group.state()) {
    case GroupState::kStable:
    case GroupState::kCompletingRebalance:
      return maybe_prepare_rebalance(group, now, reason);
    case GroupState::kPreparingRebalance:
      return maybe_complete_join(group, now);
    case GroupState::kEmpty:
    case GroupState::kDead:
      return;
  }
}

LeaveGroupResult GroupCoordinator::leave_group(const LeaveGroupRequest& request) {
  LeaveGroupResult result;
  Deferred ready;
  {
    std::lock_guard lock(mutex_);
    Millis now = clock_();
    Group* group = find_group(request.group_id);
    if (auto error = availability_error()) {
      result.error = *error;
    } else if (group != nullptr && group->is(GroupState::kDead)) {
      result.error = ErrorCode::kCoordinatorNotAvailable;
    }
    for (const LeavingMember& leaving : request.members) {
      LeftMember left{leaving.member_id, leaving.group_instance_id, ErrorCode::kNone};
      if (result.error != ErrorCode::kNone) {
        left.error = result.error;
      } else if (group == nullptr) {
        left.error = ErrorCode::kUnknownMemberId;
      } else if (leaving.member_id.empty()) {
        // An administrative removal names only the instance (KIP-345).
        auto current = leaving.group_instance_id ? group->static_member_id(*leaving.group_instance_id)
                                                 : std::nullopt;
        if (current) {
          remove_member_and_update_group(*group, *current, now,
                                         fmt::format("static member {} removed", *leaving.group_instance_id));
        } else {
          left.error = ErrorCode::kUnknownMemberId;
        }
      } else if (group->pending_members.erase(leaving.member_id) > 0) {
        maybe_complete_join(*group, now);
      } else if (auto error = validate_member(*group, leaving.member_id, leaving.group_instance_id)) {
        left.error = *error;
      } else {
        remove_member_and_update_group(*group, leaving.member_id, now,
                                       fmt::format("member {} left{}{}", leaving.member_id,
                                                   leaving.reason ? ": " : "", leaving.reason.value_or("")));
      }
      result.members.push_back(std::move(left));
    }
    ready.swap(deferred_);
  }
  run(ready);
  return result;
}

// ---- timers ----

void GroupCoordinator::tick() {
  Deferred ready;
  {
    std::lock_guard lock(mutex_);
    if (loaded_ && !shut_down_) {
      Millis now = clock_();
      for (auto& [id, group] : groups_) expire_group(*group, now);
      if (now >= next_retention_check_) {
        expire_offsets(now);
        next_retention_check_ = now + options_.offsets_retention_check_interval;
      }
    }
    ready.swap(deferred_);
  }
  run(ready);
}

void GroupCoordinator::expire_group(Group& group, Millis now) {
  if (group.is(GroupState::kDead)) return;
  for (auto it = group.pending_members.begin(); it != group.pending_members.end();) {
    it = it->second <= now ? group.pending_members.erase(it) : std::next(it);
  }
  // Members waiting for a join or sync answer are bounded by the rebalance
  // timeout instead, except new members, which cannot heartbeat yet.
  std::vector<std::string> expired;
  for (const auto& [id, member] : group.members()) {
    bool waiting = member.awaiting_join || member.awaiting_sync;
    if ((member.is_new || !waiting) && now >= member.expires_at) expired.push_back(id);
  }
  for (const std::string& id : expired) {
    spdlog::info("group {}: member {} expired", group.id(), id);
    remove_member_and_update_group(group, id, now, fmt::format("member {} session expired", id));
  }
  if ((group.is(GroupState::kCompletingRebalance) || group.is(GroupState::kStable)) && !group.pending_sync.empty() &&
      now >= group.sync_deadline) {
    std::vector<std::string> late(group.pending_sync.begin(), group.pending_sync.end());
    for (const std::string& id : late) {
      remove_member_and_update_group(group, id, now, fmt::format("member {} did not sync in time", id));
    }
  }
  maybe_complete_join(group, now);
}

void GroupCoordinator::shutdown() {
  Deferred ready;
  {
    std::lock_guard lock(mutex_);
    shut_down_ = true;
    for (auto& [id, group] : groups_) {
      for (auto& [member_id, member] : group->members()) {
        answer_join_error(std::exchange(member.awaiting_join, nullptr), ErrorCode::kCoordinatorNotAvailable,
                          member_id);
        SyncGroupResult r;
        r.error = ErrorCode::kCoordinatorNotAvailable;
        answer(std::exchange(member.awaiting_sync, nullptr), std::move(r));
      }
    }
    ready.swap(deferred_);
  }
  run(ready);
}

}  // namespace loch::kafka::groups
