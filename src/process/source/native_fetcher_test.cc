// NativeFetcher over real sockets: against librdkafka's mock cluster (3
// brokers, records written by librdkafka's producer) and against a small
// scripted broker written with loch's codecs, for answers the mock cluster
// cannot give (aborted transactions, a corrupt batch, refused topics).
#include "process/source/native_fetcher.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <thread>

#include "collect/kafka/protocol/messages/api_versions_response.h"
#include "collect/kafka/protocol/messages/fetch_request.h"
#include "collect/kafka/protocol/messages/fetch_response.h"
#include "collect/kafka/protocol/messages/metadata_response.h"
#include "collect/kafka/protocol/record_batch.h"
#include "collect/kafka/protocol/request_frame.h"

namespace loch::source {
namespace {

using namespace std::chrono_literals;

// A mock cluster of 3 brokers (ids 1-3) with one topic, and a producer.
class MockCluster {
 public:
  MockCluster(const std::string& topic, int partitions, const std::map<std::string, std::string>& producer_conf = {}) {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "test.mock.num.brokers", "3", err, sizeof err);
    rd_kafka_conf_set(conf, "linger.ms", "0", err, sizeof err);
    for (const auto& [name, value] : producer_conf) rd_kafka_conf_set(conf, name.c_str(), value.c_str(), err, sizeof err);
    producer_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    EXPECT_NE(producer_, nullptr) << err;
    cluster_ = rd_kafka_handle_mock_cluster(producer_);
    EXPECT_EQ(rd_kafka_mock_topic_create(cluster_, topic.c_str(), partitions, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
    bootstrap_ = rd_kafka_mock_cluster_bootstraps(cluster_);
  }
  ~MockCluster() { rd_kafka_destroy(producer_); }

  void produce(const std::string& topic, int32_t partition, const std::string& value) {
    ASSERT_EQ(rd_kafka_producev(producer_, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
                                RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
              RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  void flush() { ASSERT_EQ(rd_kafka_flush(producer_, 30'000), RD_KAFKA_RESP_ERR_NO_ERROR); }
  rd_kafka_mock_cluster_t* cluster() { return cluster_; }
  const std::string& bootstrap() const { return bootstrap_; }

 private:
  rd_kafka_t* producer_ = nullptr;
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
  std::string bootstrap_;
};

NativeFetcherOptions options_for(const std::string& bootstrap) {
  NativeFetcherOptions options;
  options.bootstrap_servers = bootstrap;
  options.max_wait_ms = 50;
  options.retry_backoff_ms = 20;
  options.request_timeout_ms = 2'000;
  return options;
}

// What a fetcher delivered, gathered from its polls.
struct Fetched {
  std::map<SourcePartition, std::vector<SourceRecord>> records;
  std::map<SourcePartition, std::vector<int64_t>> ends;  // every end event, in order
  Status error;

  size_t count() const {
    size_t n = 0;
    for (const auto& [partition, list] : records) n += list.size();
    return n;
  }
};

// Polls until `done` holds (or an error, or `timeout`).
Fetched poll_until(NativeFetcher& fetcher, const std::function<bool(const Fetched&)>& done,
                   std::chrono::milliseconds timeout = 10s, Fetched fetched = {}) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done(fetched) && std::chrono::steady_clock::now() < deadline) {
    std::vector<FetchedChunk> chunks;
    fetched.error = fetcher.poll(50ms, 1000, chunks);
    if (!fetched.error.is_ok()) break;
    for (FetchedChunk& chunk : chunks) {
      for (SourceRecord& r : chunk.records) fetched.records[chunk.partition].push_back(std::move(r));
      if (chunk.end_offset) fetched.ends[chunk.partition].push_back(*chunk.end_offset);
    }
  }
  return fetched;
}

std::vector<int64_t> offsets_of(const std::vector<SourceRecord>& records) {
  std::vector<int64_t> out;
  for (const SourceRecord& r : records) out.push_back(r.offset);
  return out;
}

std::vector<int64_t> range(int64_t from, int64_t to) {
  std::vector<int64_t> out;
  for (int64_t i = from; i < to; ++i) out.push_back(i);
  return out;
}

TEST(NativeFetcher, HonoursTheFetchSettingsOfTheSourceProperties) {
  auto options = NativeFetcherOptions::from_properties(
      "b:1", {{"client.id", "bronze"}, {"fetch.max.bytes", "1000"}, {"max.partition.fetch.bytes", "500"},
              {"fetch.wait.max.ms", "300"}, {"queued.max.messages.kbytes", "1024"}, {"linger.ms", "5"}});
  ASSERT_TRUE(options.is_ok()) << options.status().to_string();
  EXPECT_EQ(options->client_id, "bronze");
  EXPECT_EQ(options->response_max_bytes, 1000);
  EXPECT_EQ(options->partition_max_bytes, 500);
  EXPECT_EQ(options->max_wait_ms, 300);
  EXPECT_EQ(options->queue_max_bytes, size_t{1} << 20);
  EXPECT_EQ(options->bootstrap_servers, "b:1");
  auto overridden = NativeFetcherOptions::from_properties("b:1", {{"bootstrap.servers", "c:2,d:3"}});
  ASSERT_TRUE(overridden.is_ok());
  EXPECT_EQ(overridden->bootstrap_servers, "c:2,d:3") << "as librdkafka, the property wins";
  auto bad = NativeFetcherOptions::from_properties("b:1", {{"fetch.wait.max.ms", "soon"}});
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("fetch.wait.max.ms=soon"), std::string::npos) << bad.status().to_string();
}

TEST(NativeFetcher, ReadsEveryPartitionFromItsOffsetAndReportsEachEnd) {
  MockCluster cluster("events", 3);
  for (int i = 0; i < 300; ++i) cluster.produce("events", i % 3, std::to_string(i));
  cluster.flush();
  auto fetcher = NativeFetcher::start(options_for(cluster.bootstrap()),
                                      {{{"events", 0}, 0}, {{"events", 1}, 40}, {{"events", 2}, 100}});
  ASSERT_TRUE(fetcher.is_ok()) << fetcher.status().to_string();
  Fetched fetched = poll_until(**fetcher, [](const Fetched& f) { return f.ends.size() == 3; });
  ASSERT_TRUE(fetched.error.is_ok()) << fetched.error.to_string();
  EXPECT_EQ((offsets_of(fetched.records[{"events", 0}])), (range(0, 100)));
  EXPECT_EQ((offsets_of(fetched.records[{"events", 1}])), (range(40, 100)));
  EXPECT_TRUE((fetched.records[{"events", 2}].empty()));
  for (int32_t p = 0; p < 3; ++p) EXPECT_EQ((fetched.ends[{"events", p}]), std::vector<int64_t>{100});
  EXPECT_EQ((*fetched.records[{"events", 0}][7].value), ("21"));
  EXPECT_EQ((((*fetcher)->high_watermarks()[{"events", 1}])), (100));
}

TEST(NativeFetcher, ReportsAnEndOnceEachTimeThePartitionGetsThere) {
  MockCluster cluster("logs", 1);
  for (int i = 0; i < 10; ++i) cluster.produce("logs", 0, "a");
  cluster.flush();
  auto fetcher = NativeFetcher::start(options_for(cluster.bootstrap()), {{{"logs", 0}, 0}});
  ASSERT_TRUE(fetcher.is_ok());
  auto ended = [](size_t n) { return [n](const Fetched& f) { return f.ends.contains({"logs", 0}) && f.ends.at({"logs", 0}).size() >= n; }; };
  Fetched fetched = poll_until(**fetcher, ended(1));
  // Fetching on at the end brings no second end event.
  fetched = poll_until(**fetcher, ended(2), 500ms, fetched);
  EXPECT_EQ(((fetched.ends[{"logs", 0}])), (std::vector<int64_t>{10}));
  for (int i = 0; i < 5; ++i) cluster.produce("logs", 0, "b");
  cluster.flush();
  fetched = poll_until(**fetcher, ended(2), 10s, fetched);
  EXPECT_EQ(((fetched.ends[{"logs", 0}])), ((std::vector<int64_t>{10, 15})));
  EXPECT_EQ((offsets_of(fetched.records[{"logs", 0}])), (range(0, 15)));
}

TEST(NativeFetcher, AnOffsetOutOfRangeRestartsThePartitionAtItsEarliest) {
  MockCluster cluster("gone", 1);
  for (int i = 0; i < 10; ++i) cluster.produce("gone", 0, std::to_string(i));
  cluster.flush();
  auto fetcher = NativeFetcher::start(options_for(cluster.bootstrap()), {{{"gone", 0}, 1'000}});
  ASSERT_TRUE(fetcher.is_ok());
  Fetched fetched = poll_until(**fetcher, [](const Fetched& f) { return !f.ends.empty(); });
  ASSERT_TRUE(fetched.error.is_ok()) << fetched.error.to_string();
  EXPECT_EQ((offsets_of(fetched.records[{"gone", 0}])), (range(0, 10)));
}

TEST(NativeFetcher, APausedPartitionIsNoLongerFetched) {
  MockCluster cluster("clicks", 2);
  auto fetcher = NativeFetcher::start(options_for(cluster.bootstrap()), {{{"clicks", 0}, 0}, {{"clicks", 1}, 0}});
  ASSERT_TRUE(fetcher.is_ok());
  Fetched fetched = poll_until(**fetcher, [](const Fetched& f) { return f.ends.size() == 2; });
  (*fetcher)->pause({"clicks", 0});
  // A fetch already on its way may still bring partition 0's records.
  std::this_thread::sleep_for(200ms);
  for (int i = 0; i < 20; ++i) cluster.produce("clicks", i % 2, "x");
  cluster.flush();
  fetched = poll_until(**fetcher, [](const Fetched& f) { return f.ends.at({"clicks", 1}).size() == 2; }, 10s, fetched);
  fetched = poll_until(**fetcher, [](const Fetched&) { return false; }, 300ms, fetched);
  EXPECT_TRUE((fetched.records[{"clicks", 0}].empty()));
  EXPECT_EQ((offsets_of(fetched.records[{"clicks", 1}])), (range(0, 10)));
}

TEST(NativeFetcher, FollowsLeadersOnOtherBrokersAndLeaderMoves) {
  MockCluster cluster("orders", 3);
  for (int32_t p = 0; p < 3; ++p) rd_kafka_mock_partition_set_leader(cluster.cluster(), "orders", p, p + 1);
  for (int i = 0; i < 30; ++i) cluster.produce("orders", i % 3, std::to_string(i));
  cluster.flush();
  auto fetcher = NativeFetcher::start(options_for(cluster.bootstrap()),
                                      {{{"orders", 0}, 0}, {{"orders", 1}, 0}, {{"orders", 2}, 0}});
  ASSERT_TRUE(fetcher.is_ok());
  Fetched fetched = poll_until(**fetcher, [](const Fetched& f) { return f.count() == 30; });
  ASSERT_TRUE(fetched.error.is_ok()) << fetched.error.to_string();
  // Partition 0 moves to broker 3: NOT_LEADER_OR_FOLLOWER, new metadata, on.
  rd_kafka_mock_partition_set_leader(cluster.cluster(), "orders", 0, 3);
  for (int i = 0; i < 30; ++i) cluster.produce("orders", i % 3, std::to_string(i));
  cluster.flush();
  fetched = poll_until(**fetcher, [](const Fetched& f) { return f.count() == 60; }, 10s, fetched);
  ASSERT_TRUE(fetched.error.is_ok()) << fetched.error.to_string();
  for (int32_t p = 0; p < 3; ++p) EXPECT_EQ(offsets_of(fetched.records[{"orders", p}]), range(0, 20));
}

TEST(NativeFetcher, ABrokerGoingDownAndComingBackIsWaitedFor) {
  MockCluster cluster("visits", 1);
  rd_kafka_mock_partition_set_leader(cluster.cluster(), "visits", 0, 2);
  for (int i = 0; i < 10; ++i) cluster.produce("visits", 0, "before");
  cluster.flush();
  auto fetcher = NativeFetcher::start(options_for(cluster.bootstrap()), {{{"visits", 0}, 0}});
  ASSERT_TRUE(fetcher.is_ok());
  Fetched fetched = poll_until(**fetcher, [](const Fetched& f) { return f.count() == 10; });
  rd_kafka_mock_broker_set_down(cluster.cluster(), 2);
  fetched = poll_until(**fetcher, [](const Fetched&) { return false; }, 700ms, fetched);
  EXPECT_TRUE(fetched.error.is_ok()) << "a lost broker is retried, not fatal: " << fetched.error.to_string();
  rd_kafka_mock_broker_set_up(cluster.cluster(), 2);
  for (int i = 0; i < 10; ++i) cluster.produce("visits", 0, "after");
  cluster.flush();
  fetched = poll_until(**fetcher, [](const Fetched& f) { return f.count() == 20; }, 15s, fetched);
  ASSERT_TRUE(fetched.error.is_ok()) << fetched.error.to_string();
  EXPECT_EQ((offsets_of(fetched.records[{"visits", 0}])), (range(0, 20)));
  EXPECT_EQ((*fetched.records[{"visits", 0}][15].value), ("after"));
}

TEST(NativeFetcher, StoppingDoesNotWaitForABrokerThatCannotBeReached) {
  NativeFetcherOptions options = options_for("10.255.255.1:9092");  // not routed: connecting hangs, or fails
  options.request_timeout_ms = 30'000;
  auto fetcher = NativeFetcher::start(options, {{{"t", 0}, 0}});
  ASSERT_TRUE(fetcher.is_ok());
  std::this_thread::sleep_for(200ms);
  auto started = std::chrono::steady_clock::now();
  fetcher->reset();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
}

// A one-partition broker that answers ApiVersions, Metadata and Fetch with
// loch's codecs; each Fetch is answered by `answer` (given the fetch offset).
class ScriptedBroker {
 public:
  using Answer = std::function<kafka::FetchResponse::PartitionData(int64_t fetch_offset)>;
  ScriptedBroker(std::string topic, Answer answer, int16_t topic_error = 0)
      : topic_(std::move(topic)), answer_(std::move(answer)), topic_error_(topic_error) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    ::listen(listener_, 8);
    acceptor_ = std::thread([this] {
      for (;;) {
        int fd = ::accept(listener_, nullptr, nullptr);
        if (fd < 0) return;
        connections_.push_back(fd);
        servers_.emplace_back([this, fd] { serve(fd); });
      }
    });
  }
  ~ScriptedBroker() {
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
    acceptor_.join();
    for (int fd : connections_) ::shutdown(fd, SHUT_RDWR);
    for (auto& t : servers_) t.join();
    for (int fd : connections_) ::close(fd);
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  void serve(int fd) {
    for (;;) {
      char size_bytes[4];
      if (::recv(fd, size_bytes, 4, MSG_WAITALL) != 4) return;
      uint32_t size = 0;
      for (char c : size_bytes) size = (size << 8) | static_cast<uint8_t>(c);
      std::string frame(size, '\0');
      if (::recv(fd, frame.data(), size, MSG_WAITALL) != static_cast<ssize_t>(size)) return;
      auto request = kafka::decode_request_frame(frame);
      if (!request.is_ok()) return;
      std::string out;
      const int16_t version = request->api_version();
      if (request->api_key() == kafka::ApiVersionsResponse::kApiKey) {
        kafka::ApiVersionsResponse versions;
        versions.api_keys = {{.api_key = 1, .min_version = 0, .max_version = 12, .unknown_tagged_fields = {}},
                             {.api_key = 2, .min_version = 0, .max_version = 7, .unknown_tagged_fields = {}},
                             {.api_key = 3, .min_version = 0, .max_version = 12, .unknown_tagged_fields = {}},
                             {.api_key = 18, .min_version = 0, .max_version = 3, .unknown_tagged_fields = {}}};
        kafka::append_response_frame(request->correlation_id(), version, versions, out);
      } else if (request->api_key() == kafka::MetadataResponse::kApiKey) {
        kafka::MetadataResponse metadata;
        auto& broker = metadata.brokers.emplace_back();
        broker.node_id = 1;
        broker.host = "127.0.0.1";
        broker.port = port_;
        auto& topic = metadata.topics.emplace_back();
        topic.name = topic_;
        topic.error_code = topic_error_;
        if (topic_error_ == 0) {
          auto& partition = topic.partitions.emplace_back();
          partition.partition_index = 0;
          partition.leader_id = 1;
        }
        kafka::append_response_frame(request->correlation_id(), version, metadata, out);
      } else if (request->api_key() == kafka::FetchRequest::kApiKey) {
        auto fetch = kafka::decode_request_body<kafka::FetchRequest>(*request);
        if (!fetch.is_ok()) return;
        EXPECT_EQ(fetch->isolation_level, 1) << "read_committed";
        kafka::FetchResponse response;
        auto& topic = response.responses.emplace_back();
        topic.topic = topic_;
        kafka::FetchResponse::PartitionData data = answer_(fetch->topics.at(0).partitions.at(0).fetch_offset);
        if (data.records && data.records->empty()) {
          // Nothing new: the broker waits max_wait_ms before it answers.
          std::this_thread::sleep_for(std::chrono::milliseconds(fetch->max_wait_ms));
        }
        topic.partitions.push_back(std::move(data));
        kafka::append_response_frame(request->correlation_id(), version, response, out);
      } else {
        return;
      }
      if (::send(fd, out.data(), out.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(out.size())) return;
    }
  }

  std::string topic_;
  Answer answer_;
  int16_t topic_error_;
  int listener_ = -1;
  int port_ = 0;
  std::thread acceptor_;
  std::vector<int> connections_;  // only the acceptor thread adds, before the join
  std::vector<std::thread> servers_;
};

std::string encoded_batch(int64_t base_offset, int count, int64_t producer_id, int16_t attributes,
                          const std::string& prefix) {
  kafka::RecordBatchHeader header;
  header.base_offset = base_offset;
  header.base_timestamp = 1'000;
  header.max_timestamp = 1'000;
  header.attributes = attributes;
  header.producer_id = producer_id;
  header.producer_epoch = 0;
  std::vector<kafka::Record> records;
  for (int i = 0; i < count; ++i) {
    kafka::Record& r = records.emplace_back();
    r.offset_delta = i;
    if ((attributes & kafka::kControlBit) != 0) {
      r.key = std::string("\0\0\0", 3) + prefix;  // prefix: "\0" abort, "\1" commit
      r.value = std::string(6, '\0');
    } else {
      r.value = prefix + std::to_string(base_offset + i);
    }
  }
  return *kafka::encode_record_batch(header, records, kafka::CompressionCodec::kNone);
}

kafka::FetchResponse::PartitionData partition_data(int64_t end, std::string records) {
  kafka::FetchResponse::PartitionData data;
  data.partition_index = 0;
  data.high_watermark = end;
  data.last_stable_offset = end;
  data.log_start_offset = 0;
  data.records = std::move(records);
  return data;
}

TEST(NativeFetcher, AbortedTransactionsAreSkippedAndTheOffsetsMovePastThem) {
  const int16_t txn = kafka::kTransactionalBit;
  const int16_t control = kafka::kTransactionalBit | kafka::kControlBit;
  // 0-2 producer 5 aborted, 3-4 producer 6 committed, 5 abort marker, 6 commit marker, 7-8 plain.
  std::string log = encoded_batch(0, 3, 5, txn, "aborted") + encoded_batch(3, 2, 6, txn, "kept") +
                    encoded_batch(5, 1, 5, control, std::string(1, '\0')) +
                    encoded_batch(6, 1, 6, control, std::string(1, '\1')) + encoded_batch(7, 2, -1, 0, "plain");
  ScriptedBroker broker("txns", [&](int64_t offset) {
    auto data = partition_data(9, offset == 0 ? log : "");
    data.aborted_transactions->push_back({.producer_id = 5, .first_offset = 0, .unknown_tagged_fields = {}});
    return data;
  });
  auto fetcher = NativeFetcher::start(options_for(broker.address()), {{{"txns", 0}, 0}});
  ASSERT_TRUE(fetcher.is_ok());
  Fetched fetched = poll_until(**fetcher, [](const Fetched& f) { return !f.ends.empty(); });
  ASSERT_TRUE(fetched.error.is_ok()) << fetched.error.to_string();
  EXPECT_EQ((offsets_of(fetched.records[{"txns", 0}])), ((std::vector<int64_t>{3, 4, 7, 8})));
  EXPECT_EQ(((fetched.ends[{"txns", 0}])), (std::vector<int64_t>{9}));
}

TEST(NativeFetcher, ACorruptBatchIsAnErrorNamingThePartitionAndTheBroker) {
  std::string log = encoded_batch(0, 3, -1, 0, "v");
  log[log.size() - 3] ^= 0x40;
  ScriptedBroker broker("bad", [&](int64_t offset) { return partition_data(3, offset == 0 ? log : ""); });
  auto fetcher = NativeFetcher::start(options_for(broker.address()), {{{"bad", 0}, 0}});
  ASSERT_TRUE(fetcher.is_ok());
  Fetched fetched = poll_until(**fetcher, [](const Fetched&) { return false; }, 5s);
  ASSERT_FALSE(fetched.error.is_ok());
  const std::string& message = fetched.error.message();
  EXPECT_NE(message.find("bad/0"), std::string::npos) << message;
  EXPECT_NE(message.find(broker.address()), std::string::npos) << message;
  EXPECT_NE(message.find("CRC"), std::string::npos) << message;
}

TEST(NativeFetcher, ARefusedTopicIsAnErrorNotARetry) {
  ScriptedBroker broker("secret", [](int64_t) { return partition_data(0, ""); }, /*TOPIC_AUTHORIZATION_FAILED*/ 29);
  auto fetcher = NativeFetcher::start(options_for(broker.address()), {{{"secret", 0}, 0}});
  ASSERT_TRUE(fetcher.is_ok());
  Fetched fetched = poll_until(**fetcher, [](const Fetched&) { return false; }, 5s);
  ASSERT_FALSE(fetched.error.is_ok());
  EXPECT_NE(fetched.error.message().find("secret/0"), std::string::npos) << fetched.error.to_string();
  EXPECT_NE(fetched.error.message().find("TOPIC_AUTHORIZATION_FAILED"), std::string::npos) << fetched.error.to_string();
}

TEST(NativeFetcher, ABatchCutOffByTheBrokerIsFetchedAgainFromItsStart) {
  std::string first = encoded_batch(0, 2, -1, 0, "a");
  std::string second = encoded_batch(2, 2, -1, 0, "b");
  ScriptedBroker broker("cut", [&](int64_t offset) {
    // The first answer ends inside the second batch, as at max_bytes.
    if (offset == 0) return partition_data(4, first + second.substr(0, second.size() / 2));
    return partition_data(4, offset == 2 ? second : "");
  });
  auto fetcher = NativeFetcher::start(options_for(broker.address()), {{{"cut", 0}, 0}});
  ASSERT_TRUE(fetcher.is_ok());
  Fetched fetched = poll_until(**fetcher, [](const Fetched& f) { return !f.ends.empty(); });
  ASSERT_TRUE(fetched.error.is_ok()) << fetched.error.to_string();
  EXPECT_EQ((offsets_of(fetched.records[{"cut", 0}])), (range(0, 4)));
}

}  // namespace
}  // namespace loch::source
