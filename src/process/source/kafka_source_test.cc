// KafkaSource against librdkafka's mock cluster: a second Kafka-protocol
// broker in the same process, reached over real sockets on localhost (the
// embedded broker is covered by tests/cli/pipeline_source.sh). Every case
// runs over both data planes: the native fetcher and librdkafka's consumer.
#include "process/source/kafka_source.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

namespace loch::source {
namespace {

// A mock cluster with one topic, and a producer into it.
class MockCluster {
 public:
  MockCluster(const std::string& topic, int partitions, const std::map<std::string, std::string>& producer_conf = {}) {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    for (const auto& [name, value] : producer_conf) {
      EXPECT_EQ(rd_kafka_conf_set(conf, name.c_str(), value.c_str(), err, sizeof err), RD_KAFKA_CONF_OK) << err;
    }
    rd_kafka_conf_set(conf, "test.mock.num.brokers", "3", err, sizeof err);
    rd_kafka_conf_set(conf, "linger.ms", "0", err, sizeof err);
    producer_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    EXPECT_NE(producer_, nullptr) << err;
    rd_kafka_mock_cluster_t* cluster = rd_kafka_handle_mock_cluster(producer_);
    EXPECT_EQ(rd_kafka_mock_topic_create(cluster, topic.c_str(), partitions, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
    bootstrap_ = rd_kafka_mock_cluster_bootstraps(cluster);
  }
  ~MockCluster() { rd_kafka_destroy(producer_); }

  void produce(const std::string& topic, int32_t partition, const std::string& key, const std::string& value,
               const char* header = nullptr) {
    rd_kafka_resp_err_t error;
    if (header != nullptr) {
      error = rd_kafka_producev(producer_, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
                                RD_KAFKA_V_KEY(key.data(), key.size()), RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                                RD_KAFKA_V_HEADER("trace", header, -1), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                RD_KAFKA_V_END);
    } else {
      error = rd_kafka_producev(producer_, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
                                RD_KAFKA_V_KEY(key.data(), key.size()), RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    }
    ASSERT_EQ(error, RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  void flush() { ASSERT_EQ(rd_kafka_flush(producer_, 30'000), RD_KAFKA_RESP_ERR_NO_ERROR); }

  const std::string& bootstrap() const { return bootstrap_; }

 private:
  rd_kafka_t* producer_ = nullptr;
  std::string bootstrap_;
};

// Each case over both data planes.
class KafkaSourceDataPlane : public ::testing::TestWithParam<FetchClient> {
 protected:
  Result<std::unique_ptr<KafkaSource>> open(const pipeline::SourceDefinition& definition) {
    KafkaSourceOptions options;
    options.fetch_client = GetParam();
    return KafkaSource::open(definition, options);
  }
};

INSTANTIATE_TEST_SUITE_P(Clients, KafkaSourceDataPlane,
                         ::testing::Values(FetchClient::kNative, FetchClient::kLibrdkafka),
                         [](const auto& info) { return info.param == FetchClient::kNative ? "native" : "librdkafka"; });

pipeline::SourceDefinition definition(const MockCluster& cluster, const std::string& topic) {
  pipeline::SourceDefinition source;
  source.topics = {topic};
  source.bootstrap_servers = cluster.bootstrap();
  source.max_batch_records = 1000;
  source.max_batch_ms = 10'000;
  return source;
}

// Reads batches until the source has caught up with what was there at assign.
std::vector<SourceRecord> read_available(KafkaSource& source, MicroBatch* last = nullptr) {
  std::vector<SourceRecord> records;
  for (int i = 0; i < 1000; ++i) {
    auto batch = source.next_batch();
    EXPECT_TRUE(batch.is_ok()) << batch.status().to_string();
    if (!batch.is_ok()) break;
    for (auto& r : batch->records) records.push_back(std::move(r));
    if (last != nullptr) *last = *batch;
    if (batch->caught_up) break;
  }
  return records;
}

TEST_P(KafkaSourceDataPlane, ReadsEveryRecordOnceInOffsetOrderWithKeysAndHeaders) {
  MockCluster cluster("orders", 3);
  for (int i = 0; i < 300; ++i) {
    cluster.produce("orders", i % 3, "k" + std::to_string(i), "{\"n\":" + std::to_string(i) + "}",
                    i == 7 ? "abc" : nullptr);
  }
  cluster.flush();
  auto source = open(definition(cluster, "orders"));
  ASSERT_TRUE(source.is_ok()) << source.status().to_string();
  Status assigned = (*source)->assign({});
  ASSERT_TRUE(assigned.is_ok()) << assigned.to_string();
  MicroBatch last;
  std::vector<SourceRecord> records = read_available(**source, &last);
  ASSERT_EQ(records.size(), 300u);
  std::map<int32_t, int64_t> expected_offset;
  for (const SourceRecord& r : records) {
    EXPECT_EQ(r.offset, expected_offset[r.source.partition]++) << "partition " << r.source.partition;
    int n = std::stoi(r.value->substr(5));
    EXPECT_EQ(n % 3, r.source.partition);
    EXPECT_EQ(*r.key, "k" + std::to_string(n));
    if (n == 7) {
      ASSERT_EQ(r.headers.size(), 1u);
      EXPECT_EQ(r.headers[0].first, "trace");
      EXPECT_EQ(*r.headers[0].second, "abc");
    }
    EXPECT_GT(r.timestamp_ms, 0);
  }
  EXPECT_TRUE(last.caught_up);
  for (int32_t p = 0; p < 3; ++p) EXPECT_EQ((last.next_offsets[{"orders", p}]), 100);
}

TEST_P(KafkaSourceDataPlane, ResumesAtTheOffsetsTheSinkTableRecorded) {
  MockCluster cluster("clicks", 2);
  for (int i = 0; i < 40; ++i) cluster.produce("clicks", i % 2, "k", std::to_string(i));
  cluster.flush();
  auto source = open(definition(cluster, "clicks"));
  ASSERT_TRUE(source.is_ok());
  Status assigned = (*source)->assign({{{"clicks", 0}, 15}, {{"clicks", 1}, 20}});
  ASSERT_TRUE(assigned.is_ok()) << assigned.to_string();
  std::vector<SourceRecord> records = read_available(**source);
  ASSERT_EQ(records.size(), 5u);  // offsets 15..19 of partition 0; partition 1 is done
  for (const SourceRecord& r : records) {
    EXPECT_EQ(r.source.partition, 0);
    EXPECT_GE(r.offset, 15);
  }
}

TEST_P(KafkaSourceDataPlane, StopAtEndsEachPartitionThereExactly) {
  MockCluster cluster("visits", 3);
  for (int i = 0; i < 90; ++i) cluster.produce("visits", i % 3, "k", std::to_string(i));
  cluster.flush();
  auto source = open(definition(cluster, "visits"));
  ASSERT_TRUE(source.is_ok());
  // Partition 0 from 5 up to 12; partition 1 already at its stop; partition 2 to its end.
  Status assigned = (*source)->assign({{{"visits", 0}, 5}, {{"visits", 1}, 30}, {{"visits", 2}, 0}},
                                      {{{"visits", 0}, 12}, {{"visits", 1}, 30}});
  ASSERT_TRUE(assigned.is_ok()) << assigned.to_string();
  MicroBatch last;
  std::vector<SourceRecord> records = read_available(**source, &last);
  std::map<int32_t, std::vector<int64_t>> offsets;
  for (const SourceRecord& r : records) offsets[r.source.partition].push_back(r.offset);
  EXPECT_EQ(offsets[0], (std::vector<int64_t>{5, 6, 7, 8, 9, 10, 11})) << "nothing at or past its stop";
  EXPECT_TRUE(offsets[1].empty());
  EXPECT_EQ(offsets[2].size(), 30u);
  EXPECT_TRUE(last.caught_up);
  EXPECT_EQ((last.next_offsets[{"visits", 0}]), 12) << "the next offset is the stop, to resume from";
  EXPECT_EQ((last.next_offsets[{"visits", 1}]), 30);
  EXPECT_EQ((last.next_offsets[{"visits", 2}]), 30);
}

TEST_P(KafkaSourceDataPlane, BatchesHoldAtMostMaxBatchRecords) {
  MockCluster cluster("events", 1);
  for (int i = 0; i < 250; ++i) cluster.produce("events", 0, "k", std::to_string(i));
  cluster.flush();
  pipeline::SourceDefinition def = definition(cluster, "events");
  def.max_batch_records = 100;
  auto source = open(def);
  ASSERT_TRUE(source.is_ok());
  Status assigned = (*source)->assign({});
  ASSERT_TRUE(assigned.is_ok()) << assigned.to_string();
  std::vector<size_t> sizes;
  for (int i = 0; i < 10; ++i) {
    auto batch = (*source)->next_batch();
    ASSERT_TRUE(batch.is_ok());
    sizes.push_back(batch->records.size());
    if (batch->caught_up) break;
  }
  EXPECT_EQ(sizes, (std::vector<size_t>{100, 100, 50}));
}

TEST_P(KafkaSourceDataPlane, LatestStartSkipsWhatIsAlreadyThere) {
  MockCluster cluster("logs", 1);
  for (int i = 0; i < 10; ++i) cluster.produce("logs", 0, "k", "old");
  cluster.flush();
  pipeline::SourceDefinition def = definition(cluster, "logs");
  def.starting_offsets = pipeline::SourceDefinition::StartingOffsets::kLatest;
  def.max_batch_ms = 300;
  auto source = open(def);
  ASSERT_TRUE(source.is_ok());
  Status assigned = (*source)->assign({});
  ASSERT_TRUE(assigned.is_ok()) << assigned.to_string();
  cluster.produce("logs", 0, "k", "new");
  cluster.flush();
  std::vector<std::string> values;
  for (int i = 0; i < 50 && values.empty(); ++i) {
    auto batch = (*source)->next_batch();
    ASSERT_TRUE(batch.is_ok());
    for (const auto& r : batch->records) values.push_back(*r.value);
  }
  EXPECT_EQ(values, std::vector<std::string>{"new"});
}

TEST_P(KafkaSourceDataPlane, UnknownTopicOrPartitionIsNamed) {
  MockCluster cluster("present", 1);
  pipeline::SourceDefinition def = definition(cluster, "present");
  auto source = open(def);
  ASSERT_TRUE(source.is_ok());
  Status status = (*source)->assign({{{"present", 5}, 10}});
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_NE(status.message().find("present/5"), std::string::npos) << status.to_string();
}

TEST_P(KafkaSourceDataPlane, ReadsBatchesOfEveryCompressionCodec) {
  for (const char* codec : {"gzip", "snappy", "lz4", "zstd"}) {
    MockCluster cluster("compressed", 2, {{"compression.codec", codec}, {"linger.ms", "5"}});
    for (int i = 0; i < 400; ++i) cluster.produce("compressed", i % 2, "k" + std::to_string(i), std::string(50, 'a' + i % 26));
    cluster.flush();
    auto source = open(definition(cluster, "compressed"));
    ASSERT_TRUE(source.is_ok()) << source.status().to_string();
    ASSERT_TRUE((*source)->assign({}).is_ok());
    std::vector<SourceRecord> records = read_available(**source);
    ASSERT_EQ(records.size(), 400u) << codec;
    std::map<int32_t, int64_t> expected_offset;
    for (const SourceRecord& r : records) {
      EXPECT_EQ(r.offset, expected_offset[r.source.partition]++) << codec;
      int n = std::stoi(r.key->substr(1));
      EXPECT_EQ(*r.value, std::string(50, 'a' + n % 26)) << codec;
    }
  }
}

TEST(KafkaSource, PlaintextReadsWithTheNativeFetcherAndSaslWithLibrdkafka) {
  MockCluster cluster("auto", 1);
  pipeline::SourceDefinition plain = definition(cluster, "auto");
  plain.properties["security.protocol"] = "PLAINTEXT";
  plain.properties["fetch.wait.max.ms"] = "100";
  auto native = KafkaSource::open(plain);
  ASSERT_TRUE(native.is_ok()) << native.status().to_string();
  EXPECT_TRUE((*native)->uses_native_fetcher());
  pipeline::SourceDefinition sasl = definition(cluster, "auto");
  sasl.properties["security.protocol"] = "SASL_PLAINTEXT";
  sasl.properties["sasl.mechanism"] = "PLAIN";
  sasl.properties["sasl.username"] = "u";
  sasl.properties["sasl.password"] = "p";
  auto librdkafka = KafkaSource::open(sasl);
  ASSERT_TRUE(librdkafka.is_ok()) << librdkafka.status().to_string();
  EXPECT_FALSE((*librdkafka)->uses_native_fetcher());
}

TEST(KafkaSource, BadPropertyIsRefusedWithItsName) {
  pipeline::SourceDefinition def;
  def.topics = {"a"};
  def.properties["sasl.mechanism"] = "NOT-A-MECHANISM";
  def.properties["no.such.property"] = "1";
  auto source = KafkaSource::open(def);
  ASSERT_FALSE(source.is_ok());
  EXPECT_NE(source.status().message().find("no.such.property"), std::string::npos) << source.status().to_string();
}

}  // namespace
}  // namespace loch::source
