// FindCoordinator and the group membership APIs (JoinGroup, SyncGroup,
// Heartbeat, LeaveGroup): translation between the generated codec structs
// and the group coordinator's (groups/group_messages.h). The protocol's
// meaning lives in the coordinator; what is here is version handling.
#include <utility>  // before asio: Boost 1.74's awaitable.hpp uses std::exchange unincluded

#include <boost/asio/use_awaitable.hpp>

#include "collect/kafka/broker/broker.h"
#include "collect/kafka/broker/kafka_errors.h"
#include "collect/kafka/broker/request_decoding.h"
#include "collect/kafka/groups/group_coordinator_asio.h"
#include "collect/kafka/protocol/messages/find_coordinator_request.h"
#include "collect/kafka/protocol/messages/find_coordinator_response.h"
#include "collect/kafka/protocol/messages/heartbeat_request.h"
#include "collect/kafka/protocol/messages/heartbeat_response.h"
#include "collect/kafka/protocol/messages/join_group_request.h"
#include "collect/kafka/protocol/messages/join_group_response.h"
#include "collect/kafka/protocol/messages/leave_group_request.h"
#include "collect/kafka/protocol/messages/leave_group_response.h"
#include "collect/kafka/protocol/messages/sync_group_request.h"
#include "collect/kafka/protocol/messages/sync_group_response.h"

