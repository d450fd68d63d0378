#include "collect/kafka/groups/group.h"

#include <algorithm>

namespace loch::kafka::groups {

std::string_view group_state_name(GroupState state) {
  switch (state) {
    case GroupState::kEmpty: return "Empty";
    case GroupState::kPreparingRebalance: return "PreparingRebalance";
    case GroupState::kCompletingRebalance: return "CompletingRebalance";
    case GroupState::kStable: return "Stable";
    case GroupState::kDead: return "Dead";
  }
  return "Unknown";
}

bool GroupMember::same_protocols(const std::vector<JoinGroupProtocol>& other) const {
  if (other.size() != protocols.size()) return false;
  for (size_t i = 0; i < other.size(); ++i) {
    if (other[i].name != protocols[i].name || other[i].metadata != protocols[i].metadata) return false;
  }
  return true;
}

std::string GroupMember::metadata_for(std::string_view protocol) const {
  for (const JoinGroupProtocol& p : protocols) {
    if (p.name == protocol) return p.metadata;
  }
  return {};
}

GroupMember* Group::member(const std::string& member_id) {
  auto it = members_.find(member_id);
  return it == members_.end() ? nullptr : &it->second;
}

std::optional<std::string> Group::static_member_id(const std::string& instance_id) const {
  auto it = static_members_.find(instance_id);
  if (it == static_members_.end()) return std::nullopt;
  return it->second;
}

GroupMember& Group::add(GroupMember member, const std::string& type) {
  if (members_.empty()) protocol_type = type;
  if (!leader) leader = member.member_id;
  if (member.group_instance_id) static_members_[*member.group_instance_id] = member.member_id;
  std::string id = member.member_id;
  return members_.insert_or_assign(id, std::move(member)).first->second;
}

void Group::remove(const std::string& member_id) {
  auto it = members_.find(member_id);
  if (it == members_.end()) return;
  if (it->second.group_instance_id) {
    auto s = static_members_.find(*it->second.group_instance_id);
    if (s != static_members_.end() && s->second == member_id) static_members_.erase(s);
  }
  members_.erase(it);
  pending_sync.erase(member_id);
  if (is_leader(member_id)) {
    leader.reset();
    for (const auto& [id, m] : members_) {
      if (m.awaiting_join) {
        leader = id;
        break;
      }
    }
    if (!leader && !members_.empty()) leader = members_.begin()->first;
  }
}

GroupMember& Group::replace_static_member(const std::string& instance_id, const std::string& old_id,
                                          const std::string& new_id) {
  auto node = members_.extract(old_id);
  node.key() = new_id;
  node.mapped().member_id = new_id;
  auto inserted = members_.insert(std::move(node));
  static_members_[instance_id] = new_id;
  if (is_leader(old_id)) leader = new_id;
  if (pending_sync.erase(old_id) > 0) pending_sync.insert(new_id);
  return inserted.position->second;
}

bool Group::supports_protocols(const std::string& type,
                               const std::vector<JoinGroupProtocol>& protocols) const {
  if (members_.empty()) return !type.empty() && !protocols.empty();
  if (!protocol_type || *protocol_type != type) return false;
  for (const JoinGroupProtocol& p : protocols) {
    bool everyone = std::all_of(members_.begin(), members_.end(), [&](const auto& entry) {
      const auto& theirs = entry.second.protocols;
      return std::any_of(theirs.begin(), theirs.end(),
                         [&](const JoinGroupProtocol& q) { return q.name == p.name; });
    });
    if (everyone) return true;
  }
  return false;
}

std::string Group::select_protocol() const {
  if (members_.empty()) return {};
  const GroupMember& first =
      leader && members_.count(*leader) ? members_.at(*leader) : members_.begin()->second;
  auto supported_by_all = [&](const std::string& name) {
    return std::all_of(members_.begin(), members_.end(), [&](const auto& entry) {
      const auto& theirs = entry.second.protocols;
      return std::any_of(theirs.begin(), theirs.end(),
                         [&](const JoinGroupProtocol& q) { return q.name == name; });
    });
  };
  std::vector<std::string> candidates;  // in the leader's order of preference
  for (const JoinGroupProtocol& p : first.protocols) {
    if (supported_by_all(p.name)) candidates.push_back(p.name);
  }
  if (candidates.empty()) return {};
  std::map<std::string, int> votes;
  for (const auto& [id, m] : members_) {
    for (const JoinGroupProtocol& p : m.protocols) {
      if (std::find(candidates.begin(), candidates.end(), p.name) != candidates.end()) {
        ++votes[p.name];
        break;
      }
    }
  }
  std::string best = candidates.front();
  for (const std::string& c : candidates) {
    if (votes[c] > votes[best]) best = c;
  }
  return best;
}

int Group::members_awaiting_join() const {
  return static_cast<int>(std::count_if(members_.begin(), members_.end(),
                                        [](const auto& entry) { return bool(entry.second.awaiting_join); }));
}

bool Group::all_members_joined() const {
  return members_awaiting_join() == static_cast<int>(members_.size()) && pending_members.empty();
}

Millis Group::rebalance_timeout() const {
  int32_t longest = 0;
  for (const auto& [id, m] : members_) longest = std::max(longest, m.rebalance_timeout_ms);
  return Millis(longest);
}

std::vector<JoinGroupMember> Group::member_metadata() const {
  std::vector<JoinGroupMember> out;
  for (const auto& [id, m] : members_) {
    out.push_back({id, m.group_instance_id, m.metadata_for(protocol_name.value_or(""))});
  }
  return out;
}

GroupMetadataSnapshot Group::snapshot(Millis now) const {
  GroupMetadataSnapshot s;
  s.protocol_type = protocol_type.value_or("");
  s.generation = generation;
  s.protocol = protocol_name;
  s.leader = leader;
  s.current_state_timestamp_ms = now.count();
  for (const auto& [id, m] : members_) {
    s.members.push_back({id, m.group_instance_id, m.client_id, m.client_host, m.rebalance_timeout_ms,
                         m.session_timeout_ms, m.metadata_for(protocol_name.value_or("")),
                         m.assignment});
  }
  return s;
}

}  // namespace loch::kafka::groups
