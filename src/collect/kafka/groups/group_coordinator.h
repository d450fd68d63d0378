// GroupCoordinator: Kafka's classic consumer-group protocol, as pure logic.
//
// It answers JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit,
// OffsetFetch, DescribeGroups, ListGroups and DeleteGroups with Kafka's
// semantics (the GroupCoordinator of Kafka 3.x, as librdkafka 2.x, kafkajs 2.2
// and the Java 3.x client use it): the Empty / PreparingRebalance /
// CompletingRebalance / Stable / Dead state machine (group.h), the v4+
// MEMBER_ID_REQUIRED two-step join, protocol selection by vote, the initial
// rebalance delay, rebalance and session timeouts, static membership
// (group.instance.id) with fencing, and offsets persisted through an
// OffsetStore so that load() after a restart recovers them.
//
// No sockets, no timers: time comes from the injected Clock, and the broker
// calls tick() periodically (every 100 ms is plenty: Kafka's own timeouts are
// seconds) to expire sessions and end join phases. Tests inject a fake clock.
//
// Asynchronous answers. JoinGroup and SyncGroup may have to wait for the rest
// of the group: join_group() and sync_group() take a completion that the
// coordinator calls exactly once with the answer, either before the call
// returns (an error, MEMBER_ID_REQUIRED, a Stable group's SyncGroup) or later
// from inside another call (the last member's join_group, the leader's
// sync_group, a leave_group, tick(), shutdown()). The broker's coroutine
// suspends on it and resumes on its own executor (post the completion there;
// the coordinator does not know about executors).
//
// Threading: every public function may be called from any thread. One mutex
// guards all groups and offsets; completions are always called after that
// mutex is released, on the thread of the call that resolved them, so a
// completion may call back into the coordinator. Completions must not block.
// OffsetStore::append is called with the mutex held.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "collect/kafka/groups/group.h"
#include "collect/kafka/groups/group_messages.h"
#include "collect/kafka/groups/offset_store.h"
#include "common/status.h"

namespace loch::kafka::groups {

// OffsetDelete: a group-level error, else one error per partition asked for.
struct DeleteOffsetsResult {
  ErrorCode error = ErrorCode::kNone;
  std::vector<std::pair<TopicPartition, ErrorCode>> partitions;
};

class GroupCoordinator {
 public:
  using Clock = std::function<Millis()>;