namespace loch::kafka {
namespace {

using groups::ErrorCode;
using groups::wire_code;

// Key types of FindCoordinator (KIP-98): 0 a consumer group, 1 a
// transactional id. A single node coordinates both.
constexpr int8_t kGroupKey = 0;
constexpr int8_t kTransactionKey = 1;

// Kafka shows a member's host as InetAddress.toString() of the peer:
// "/127.0.0.1". `peer` is "host:port" ("[::1]:port" for IPv6).
std::string client_host_of(const std::string& peer) {
  std::string host = peer;
  if (auto colon = host.rfind(':'); colon != std::string::npos) host.resize(colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return "/" + host;
}

}  // namespace

HandlerReply handle_find_coordinator(Broker& broker, const RequestFrame& frame) {
  auto request = decode_body_or_log<FindCoordinatorRequest>(frame);
  if (!request) return HandlerReply::close();
  const BrokerOptions& options = broker.options();
  const bool known_type = request->key_type == kGroupKey || request->key_type == kTransactionKey;
  int16_t error = 0;
  std::optional<std::string> message;
  if (!known_type) {
    error = wire(KafkaError::kInvalidRequest);
    message = "unknown coordinator key type " + std::to_string(request->key_type);
  } else if (broker.group_coordinator() == nullptr) {
    error = wire(KafkaError::kCoordinatorNotAvailable);
    message = "this broker runs no group coordinator";
  }

  FindCoordinatorResponse response;
  if (frame.api_version() >= 4) {
    for (const std::string& key : request->coordinator_keys) {
      FindCoordinatorResponse::Coordinator coordinator;
      coordinator.key = key;
      coordinator.error_code = error;
      coordinator.error_message = message;
      if (error == 0) {
        coordinator.node_id = options.node_id;
        coordinator.host = options.advertised_host;
        coordinator.port = options.advertised_port;
      } else {
        coordinator.node_id = -1;
        coordinator.port = -1;
      }
      response.coordinators.push_back(std::move(coordinator));
    }
    return reply_with(frame, response);
  }
  response.error_code = error;
  response.error_message = message;
  if (error == 0) {
    response.node_id = options.node_id;
    response.host = options.advertised_host;
    response.port = options.advertised_port;
  } else {
    response.node_id = -1;
    response.port = -1;
  }
  return reply_with(frame, response);
}

boost::asio::awaitable<HandlerReply> handle_join_group(Broker& broker, const RequestFrame& frame, std::string peer) {
  auto request = decode_body_or_log<JoinGroupRequest>(frame);
  if (!request) co_return HandlerReply::close();

  groups::JoinGroupResult result;
  if (groups::GroupCoordinator* coordinator = broker.group_coordinator()) {
    groups::JoinGroupRequest join;
    join.api_version = frame.api_version();
    join.group_id = std::move(request->group_id);
    join.session_timeout_ms = request->session_timeout_ms;
    join.rebalance_timeout_ms = request->rebalance_timeout_ms;
    join.member_id = std::move(request->member_id);
    join.group_instance_id = std::move(request->group_instance_id);
    join.protocol_type = std::move(request->protocol_type);
    for (auto& protocol : request->protocols) {
      join.protocols.push_back({std::move(protocol.name), std::move(protocol.metadata)});
    }
    join.reason = std::move(request->reason);
    join.client_id = frame.header.client_id.value_or("");
    join.client_host = client_host_of(peer);
    // Suspends until the group's join phase ends (the coordinator resolves
    // it from another member's request or from tick()).
    result = co_await groups::async_join_group(*coordinator, std::move(join), boost::asio::use_awaitable);
  } else {
    result.error = ErrorCode::kCoordinatorNotAvailable;
  }

  JoinGroupResponse response;
  response.error_code = wire_code(result.error);
  response.generation_id = result.generation_id;
  response.protocol_type = result.protocol_type;
  // Before v7 the protocol name is not nullable: "" stands for none.
  response.protocol_name = frame.api_version() >= 7 ? result.protocol_name : result.protocol_name.value_or("");
  response.leader = std::move(result.leader);
  response.skip_assignment = result.skip_assignment;
  response.member_id = std::move(result.member_id);
  for (auto& member : result.members) {
    JoinGroupResponse::JoinGroupResponseMember out;
    out.member_id = std::move(member.member_id);
    out.group_instance_id = std::move(member.group_instance_id);
    out.metadata = std::move(member.metadata);
    response.members.push_back(std::move(out));
  }
  co_return reply_with(frame, response);
}

boost::asio::awaitable<HandlerReply> handle_sync_group(Broker& broker, const RequestFrame& frame) {
  auto request = decode_body_or_log<SyncGroupRequest>(frame);
  if (!request) co_return HandlerReply::close();

  groups::SyncGroupResult result;
  if (groups::GroupCoordinator* coordinator = broker.group_coordinator()) {
    groups::SyncGroupRequest sync;
    sync.group_id = std::move(request->group_id);
    sync.generation_id = request->generation_id;
    sync.member_id = std::move(request->member_id);
    sync.group_instance_id = std::move(request->group_instance_id);
    sync.protocol_type = std::move(request->protocol_type);
    sync.protocol_name = std::move(request->protocol_name);
    for (auto& assignment : request->assignments) {
      sync.assignments.push_back({std::move(assignment.member_id), std::move(assignment.assignment)});
    }
    // Followers wait here for the leader's assignment.
    result = co_await groups::async_sync_group(*coordinator, std::move(sync), boost::asio::use_awaitable);
  } else {
    result.error = ErrorCode::kCoordinatorNotAvailable;
  }

  SyncGroupResponse response;
  response.error_code = wire_code(result.error);
  response.protocol_type = std::move(result.protocol_type);
  response.protocol_name = std::move(result.protocol_name);
  response.assignment = std::move(result.assignment);
  co_return reply_with(frame, response);
}

HandlerReply handle_heartbeat(Broker& broker, const RequestFrame& frame) {
  auto request = decode_body_or_log<HeartbeatRequest>(frame);
  if (!request) return HandlerReply::close();
  HeartbeatResponse response;
  if (groups::GroupCoordinator* coordinator = broker.group_coordinator()) {
    groups::HeartbeatRequest heartbeat;
    heartbeat.group_id = std::move(request->group_id);
    heartbeat.generation_id = request->generation_id;
    heartbeat.member_id = std::move(request->member_id);
    heartbeat.group_instance_id = std::move(request->group_instance_id);
    response.error_code = wire_code(coordinator->heartbeat(heartbeat).error);
  } else {
    response.error_code = wire_code(ErrorCode::kCoordinatorNotAvailable);
  }
  return reply_with(frame, response);
}

HandlerReply handle_leave_group(Broker& broker, const RequestFrame& frame) {
  auto request = decode_body_or_log<LeaveGroupRequest>(frame);
  if (!request) return HandlerReply::close();
  const bool batched = frame.api_version() >= 3;  // KIP-345: several members, each with an error

  groups::LeaveGroupRequest leave;
  leave.group_id = std::move(request->group_id);
  if (batched) {
    for (auto& member : request->members) {
      leave.members.push_back({std::move(member.member_id), std::move(member.group_instance_id), std::move(member.reason)});
    }
  } else {
    leave.members.push_back({std::move(request->member_id), std::nullopt, std::nullopt});
  }

  groups::LeaveGroupResult result;
  if (groups::GroupCoordinator* coordinator = broker.group_coordinator()) {
    result = coordinator->leave_group(leave);
  } else {
    result.error = ErrorCode::kCoordinatorNotAvailable;
  }

  LeaveGroupResponse response;
  response.error_code = wire_code(result.error);
  if (batched) {
    for (auto& member : result.members) {
      LeaveGroupResponse::MemberResponse out;
      out.member_id = std::move(member.member_id);
      out.group_instance_id = std::move(member.group_instance_id);
      out.error_code = wire_code(member.error);
      response.members.push_back(std::move(out));
    }
  } else if (result.error == ErrorCode::kNone && !result.members.empty()) {
    // v0-2 have one member and no member list: its error is the answer.
    response.error_code = wire_code(result.members.front().error);
  }
  return reply_with(frame, response);
}

}  // namespace loch::kafka
