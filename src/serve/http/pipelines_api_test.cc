#include "serve/http/pipelines_api.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace loch::serve::http {
namespace {

pipeline::PipelineDefinition definition(const std::string& name) {
  pipeline::PipelineDefinition d;
  d.name = name;
  d.source.topics = {"shop.orders"};
  d.sink.zone = "silver";
  d.sink.table = "orders";
  return d;
}

class PipelinesApiTest : public ::testing::Test {
 protected:
  host::PipelineHost host_{{definition("silver_orders")}, {}};
  PipelinesApi api_{host_};
};

TEST_F(PipelinesApiTest, ListsAndShowsPipelines) {
  HttpAnswer list = api_.handle({"GET", "/api/pipelines", "", "", ""});
  EXPECT_EQ(list.status, 200);
  auto body = nlohmann::json::parse(list.body);
  ASSERT_EQ(body["pipelines"].size(), 1u);
  EXPECT_EQ(body["pipelines"][0]["name"], "silver_orders");
  EXPECT_EQ(body["pipelines"][0]["state"], "stopped");
  EXPECT_EQ(body["pipelines"][0]["sink"], "silver.orders");
  EXPECT_TRUE(body["pipelines"][0]["version"].is_null());

  HttpAnswer one = api_.handle({"GET", "/api/pipelines/silver_orders?pretty", "", "", ""});
  EXPECT_EQ(one.status, 200);
  EXPECT_EQ(nlohmann::json::parse(one.body)["topics"], "shop.orders");
}

TEST_F(PipelinesApiTest, ErrorsNameWhatIsWrong) {
  HttpAnswer unknown = api_.handle({"GET", "/api/pipelines/nope", "", "", ""});
  EXPECT_EQ(unknown.status, 404);
  EXPECT_NE(unknown.body.find("no pipeline 'nope'"), std::string::npos);
  EXPECT_EQ(api_.handle({"POST", "/api/pipelines/nope/start", "", "", ""}).status, 404);
  EXPECT_EQ(api_.handle({"GET", "/api/pipelines/silver_orders/start", "", "", ""}).status, 405);
  EXPECT_EQ(api_.handle({"POST", "/api/pipelines/silver_orders/pause", "", "", ""}).status, 404);
  EXPECT_EQ(api_.handle({"DELETE", "/api/pipelines", "", "", ""}).status, 405);
  EXPECT_EQ(api_.handle({"GET", "/api/other", "", "", ""}).status, 404);
}

TEST_F(PipelinesApiTest, StoppingAStoppedPipelineAnswersItsStatus) {
  HttpAnswer stopped = api_.handle({"POST", "/api/pipelines/silver_orders/stop", "", "", ""});
  EXPECT_EQ(stopped.status, 200);
  EXPECT_EQ(nlohmann::json::parse(stopped.body)["state"], "stopped");
}

TEST_F(PipelinesApiTest, MetricsInPrometheusFormat) {
  HttpAnswer metrics = api_.handle({"GET", "/metrics", "", "", ""});
  EXPECT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(metrics.body.find("loch_pipeline_records_total{pipeline=\"silver_orders\"} 0\n"), std::string::npos);
  EXPECT_EQ(api_.handle({"POST", "/metrics", "", "", ""}).status, 405);
}

}  // namespace
}  // namespace loch::serve::http

namespace loch::serve::http {
namespace {

TEST_F(PipelinesApiTest, ReplayNeedsOneStartGivenAsANumber) {
  EXPECT_EQ(api_.handle({"POST", "/api/pipelines/silver_orders/replay", "", "", ""}).status, 400);
  EXPECT_EQ(api_.handle({"POST", "/api/pipelines/silver_orders/replay?from-offset=1&from-time=2", "", "", ""}).status, 400);
  HttpAnswer bad = api_.handle({"POST", "/api/pipelines/silver_orders/replay?from-offset=ten", "", "", ""});
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("from-offset: 'ten' is not a whole number"), std::string::npos);
  EXPECT_EQ(api_.handle({"POST", "/api/pipelines/nope/replay?from-offset=0", "", "", ""}).status, 404);
  EXPECT_EQ(api_.handle({"GET", "/api/pipelines/silver_orders/replay?from-offset=0", "", "", ""}).status, 405);
}

TEST_F(PipelinesApiTest, BackfillTimesAreNumbersAndTheStatusHasNoBackfillBeforeOne) {
  HttpAnswer bad = api_.handle({"POST", "/api/pipelines/silver_orders/backfill?to-time=soon", "", "", ""});
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("to-time: 'soon' is not a whole number"), std::string::npos) << bad.body;
  EXPECT_EQ(api_.handle({"POST", "/api/pipelines/nope/backfill", "", "", ""}).status, 404);
  EXPECT_EQ(api_.handle({"GET", "/api/pipelines/silver_orders/backfill", "", "", ""}).status, 405);
  auto status = nlohmann::json::parse(api_.handle({"GET", "/api/pipelines/silver_orders", "", "", ""}).body);
  EXPECT_TRUE(status["backfill"].is_null());
}

}  // namespace
}  // namespace loch::serve::http