  struct Options {
    Millis min_session_timeout{6'000};       // group.min.session.timeout.ms
    Millis max_session_timeout{1'800'000};   // group.max.session.timeout.ms
    Millis initial_rebalance_delay{3'000};   // group.initial.rebalance.delay.ms
    Millis new_member_join_timeout{300'000};  // Kafka's fixed NewMemberJoinTimeoutMs
    Millis offsets_retention{7 * 24 * 3'600'000};     // offsets.retention.minutes (7 days)
    Millis offsets_retention_check_interval{600'000};  // offsets.retention.check.interval.ms
    int32_t max_group_size = std::numeric_limits<int32_t>::max();  // group.max.size
    size_t max_offset_metadata_bytes = 4096;                       // offset.metadata.max.bytes
    // Whether a committed partition exists (else UNKNOWN_TOPIC_OR_PARTITION).
    // Empty: every partition is accepted. Called with the mutex held.
    std::function<bool(const std::string& topic, PartitionId partition)> partition_exists;
  };

  // The wall clock in milliseconds since the Unix epoch.
  static Millis system_clock();

  GroupCoordinator(Options options, OffsetStore& store, Clock clock = &GroupCoordinator::system_clock);
  ~GroupCoordinator();
  GroupCoordinator(const GroupCoordinator&) = delete;
  GroupCoordinator& operator=(const GroupCoordinator&) = delete;

  // Replays the store: committed offsets and each group's last membership
  // (a group with members comes back Stable in its generation, and its
  // members have one session timeout to heartbeat). Until load() succeeds,
  // every request is answered COORDINATOR_LOAD_IN_PROGRESS.
  Status load();

  // Answers COORDINATOR_NOT_AVAILABLE to every waiting JoinGroup and
  // SyncGroup and to every later request.
  void shutdown();

  void join_group(JoinGroupRequest request, JoinCompletion done);
  void sync_group(SyncGroupRequest request, SyncCompletion done);
  HeartbeatResult heartbeat(const HeartbeatRequest& request);
  LeaveGroupResult leave_group(const LeaveGroupRequest& request);

  OffsetCommitResult offset_commit(const OffsetCommitRequest& request);
  OffsetFetchResult offset_fetch(const OffsetFetchRequest& request);

  std::vector<DescribedGroup> describe_groups(const std::vector<std::string>& group_ids);
  ListGroupsResult list_groups(const ListGroupsRequest& request);
  std::vector<DeletedGroupResult> delete_groups(const std::vector<std::string>& group_ids);
  // OffsetDelete (KIP-496): removes committed offsets, stored as tombstones.
  // An Empty group loses every partition asked for; an active consumer
  // group only those of topics no member subscribes to (the others answer
  // GROUP_SUBSCRIBED_TO_TOPIC); another active group: NON_EMPTY_GROUP.
  DeleteOffsetsResult delete_offsets(const std::string& group_id, const std::vector<TopicPartition>& partitions);

  // Expires members whose session ran out and MEMBER_ID_REQUIRED ids never
  // used, ends join phases whose delay or rebalance timeout passed, and
  // removes members that did not SyncGroup within the rebalance timeout.
  // Every offsets_retention_check_interval it also expires offsets as Kafka
  // does (KIP-211): a consumer group's once it has been Empty for
  // offsets_retention, a standalone consumer's each offsets_retention after
  // its commit; an Empty group left without offsets is deleted.
  void tick();

 private:
  using Deferred = std::vector<std::function<void()>>;

  std::optional<ErrorCode> availability_error() const;
  Group* find_group(const std::string& group_id);
  Group& create_group(const std::string& group_id, Millis now);
  std::optional<ErrorCode> validate_member(const Group& group, const std::string& member_id,
                                           const std::optional<std::string>& instance_id) const;
  std::string new_member_id(const std::string& prefix);

  // Membership (group_coordinator.cc).
  void join_locked(JoinGroupRequest request, JoinCompletion done, Millis now);
  void join_new_member(Group& group, JoinGroupRequest request, JoinCompletion done, Millis now);
  void join_known_member(Group& group, JoinGroupRequest request, JoinCompletion done, Millis now);
  void rejoin_static_member(Group& group, const std::string& old_id, const std::string& new_id,
                            JoinGroupRequest request, JoinCompletion done, Millis now);
  void add_member_and_rebalance(Group& group, const std::string& member_id, JoinGroupRequest request,
                                JoinCompletion done, Millis now);
  void update_member_and_rebalance(Group& group, GroupMember& member, JoinGroupRequest request,
                                   JoinCompletion done, Millis now);
  void maybe_prepare_rebalance(Group& group, Millis now, const std::string& reason);
  void prepare_rebalance(Group& group, Millis now, const std::string& reason);
  void maybe_complete_join(Group& group, Millis now);
  void complete_join(Group& group, Millis now);
  void remove_member_and_update_group(Group& group, const std::string& member_id, Millis now,
                                      const std::string& reason);
  void sync_locked(SyncGroupRequest request, SyncCompletion done, Millis now);
  void expire_group(Group& group, Millis now);
  JoinGroupResult current_join_result(const Group& group, const GroupMember& member) const;
  void set_awaiting_join(GroupMember& member, JoinCompletion done);
  void set_awaiting_sync(GroupMember& member, SyncCompletion done);

  // Offsets, persistence and administration (group_offsets.cc).
  Status persist_group(const Group& group, Millis now);
  ErrorCode commit_error(Group& group, const OffsetCommitRequest& request) const;
  void expire_offsets(Millis now);

  // Queue a completion to run once the mutex is released.
  void answer(JoinCompletion done, JoinGroupResult result);
  void answer(SyncCompletion done, SyncGroupResult result);
  void answer_join_error(JoinCompletion done, ErrorCode error, std::string member_id = {});
  static void run(Deferred& ready);

  const Options options_;
  OffsetStore& store_;
  const Clock clock_;

  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Group>> groups_;  // guarded by mutex_
  Deferred deferred_;                                     // guarded by mutex_
  bool loaded_ = false;                                   // guarded by mutex_
  bool shut_down_ = false;                                // guarded by mutex_
  Millis next_retention_check_{0};                        // guarded by mutex_
  std::mt19937_64 random_;                                // guarded by mutex_
};

}  // namespace loch::kafka::groups
