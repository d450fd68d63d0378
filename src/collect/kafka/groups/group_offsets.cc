// Offsets (OffsetCommit, OffsetFetch), persistence through the OffsetStore
// and its replay, and administration (DescribeGroups, ListGroups,
// DeleteGroups), following Kafka 3.x's GroupCoordinator.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "collect/kafka/groups/consumer_offsets_records.h"
#include "collect/kafka/groups/consumer_subscription.h"
#include "collect/kafka/groups/group_coordinator.h"

namespace loch::kafka::groups {
namespace {

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

OffsetsRecord group_metadata_record(const std::string& group_id, std::optional<std::string> value) {
  return {group_id, encode_group_metadata_key({group_id}), std::move(value)};
}

}  // namespace

Status GroupCoordinator::persist_group(const Group& group, Millis now) {
  return store_.append({group_metadata_record(group.id(), encode_group_metadata_value(group.snapshot(now)))});
}

// ---- replay ----

Status GroupCoordinator::load() {
  std::lock_guard lock(mutex_);
  const Millis now = clock_();
  groups_.clear();
  std::map<std::string, bool> has_metadata;  // false after a group tombstone
  std::map<std::string, Millis> empty_since;  // current_state_timestamp of stored generations
  Status replayed = store_.replay([&](const OffsetsRecord& record) -> Status {
    LOCH_ASSIGN_OR_RETURN(ConsumerOffsetsKey key, decode_consumer_offsets_key(record.key));
    if (const auto* offset_key = std::get_if<OffsetCommitKey>(&key)) {
      Group& group = create_group(offset_key->group, now);
      TopicPartition tp{offset_key->topic, offset_key->partition};
      if (!record.value) {
        group.offsets.erase(tp);
        return Status::ok();
      }
      LOCH_ASSIGN_OR_RETURN(group.offsets[tp], decode_offset_commit_value(*record.value));
      return Status::ok();
    }
    if (const auto* group_key = std::get_if<GroupMetadataKey>(&key)) {
      Group& group = create_group(group_key->group, now);
      for (const auto& [id, member] : std::map<std::string, GroupMember>(group.members())) group.remove(id);
      has_metadata[group_key->group] = record.value.has_value();
      if (!record.value) {
        group.generation = 0;
        group.protocol_type.reset();
        group.protocol_name.reset();
        group.leader.reset();
        return Status::ok();
      }
      LOCH_ASSIGN_OR_RETURN(GroupMetadataSnapshot snapshot, decode_group_metadata_value(*record.value));
      group.generation = snapshot.generation;
      group.protocol_type = snapshot.protocol_type.empty() ? std::nullopt : std::optional(snapshot.protocol_type);
      group.protocol_name = snapshot.protocol;
      for (GroupMemberSnapshot& m : snapshot.members) {
        GroupMember member;
        member.member_id = m.member_id;
        member.group_instance_id = m.group_instance_id;
        member.client_id = m.client_id;
        member.client_host = m.client_host;
        member.session_timeout_ms = m.session_timeout_ms;
        member.rebalance_timeout_ms = m.rebalance_timeout_ms;
        member.protocols.push_back({snapshot.protocol.value_or(""), std::move(m.subscription)});
        member.assignment = std::move(m.assignment);
        // The members were alive when the broker stopped: they get one
        // session from now to show that they still are.
        member.expires_at = now + Millis(m.session_timeout_ms);
        group.add(std::move(member), snapshot.protocol_type);
      }
      group.leader = snapshot.leader;
      if (snapshot.current_state_timestamp_ms >= 0) {
        empty_since[group_key->group] = Millis(snapshot.current_state_timestamp_ms);
      } else {
        empty_since.erase(group_key->group);
      }
      return Status::ok();
    }
    return Status::ok();  // a record kind loch does not use (Kafka 4's consumer-group records)
  });
  if (!replayed.is_ok()) {
    groups_.clear();
    return replayed.with_context("replaying __consumer_offsets");
  }
  for (auto it = groups_.begin(); it != groups_.end();) {
    Group& group = *it->second;
    if (!group.has_members() && group.offsets.empty() && !has_metadata[group.id()]) {
      it = groups_.erase(it);
      continue;
    }
    // An Empty group's offsets expire counting from when it became Empty,
    // which the stored generation remembers.
    Millis since = now;
    if (auto stored = empty_since.find(group.id()); stored != empty_since.end() && !group.has_members()) {
      since = stored->second;
    }
    group.transition_to(group.has_members() ? GroupState::kStable : GroupState::kEmpty, since);
    ++it;
  }
  next_retention_check_ = now + options_.offsets_retention_check_interval;
  loaded_ = true;
  spdlog::info("group coordinator: loaded {} groups", groups_.size());
  return Status::ok();
}

// ---- retention ----

void GroupCoordinator::expire_offsets(Millis now) {
  for (auto it = groups_.begin(); it != groups_.end();) {
    Group& group = *it->second;
    ++it;  // the group may be erased below
    if (!group.is(GroupState::kEmpty)) continue;  // members keep their offsets alive
    std::vector<TopicPartition> expired;
    for (const auto& [tp, value] : group.offsets) {
      // A consumer group's offsets age together from when the last member
      // left; a standalone consumer's each from its own commit.
      Millis base = group.protocol_type ? group.state_since() : Millis(value.commit_timestamp_ms);
      if (now - base >= options_.offsets_retention) expired.push_back(tp);
    }
    std::vector<OffsetsRecord> tombstones;
    for (const TopicPartition& tp : expired) {
      tombstones.push_back({group.id(), encode_offset_commit_key({group.id(), tp.topic, tp.partition}), std::nullopt});
    }
    // A group someone is joining (it holds MEMBER_ID_REQUIRED ids) stays.
    const bool forget_group = expired.size() == group.offsets.size() && group.pending_members.empty();
    if (forget_group) tombstones.push_back(group_metadata_record(group.id(), std::nullopt));
    if (tombstones.empty()) continue;
    if (Status stored = store_.append(tombstones); !stored.is_ok()) {
      spdlog::warn("group {}: cannot store expired offsets, retrying later: {}", group.id(), stored.to_string());
      continue;
    }
    for (const TopicPartition& tp : expired) group.offsets.erase(tp);
    if (!expired.empty()) spdlog::info("group {}: {} offsets expired", group.id(), expired.size());
    if (forget_group) {
      spdlog::info("group {}: empty and without offsets: removed", group.id());
      group.transition_to(GroupState::kDead, now);
      const std::string id = group.id();  // erase destroys the group that owns the string
      groups_.erase(id);
    }
  }
}

// ---- OffsetCommit ----

// Kafka's validateOffsetCommit: members of the group commit in their
// generation; a commit with generation -1 and no member comes from a
// standalone consumer or an admin tool and is only allowed while the group
// has no members.
ErrorCode GroupCoordinator::commit_error(Group& group, const OffsetCommitRequest& request) const {
  if (group.is(GroupState::kDead)) return ErrorCode::kCoordinatorNotAvailable;
  if (request.generation_id < 0 && group.is(GroupState::kEmpty)) return ErrorCode::kNone;
  if (request.generation_id >= 0 || !request.member_id.empty() || request.group_instance_id) {
    if (auto error = validate_member(group, request.member_id, request.group_instance_id)) return *error;
    if (request.generation_id != group.generation) return ErrorCode::kIllegalGeneration;
  } else if (!group.is(GroupState::kEmpty)) {
    return ErrorCode::kUnknownMemberId;
  }
  // Between the join and the sync the member's partitions are not settled;
  // during PreparingRebalance members commit what they are giving up.
  if (group.is(GroupState::kCompletingRebalance)) return ErrorCode::kRebalanceInProgress;
  return ErrorCode::kNone;
}

OffsetCommitResult GroupCoordinator::offset_commit(const OffsetCommitRequest& request) {
  OffsetCommitResult result;
  for (const OffsetCommitTopic& topic : request.topics) {
    OffsetCommitTopicResult& t = result.topics.emplace_back();
    t.name = topic.name;
    for (const OffsetCommitPartition& p : topic.partitions) {
      t.partitions.push_back({p.partition_index, ErrorCode::kNone});
    }
  }
  auto fail_all = [&](ErrorCode error) {
    for (auto& t : result.topics) {
      for (auto& p : t.partitions) p.error = error;
    }
    return result;
  };

  std::lock_guard lock(mutex_);
  const Millis now = clock_();
  if (auto error = availability_error()) return fail_all(*error);
  if (request.group_id.empty()) return fail_all(ErrorCode::kInvalidGroupId);
  Group* group = find_group(request.group_id);
  bool created = false;
  if (group == nullptr) {
    if (request.generation_id >= 0) return fail_all(ErrorCode::kIllegalGeneration);
    group = &create_group(request.group_id, now);  // a group used only to store offsets
    created = true;
  }
  if (ErrorCode error = request.from_transaction ? (group->is(GroupState::kDead) ? ErrorCode::kCoordinatorNotAvailable
                                                                                   : ErrorCode::kNone)
                                                 : commit_error(*group, request);
      error != ErrorCode::kNone) {
    return fail_all(error);
  }
  if (GroupMember* member = group->member(request.member_id)) {
    member->expires_at = now + Millis(member->session_timeout_ms);  // a commit shows the member is alive
  }

  std::vector<OffsetsRecord> records;
  std::vector<std::pair<TopicPartition, OffsetAndMetadata>> accepted;
  std::vector<OffsetCommitPartitionResult*> accepted_results;
  for (size_t t = 0; t < request.topics.size(); ++t) {
    const OffsetCommitTopic& topic = request.topics[t];
    for (size_t i = 0; i < topic.partitions.size(); ++i) {
      const OffsetCommitPartition& p = topic.partitions[i];
      OffsetCommitPartitionResult& r = result.topics[t].partitions[i];
      if (p.committed_metadata && p.committed_metadata->size() > options_.max_offset_metadata_bytes) {
        r.error = ErrorCode::kOffsetMetadataTooLarge;
        continue;
      }
      if (options_.partition_exists && !options_.partition_exists(topic.name, p.partition_index)) {
        r.error = ErrorCode::kUnknownTopicOrPartition;
        continue;
      }
      OffsetAndMetadata value;
      value.offset = p.committed_offset;
      value.leader_epoch = p.committed_leader_epoch;
      value.metadata = p.committed_metadata.value_or("");
      value.commit_timestamp_ms = p.commit_timestamp_ms >= 0 ? p.commit_timestamp_ms : now.count();
      records.push_back({request.group_id,
                         encode_offset_commit_key({request.group_id, topic.name, p.partition_index}),
                         encode_offset_commit_value(value)});
      accepted.emplace_back(TopicPartition{topic.name, p.partition_index}, std::move(value));
      accepted_results.push_back(&r);
    }
  }
  if (!records.empty()) {
    // The commit is acknowledged only once it is stored: a consumer that
    // restarts after a successful commit must not reprocess what it committed.
    if (Status stored = store_.append(records); !stored.is_ok()) {
      spdlog::warn("group {}: cannot store offsets: {}", request.group_id, stored.to_string());
      for (OffsetCommitPartitionResult* r : accepted_results) r->error = ErrorCode::kCoordinatorNotAvailable;
      accepted.clear();
    }
  }
  for (auto& [tp, value] : accepted) group->offsets[tp] = std::move(value);
  if (created && group->offsets.empty()) groups_.erase(request.group_id);
  return result;
}

// ---- OffsetFetch ----

OffsetFetchResult GroupCoordinator::offset_fetch(const OffsetFetchRequest& request) {
  OffsetFetchResult result;
  std::lock_guard lock(mutex_);
  if (auto error = availability_error()) {
    result.error = *error;
    return result;
  }
  const Group* group = find_group(request.group_id);
  if (group != nullptr && group->is(GroupState::kDead)) group = nullptr;
  auto fill = [](OffsetFetchPartitionResult& r, const OffsetAndMetadata& v) {
    r.committed_offset = v.offset;
    r.committed_leader_epoch = v.leader_epoch;
    r.metadata = v.metadata;
  };
  if (!request.topics) {
    if (group == nullptr) return result;
    for (const auto& [tp, value] : group->offsets) {
      if (result.topics.empty() || result.topics.back().name != tp.topic) result.topics.push_back({tp.topic, {}});
      OffsetFetchPartitionResult& r = result.topics.back().partitions.emplace_back();
      r.partition_index = tp.partition;
      fill(r, value);
    }
    return result;
  }
  for (const OffsetFetchTopic& topic : *request.topics) {
    OffsetFetchTopicResult& t = result.topics.emplace_back();
    t.name = topic.name;
    for (PartitionId partition : topic.partition_indexes) {
      OffsetFetchPartitionResult& r = t.partitions.emplace_back();
      r.partition_index = partition;
      r.metadata = "";  // Kafka's NO_METADATA for a partition without a commit
      if (group == nullptr) continue;
      auto it = group->offsets.find(TopicPartition{topic.name, partition});
      if (it != group->offsets.end()) fill(r, it->second);
    }
  }
  return result;
}

// ---- DescribeGroups, ListGroups, DeleteGroups ----

std::vector<DescribedGroup> GroupCoordinator::describe_groups(const std::vector<std::string>& group_ids) {
  std::vector<DescribedGroup> out;
  std::lock_guard lock(mutex_);
  for (const std::string& id : group_ids) {
    DescribedGroup& d = out.emplace_back();
    d.group_id = id;
    if (auto error = availability_error()) {
      d.error = *error;
      continue;
    }
    if (id.empty()) {
      d.error = ErrorCode::kInvalidGroupId;
      continue;
    }
    const Group* group = find_group(id);
    if (group == nullptr || group->is(GroupState::kDead)) {
      d.group_state = std::string(group_state_name(GroupState::kDead));  // as Kafka: not an error
      continue;
    }
    d.group_state = std::string(group_state_name(group->state()));
    d.protocol_type = group->protocol_type.value_or("");
    const bool stable = group->is(GroupState::kStable);
    if (stable) d.protocol_data = group->protocol_name.value_or("");
    for (const auto& [member_id, member] : group->members()) {
      DescribedGroupMember& m = d.members.emplace_back();
      m.member_id = member_id;
      m.group_instance_id = member.group_instance_id;
      m.client_id = member.client_id;
      m.client_host = member.client_host;
      if (stable) {
        m.member_metadata = member.metadata_for(d.protocol_data);
        m.member_assignment = member.assignment;
      }
    }
  }
  return out;
}

ListGroupsResult GroupCoordinator::list_groups(const ListGroupsRequest& request) {
  ListGroupsResult result;
  std::lock_guard lock(mutex_);
  if (auto error = availability_error()) {
    result.error = *error;
    return result;
  }
  auto wanted = [](const std::vector<std::string>& filter, std::string_view value) {
    return filter.empty() || std::any_of(filter.begin(), filter.end(),
                                         [&](const std::string& f) { return equals_ignoring_case(f, value); });
  };
  for (const auto& [id, group] : groups_) {
    if (group->is(GroupState::kDead)) continue;
    ListedGroup listed;
    listed.group_id = id;
    listed.protocol_type = group->protocol_type.value_or("");
    listed.group_state = std::string(group_state_name(group->state()));
    if (!wanted(request.states_filter, listed.group_state) || !wanted(request.types_filter, listed.group_type)) {
      continue;
    }
    result.groups.push_back(std::move(listed));
  }
  return result;
}

std::vector<DeletedGroupResult> GroupCoordinator::delete_groups(const std::vector<std::string>& group_ids) {
  std::vector<DeletedGroupResult> out;
  std::lock_guard lock(mutex_);
  for (const std::string& id : group_ids) {
    DeletedGroupResult& r = out.emplace_back();
    r.group_id = id;
    if (auto error = availability_error()) {
      r.error = *error;
      continue;
    }
    if (id.empty()) {
      r.error = ErrorCode::kInvalidGroupId;
      continue;
    }
    Group* group = find_group(id);
    if (group == nullptr || group->is(GroupState::kDead)) {
      r.error = ErrorCode::kGroupIdNotFound;
      continue;
    }
    if (!group->is(GroupState::kEmpty)) {
      r.error = ErrorCode::kNonEmptyGroup;
      continue;
    }
    // Tombstones for every offset and for the group, so that compaction
    // forgets the group and a replay does not bring it back.
    std::vector<OffsetsRecord> tombstones;
    for (const auto& [tp, value] : group->offsets) {
      tombstones.push_back({id, encode_offset_commit_key({id, tp.topic, tp.partition}), std::nullopt});
    }
    tombstones.push_back(group_metadata_record(id, std::nullopt));
    if (Status stored = store_.append(tombstones); !stored.is_ok()) {
      spdlog::warn("group {}: cannot store its deletion: {}", id, stored.to_string());
      r.error = ErrorCode::kCoordinatorNotAvailable;
      continue;
    }
    group->transition_to(GroupState::kDead, clock_());
    groups_.erase(id);
    spdlog::info("group {}: deleted", id);
  }
  return out;
}

DeleteOffsetsResult GroupCoordinator::delete_offsets(const std::string& group_id,
                                                     const std::vector<TopicPartition>& partitions) {
  DeleteOffsetsResult result;
  std::lock_guard lock(mutex_);
  if (auto error = availability_error()) {
    result.error = *error;
    return result;
  }
  if (group_id.empty()) {
    result.error = ErrorCode::kInvalidGroupId;
    return result;
  }
  Group* group = find_group(group_id);
  if (group == nullptr || group->is(GroupState::kDead)) {
    result.error = ErrorCode::kGroupIdNotFound;
    return result;
  }
  // Topics some member consumes: their offsets are in use. As in Kafka, a
  // member whose metadata is not a consumer subscription subscribes to none.
  std::set<std::string> subscribed;
  if (!group->is(GroupState::kEmpty)) {
    if (group->protocol_type != "consumer") {
      result.error = ErrorCode::kNonEmptyGroup;
      return result;
    }
    for (const auto& [id, member] : group->members()) {
      for (const JoinGroupProtocol& protocol : member.protocols) {
        if (group->protocol_name && protocol.name != *group->protocol_name) continue;
        if (auto topics = subscribed_topics(protocol.metadata)) subscribed.insert(topics->begin(), topics->end());
        break;
      }
    }
  }
  std::vector<OffsetsRecord> tombstones;
  std::vector<TopicPartition> deleted;
  for (const TopicPartition& tp : partitions) {
    if (subscribed.contains(tp.topic)) {
      result.partitions.emplace_back(tp, ErrorCode::kGroupSubscribedToTopic);
      continue;
    }
    result.partitions.emplace_back(tp, ErrorCode::kNone);
    if (group->offsets.contains(tp)) {
      tombstones.push_back(
          {group_id, encode_offset_commit_key({group_id, tp.topic, tp.partition}), std::nullopt});
      deleted.push_back(tp);
    }
  }
  if (tombstones.empty()) return result;
  if (Status stored = store_.append(tombstones); !stored.is_ok()) {
    spdlog::warn("group {}: cannot store the deletion of {} offsets: {}", group_id, tombstones.size(),
                 stored.to_string());
    result.error = ErrorCode::kCoordinatorNotAvailable;
    result.partitions.clear();
    return result;
  }
  for (const TopicPartition& tp : deleted) group->offsets.erase(tp);
  spdlog::info("group {}: deleted the committed offsets of {} partitions", group_id, deleted.size());
  return result;
}

}  // namespace loch::kafka::groups
