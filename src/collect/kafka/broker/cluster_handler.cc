// DescribeCluster: this node, which is the whole cluster and its controller.
#include "collect/kafka/broker/broker.h"
#include "collect/kafka/broker/request_decoding.h"
#include "collect/kafka/protocol/messages/describe_cluster_request.h"
#include "collect/kafka/protocol/messages/describe_cluster_response.h"

namespace loch::kafka {

HandlerReply handle_describe_cluster(Broker& broker, const RequestFrame& frame) {
  auto request = decode_body_or_log<DescribeClusterRequest>(frame);
  if (!request) return HandlerReply::close();
  DescribeClusterResponse response;
  response.endpoint_type = request->endpoint_type;
  response.cluster_id = broker.options().cluster_id;
  response.controller_id = broker.options().node_id;
  DescribeClusterResponse::DescribeClusterBroker self;
  self.broker_id = broker.options().node_id;
  self.host = broker.options().advertised_host;
  self.port = broker.options().advertised_port;
  response.brokers.push_back(self);
  return reply_with(frame, response);
}

}  // namespace loch::kafka
