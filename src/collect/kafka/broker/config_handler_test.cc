// DescribeConfigs, AlterConfigs and IncrementalAlterConfigs through
// Broker::handle, as bytes on the wire.
#include <chrono>

#include <gtest/gtest.h>

#include "collect/kafka/broker/broker.h"
#include "collect/kafka/broker/broker_test_util.h"
#include "collect/kafka/log/log_test_util.h"
#include "collect/kafka/protocol/messages/alter_configs_request.h"
#include "collect/kafka/protocol/messages/alter_configs_response.h"
#include "collect/kafka/protocol/messages/describe_configs_request.h"
#include "collect/kafka/protocol/messages/describe_configs_response.h"
#include "collect/kafka/protocol/messages/incremental_alter_configs_request.h"
#include "collect/kafka/protocol/messages/incremental_alter_configs_response.h"

namespace loch::kafka {
namespace {

constexpr int8_t kTopic = 2;
constexpr int8_t kBroker = 4;

class ConfigHandlerTest : public testing::BrokerDataTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(open_logs());
    ASSERT_TRUE(logs_->create_topic("orders", 1, {{"retention.ms", "1000"}}).is_ok());
    broker_ = std::make_unique<Broker>(BrokerOptions{}, *logs_);
  }

  template <typename Response, typename Request>
  Response call(const Request& request, int16_t version) {
    return testing::call_broker<Response>(*broker_, request, version);
  }

  std::map<std::string, std::string> overrides() { return logs_->describe_topic("orders")->overrides; }

  IncrementalAlterConfigsResponse incremental(const std::string& topic,
                                              std::vector<std::tuple<std::string, int8_t, std::string>> configs,
                                              bool validate_only = false) {
    IncrementalAlterConfigsRequest request;
    request.validate_only = validate_only;
    IncrementalAlterConfigsRequest::AlterConfigsResource resource;
    resource.resource_type = kTopic;
    resource.resource_name = topic;
    for (auto& [name, operation, value] : configs) {
      IncrementalAlterConfigsRequest::AlterableConfig config;
      config.name = name;
      config.config_operation = operation;
      config.value = value;
      resource.configs.push_back(config);
    }
    request.resources.push_back(resource);
    return call<IncrementalAlterConfigsResponse>(request, 1);
  }

  std::unique_ptr<Broker> broker_;
};

}  // namespace

TEST_F(ConfigHandlerTest, AlterConfigsReplacesEveryOverride) {
  AlterConfigsRequest request;
  AlterConfigsRequest::AlterConfigsResource resource;
  resource.resource_type = kTopic;
  resource.resource_name = "orders";
  AlterConfigsRequest::AlterableConfig config;
  config.name = "cleanup.policy";
  config.value = "compact";
  resource.configs.push_back(config);
  request.resources.push_back(resource);
  auto response = call<AlterConfigsResponse>(request, 1);
  ASSERT_EQ(response.responses.size(), 1u);
  EXPECT_EQ(response.responses[0].error_code, 0);
  EXPECT_EQ(overrides(), (std::map<std::string, std::string>{{"cleanup.policy", "compact"}}));
}

TEST_F(ConfigHandlerTest, IncrementalAlterSetsAndDeletesKeepingTheRest) {
  auto response = incremental("orders", {{"cleanup.policy", 0, "compact"}});
  EXPECT_EQ(response.responses[0].error_code, 0);
  EXPECT_EQ(overrides(), (std::map<std::string, std::string>{{"cleanup.policy", "compact"}, {"retention.ms", "1000"}}));
  response = incremental("orders", {{"retention.ms", 1, ""}});
  EXPECT_EQ(response.responses[0].error_code, 0);
  EXPECT_EQ(overrides(), (std::map<std::string, std::string>{{"cleanup.policy", "compact"}}));
}

TEST_F(ConfigHandlerTest, ValidateOnlyChangesNothing) {
  auto response = incremental("orders", {{"cleanup.policy", 0, "compact"}}, /*validate_only=*/true);
  EXPECT_EQ(response.responses[0].error_code, 0);
  EXPECT_EQ(overrides(), (std::map<std::string, std::string>{{"retention.ms", "1000"}}));
}

TEST_F(ConfigHandlerTest, RefusalsSayWhyAndChangeNothing) {
  auto append = incremental("orders", {{"cleanup.policy", 2, "compact"}});
  EXPECT_EQ(append.responses[0].error_code, 40);  // INVALID_CONFIG
  EXPECT_NE(append.responses[0].error_message->find("only SET (0) and DELETE (1)"), std::string::npos);
  auto bad_value = incremental("orders", {{"retention.ms", 0, "soon"}});
  EXPECT_EQ(bad_value.responses[0].error_code, 40);
  auto missing = incremental("nope", {{"retention.ms", 0, "5"}});
  EXPECT_EQ(missing.responses[0].error_code, 3);  // UNKNOWN_TOPIC_OR_PARTITION
  EXPECT_EQ(overrides(), (std::map<std::string, std::string>{{"retention.ms", "1000"}}));

  AlterConfigsRequest request;
  AlterConfigsRequest::AlterConfigsResource resource;
  resource.resource_type = kBroker;
  resource.resource_name = "1";
  request.resources.push_back(resource);
  auto broker = call<AlterConfigsResponse>(request, 1);
  EXPECT_EQ(broker.responses[0].error_code, 42);  // INVALID_REQUEST: broker settings live in loch.yaml
}

TEST_F(ConfigHandlerTest, DescribeConfigsMarksOverridesAsDynamicTopicConfig) {
  DescribeConfigsRequest request;
  DescribeConfigsRequest::DescribeConfigsResource resource;
  resource.resource_type = kTopic;
  resource.resource_name = "orders";
  resource.configuration_keys = std::vector<std::string>{"retention.ms", "cleanup.policy"};
  request.resources.push_back(resource);
  auto response = call<DescribeConfigsResponse>(request, 1);
  ASSERT_EQ(response.results.size(), 1u);
  ASSERT_EQ(response.results[0].configs.size(), 2u);
  for (const auto& config : response.results[0].configs) {
    if (config.name == "retention.ms") {
      EXPECT_EQ(config.value, "1000");
      EXPECT_EQ(config.config_source, 1);  // DYNAMIC_TOPIC_CONFIG
    } else {
      EXPECT_EQ(config.config_source, 5);  // DEFAULT_CONFIG
    }
  }
}

}  // namespace loch::kafka
