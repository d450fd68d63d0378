// DescribeGroups, ListGroups and DeleteGroups: the group administration APIs
// (kafka-consumer-groups.sh, AdminClient, kafkajs admin), translated to and
// from the group coordinator's structs.
#include "collect/kafka/broker/broker.h"
#include "collect/kafka/broker/request_decoding.h"
#include "collect/kafka/protocol/messages/delete_groups_request.h"
#include "collect/kafka/protocol/messages/delete_groups_response.h"
#include "collect/kafka/protocol/messages/describe_groups_request.h"
#include "collect/kafka/protocol/messages/describe_groups_response.h"
#include "collect/kafka/protocol/messages/list_groups_request.h"
#include "collect/kafka/protocol/messages/list_groups_response.h"

namespace loch::kafka {

using groups::ErrorCode;
using groups::wire_code;

HandlerReply handle_describe_groups(Broker& broker, const RequestFrame& frame) {
  auto request = decode_body_or_log<DescribeGroupsRequest>(frame);
  if (!request) return HandlerReply::close();
  std::vector<groups::DescribedGroup> described;
  if (groups::GroupCoordinator* coordinator = broker.group_coordinator()) {
    described = coordinator->describe_groups(request->groups);
  } else {
    for (const std::string& id : request->groups) {
      groups::DescribedGroup group;
      group.group_id = id;
      group.error = ErrorCode::kCoordinatorNotAvailable;
      described.push_back(std::move(group));
    }
  }

  DescribeGroupsResponse response;
  for (auto& group : described) {
    DescribeGroupsResponse::DescribedGroup out;
    out.error_code = wire_code(group.error);
    out.group_id = std::move(group.group_id);
    out.group_state = std::move(group.group_state);
    out.protocol_type = std::move(group.protocol_type);
    out.protocol_data = std::move(group.protocol_data);
    for (auto& member : group.members) {
      DescribeGroupsResponse::DescribedGroupMember m;
      m.member_id = std::move(member.member_id);
      m.group_instance_id = std::move(member.group_instance_id);
      m.client_id = std::move(member.client_id);
      m.client_host = std::move(member.client_host);
      m.member_metadata = std::move(member.member_metadata);
      m.member_assignment = std::move(member.member_assignment);
      out.members.push_back(std::move(m));
    }
    response.groups.push_back(std::move(out));
  }
  return reply_with(frame, response);
}

HandlerReply handle_list_groups(Broker& broker, const RequestFrame& frame) {
  auto request = decode_body_or_log<ListGroupsRequest>(frame);
  if (!request) return HandlerReply::close();
  ListGroupsResponse response;
  groups::GroupCoordinator* coordinator = broker.group_coordinator();
  if (coordinator == nullptr) {
    response.error_code = wire_code(ErrorCode::kCoordinatorNotAvailable);
    return reply_with(frame, response);
  }
  groups::ListGroupsRequest list;
  list.states_filter = std::move(request->states_filter);
  list.types_filter = std::move(request->types_filter);
  groups::ListGroupsResult result = coordinator->list_groups(list);
  response.error_code = wire_code(result.error);
  for (auto& group : result.groups) {
    ListGroupsResponse::ListedGroup out;
    out.group_id = std::move(group.group_id);
    out.protocol_type = std::move(group.protocol_type);
    out.group_state = std::move(group.group_state);
    out.group_type = std::move(group.group_type);
    response.groups.push_back(std::move(out));
  }
  return reply_with(frame, response);
}

HandlerReply handle_delete_groups(Broker& broker, const RequestFrame& frame) {
  auto request = decode_body_or_log<DeleteGroupsRequest>(frame);
  if (!request) return HandlerReply::close();
  DeleteGroupsResponse response;
  if (groups::GroupCoordinator* coordinator = broker.group_coordinator()) {
    for (auto& deleted : coordinator->delete_groups(request->groups_names)) {
      response.results.push_back({std::move(deleted.group_id), wire_code(deleted.error), {}});
    }
  } else {
    for (const std::string& id : request->groups_names) {
      response.results.push_back({id, wire_code(ErrorCode::kCoordinatorNotAvailable), {}});
    }
  }
  return reply_with(frame, response);
}

}  // namespace loch::kafka
