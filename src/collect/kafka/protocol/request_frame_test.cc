// Hand-checked byte vectors: each expected frame below was written out
// field by field from the Kafka protocol guide and the JSON schemata, not
// produced by loch's encoder.
#include "collect/kafka/protocol/request_frame.h"

#include <gtest/gtest.h>

#include <string>

#include "collect/kafka/protocol/messages/api_versions_request.h"
#include "collect/kafka/protocol/messages/api_versions_response.h"
#include "collect/kafka/protocol/messages/fetch_request.h"
#include "collect/kafka/protocol/messages/metadata_request.h"
#include "collect/kafka/protocol/messages/produce_request.h"

namespace loch::kafka {
namespace {

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out += static_cast<char>(v);
  return out;
}

RequestHeader header(int16_t key, int16_t version, int32_t correlation_id, std::string client_id) {
  RequestHeader h;
  h.request_api_key = key;
  h.request_api_version = version;
  h.correlation_id = correlation_id;
  h.client_id = std::move(client_id);
  return h;
}

TEST(RequestFrame, ApiVersionsV0IsHeaderV1WithEmptyBody) {
  std::string frame;
  append_request_frame(header(18, 0, 1, "kcat"), ApiVersionsRequest{}, frame);
  EXPECT_EQ(frame, bytes({0, 0, 0, 14, 0, 18, 0, 0, 0, 0, 0, 1, 0, 4, 'k', 'c', 'a', 't'}));

  auto parsed = decode_request_frame(std::string_view(frame).substr(4));
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  EXPECT_EQ(parsed->header_version, 1);
  EXPECT_EQ(parsed->api_key(), 18);
  EXPECT_EQ(parsed->correlation_id(), 1);
  EXPECT_EQ(parsed->header.client_id, std::optional<std::string>("kcat"));
  EXPECT_TRUE(parsed->body.empty());
}

TEST(RequestFrame, ApiVersionsV3UsesHeaderV2AndCompactStrings) {
  ApiVersionsRequest request;
  request.client_software_name = "librdkafka";
  request.client_software_version = "2.0.2";
  std::string frame;
  append_request_frame(header(18, 3, 2, "rdkafka"), request, frame);
  const std::string expected_body =
      bytes({11, 'l', 'i', 'b', 'r', 'd', 'k', 'a', 'f', 'k', 'a', 6, '2', '.', '0', '.', '2', 0});
  // Header v2: the client id keeps its int16 length, then an empty tag section.
  const std::string expected_header =
      bytes({0, 18, 0, 3, 0, 0, 0, 2, 0, 7, 'r', 'd', 'k', 'a', 'f', 'k', 'a', 0});
  EXPECT_EQ(frame.substr(4), expected_header + expected_body);
  EXPECT_EQ(frame.substr(0, 4), bytes({0, 0, 0, 36}));

  auto parsed = decode_request_frame(std::string_view(frame).substr(4));
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  EXPECT_EQ(parsed->header_version, 2);
  auto body = decode_request_body<ApiVersionsRequest>(*parsed);
  ASSERT_TRUE(body.is_ok()) << body.status().to_string();
  EXPECT_EQ(body->client_software_name, "librdkafka");
  EXPECT_EQ(body->client_software_version, "2.0.2");
}

TEST(RequestFrame, ApiVersionsV3ResponseKeepsHeaderV0) {
  ApiVersionsResponse response;
  response.api_keys.push_back({.api_key = 0, .min_version = 0, .max_version = 9, .unknown_tagged_fields = {}});
  response.throttle_time_ms = 0;
  std::string frame;
  append_response_frame(7, 3, response, frame);
  // size, correlation id (header v0: no tag section), error code, compact
  // array of 1, (key, min, max, tags), throttle time, tags.
  EXPECT_EQ(frame, bytes({0, 0, 0, 19, 0, 0, 0, 7, 0, 0, 2, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0}));
}

TEST(RequestFrame, ApiVersionsV0ResponseUsesClassicArrays) {
  ApiVersionsResponse response;
  response.error_code = 35;  // UNSUPPORTED_VERSION, the KIP-511 fallback answer
  response.api_keys.push_back({.api_key = 18, .min_version = 0, .max_version = 3, .unknown_tagged_fields = {}});
  EXPECT_EQ(encode_message(response, 0), bytes({0, 35, 0, 0, 0, 1, 0, 18, 0, 0, 0, 3}));
}

TEST(RequestFrame, MetadataV1NullTopicsMeansAllTopics) {
  MetadataRequest request;
  request.topics = std::nullopt;
  EXPECT_EQ(encode_message(request, 1), bytes({-1, -1, -1, -1}));
  auto decoded = decode_message<MetadataRequest>(bytes({-1, -1, -1, -1}), 1);
  ASSERT_TRUE(decoded.is_ok());
  EXPECT_FALSE(decoded->topics.has_value());
  // Version 0 has no null: an empty array asks for all topics there.
  EXPECT_FALSE(decode_message<MetadataRequest>(bytes({-1, -1, -1, -1}), 0).is_ok());
}

TEST(RequestFrame, MetadataV9IsCompactWithTaggedSections) {
  MetadataRequest request;
  request.topics.emplace().push_back({.topic_id = {}, .name = "t", .unknown_tagged_fields = {}});
  request.allow_auto_topic_creation = true;
  // topics: compact array of 1 (2), name "t" (2 't'), topic tags (0);
  // allow auto create (1), cluster ops (0), topic ops (0), tags (0).
  EXPECT_EQ(encode_message(request, 9), bytes({2, 2, 't', 0, 1, 0, 0, 0}));
  std::string frame;
  append_request_frame(header(3, 9, 5, "c"), request, frame);
  EXPECT_EQ(frame.substr(4, 12), bytes({0, 3, 0, 9, 0, 0, 0, 5, 0, 1, 'c', 0}));
}

TEST(RequestFrame, ProduceV3CarriesRecordsAsInt32LengthBytes) {
  ProduceRequest request;
  request.acks = -1;
  request.timeout_ms = 30000;
  auto& topic = request.topic_data.emplace_back();
  topic.name = "ab";
  auto& partition = topic.partition_data.emplace_back();
  partition.index = 2;
  partition.records = std::string("XYZ");
  const std::string expected = bytes({
      -1, -1,                         // transactional id: null
      -1, -1,                         // acks -1
      0, 0, 0x75, 0x30,               // timeout 30000
      0, 0, 0, 1, 0, 2, 'a', 'b',     // 1 topic "ab"
      0, 0, 0, 1, 0, 0, 0, 2,         // 1 partition, index 2
      0, 0, 0, 3, 'X', 'Y', 'Z'});    // records
  request.transactional_id = std::nullopt;
  EXPECT_EQ(encode_message(request, 3), expected);
  auto decoded = decode_message<ProduceRequest>(expected, 3);
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(decoded->topic_data.at(0).partition_data.at(0).records, std::optional<std::string>("XYZ"));
}

TEST(RequestFrame, ProduceV9HeaderIsFlexible) {
  std::string frame;
  append_request_frame(header(0, 9, 0x01020304, "p"), ProduceRequest{}, frame);
  EXPECT_EQ(frame.substr(4, 12), bytes({0, 0, 0, 9, 1, 2, 3, 4, 0, 1, 'p', 0}));
  EXPECT_EQ(request_header_version(0, 8), 1);
  EXPECT_EQ(request_header_version(0, 9), 2);
}

TEST(RequestFrame, FetchHeadersFollowFlexibleVersions) {
  std::string v11;
  append_request_frame(header(1, 11, 9, "f"), FetchRequest{}, v11);
  EXPECT_EQ(v11.substr(4, 11), bytes({0, 1, 0, 11, 0, 0, 0, 9, 0, 1, 'f'}));
  std::string v12;
  append_request_frame(header(1, 12, 9, "f"), FetchRequest{}, v12);
  EXPECT_EQ(v12.substr(4, 12), bytes({0, 1, 0, 12, 0, 0, 0, 9, 0, 1, 'f', 0}));
  // Fetch v12 body starts with replica id -1 (int32), max wait, min bytes.
  FetchRequest request;
  request.max_wait_ms = 500;
  request.min_bytes = 1;
  const std::string body = encode_message(request, 12);
  EXPECT_EQ(body.substr(0, 12), bytes({-1, -1, -1, -1, 0, 0, 1, -12, 0, 0, 0, 1}));
  EXPECT_EQ(response_header_version(1, 11), 0);
  EXPECT_EQ(response_header_version(1, 12), 1);
}

TEST(RequestFrame, UnknownApiKeyStillYieldsTheCorrelationId) {
  const std::string frame = bytes({0x03, 0xE8, 0, 0, 0, 0, 0, 42, -1, -1});
  auto parsed = decode_request_frame(frame);
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  EXPECT_EQ(parsed->api_key(), 1000);
  EXPECT_EQ(parsed->correlation_id(), 42);
  EXPECT_EQ(find_api(1000), nullptr);
  EXPECT_EQ(reencode_request(1000, 0, parsed->body).status().code(), StatusCode::kNotFound);
}

TEST(RequestFrame, UnsupportedVersionIsNotSupportedNotCorruption) {
  auto result = reencode_request(18, 99, "");
  EXPECT_EQ(result.status().code(), StatusCode::kNotSupported);
}

TEST(RequestFrame, TruncatedHeaderIsAnErrorNamingTheField) {
  const std::string frame = bytes({0, 18, 0, 0, 0, 0, 0, 1, 0, 9, 'k'});
  auto parsed = decode_request_frame(frame);
  ASSERT_FALSE(parsed.is_ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kCorruption);
  EXPECT_NE(parsed.status().message().find("ClientId"), std::string::npos) << parsed.status().to_string();
  EXPECT_FALSE(decode_request_frame(bytes({0, 18})).is_ok());
}

TEST(RequestFrame, TrailingBytesAfterABodyAreRefused) {
  auto decoded = decode_message<ApiVersionsRequest>(bytes({1, 1, 0, 7}), 3);
  ASSERT_FALSE(decoded.is_ok());
  EXPECT_NE(decoded.status().message().find("after the end"), std::string::npos) << decoded.status().to_string();
}

TEST(RequestFrame, HugeArrayCountIsRefusedWithoutAllocating) {
  // Produce v3: null transactional id, acks, timeout, then 2^31-1 topics.
  const std::string body = bytes({-1, -1, 0, 1, 0, 0, 0, 0, 0x7F, -1, -1, -1});
  auto decoded = decode_message<ProduceRequest>(body, 3);
  ASSERT_FALSE(decoded.is_ok());
  EXPECT_NE(decoded.status().message().find("exceeds"), std::string::npos) << decoded.status().to_string();
}

TEST(RequestFrame, RegistryKnowsEveryApiFromTheSchemata) {
  EXPECT_EQ(all_apis().size(), 88u);
  const ApiInfo* produce = find_api(0);
  ASSERT_NE(produce, nullptr);
  EXPECT_EQ(produce->name, "Produce");
  EXPECT_EQ(produce->min_version, 0);
  EXPECT_EQ(produce->max_version, 11);
  EXPECT_EQ(produce->first_flexible_version, 9);
  const ApiInfo* sasl = find_api(17);
  ASSERT_NE(sasl, nullptr);
  EXPECT_EQ(sasl->first_flexible_version, -1);
  EXPECT_EQ(request_header_version(7, 0), 0);
}

}  // namespace
}  // namespace loch::kafka
