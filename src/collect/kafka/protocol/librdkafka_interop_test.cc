// The codecs against a real client: librdkafka produces to a minimal
// in-test broker built only from this library's codecs (ApiVersions,
// Metadata, Produce), once per compression codec. This checks what unit
// vectors cannot: that loch reads the headers, flexible versions, record
// batches, xerial-framed snappy and lz4 frames librdkafka really writes.
#include <arpa/inet.h>
#include <librdkafka/rdkafka.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "collect/kafka/protocol/messages/api_versions_request.h"
#include "collect/kafka/protocol/messages/api_versions_response.h"
#include "collect/kafka/protocol/messages/metadata_request.h"
#include "collect/kafka/protocol/messages/metadata_response.h"
#include "collect/kafka/protocol/messages/produce_request.h"
#include "collect/kafka/protocol/messages/produce_response.h"
#include "collect/kafka/protocol/record_batch.h"
#include "collect/kafka/protocol/request_frame.h"

namespace loch::kafka {
namespace {

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd = -1) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

bool read_exactly(int fd, char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::read(fd, data, size);
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

bool write_all(int fd, const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// Just enough of a broker for a producer: one node, one topic, one partition.
class MiniBroker {
 public:
  MiniBroker() : listener_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(listener_.get(), reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        ::listen(listener_.get(), 16) != 0 ||
        ::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      ADD_FAILURE() << "cannot listen on loopback";
      return;
    }
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }

  ~MiniBroker() {
    stopping_ = true;
    ::shutdown(listener_.get(), SHUT_RDWR);
    acceptor_.join();
    std::lock_guard lock(mutex_);
    for (int fd : connections_) ::shutdown(fd, SHUT_RDWR);
    for (auto& t : handlers_) t.join();
    for (int fd : connections_) ::close(fd);
  }

  int port() const { return port_; }

  std::vector<Record> records() {
    std::lock_guard lock(mutex_);
    return records_;
  }
  std::vector<CompressionCodec> batch_codecs() {
    std::lock_guard lock(mutex_);
    return codecs_;
  }
  std::vector<std::string> errors() {
    std::lock_guard lock(mutex_);
    return errors_;
  }

 private:
  void accept_loop() {
    while (!stopping_) {
      const int fd = ::accept(listener_.get(), nullptr, nullptr);
      if (fd < 0) return;
      std::lock_guard lock(mutex_);
      connections_.push_back(fd);
      handlers_.emplace_back([this, fd] { serve(fd); });
    }
  }

  void error(std::string message) {
    std::lock_guard lock(mutex_);
    errors_.push_back(std::move(message));
  }

  void serve(int fd) {
    while (true) {
      char size_bytes[4];
      if (!read_exactly(fd, size_bytes, 4)) return;
      const uint32_t size = (uint32_t{static_cast<uint8_t>(size_bytes[0])} << 24) |
                            (uint32_t{static_cast<uint8_t>(size_bytes[1])} << 16) |
                            (uint32_t{static_cast<uint8_t>(size_bytes[2])} << 8) | static_cast<uint8_t>(size_bytes[3]);
      std::string frame(size, '\0');
      if (!read_exactly(fd, frame.data(), size)) return;
      auto request = decode_request_frame(frame);
      if (!request.is_ok()) return error(request.status().to_string());
      std::string response;
      if (!answer(*request, response)) return;
      if (!response.empty() && !write_all(fd, response)) return;
    }
  }

  bool answer(const RequestFrame& request, std::string& out) {
    const int16_t version = request.api_version();
    switch (request.api_key()) {
      case ApiVersionsRequest::kApiKey: {
        ApiVersionsResponse response;
        if (version > ApiVersionsRequest::kHighestVersion) {
          response.error_code = 35;  // UNSUPPORTED_VERSION: the client retries with v0
        }
        // librdkafka writes magic 2 batches only when Produce 3 *and* Fetch 4
        // are offered ("MsgVer2"); without Fetch it falls back to magic 0.
        // It compresses with lz4 only when FindCoordinator is offered.
        response.api_keys = {{.api_key = 0, .min_version = 0, .max_version = 9, .unknown_tagged_fields = {}},
                             {.api_key = 1, .min_version = 0, .max_version = 12, .unknown_tagged_fields = {}},
                             {.api_key = 3, .min_version = 0, .max_version = 12, .unknown_tagged_fields = {}},
                             {.api_key = 10, .min_version = 0, .max_version = 4, .unknown_tagged_fields = {}},
                             {.api_key = 18, .min_version = 0, .max_version = 3, .unknown_tagged_fields = {}}};
        append_response_frame(request.correlation_id(), response.error_code != 0 ? int16_t{0} : version, response, out);
        return true;
      }
      case MetadataRequest::kApiKey: {
        auto body = decode_request_body<MetadataRequest>(request);
        if (!body.is_ok()) {
          error(body.status().to_string());
          return false;
        }
        MetadataResponse response;
        auto& broker = response.brokers.emplace_back();
        broker.node_id = 1;
        broker.host = "127.0.0.1";
        broker.port = port_;
        response.cluster_id = "interop";
        response.controller_id = 1;
        std::vector<std::string> names;
        if (body->topics) {
          for (const auto& topic : *body->topics) names.push_back(topic.name.value_or("t"));
        }
        for (const std::string& name : names) {
          auto& topic = response.topics.emplace_back();
          topic.name = name;
          auto& partition = topic.partitions.emplace_back();
          partition.partition_index = 0;
          partition.leader_id = 1;
          partition.replica_nodes = {1};
          partition.isr_nodes = {1};
        }
        append_response_frame(request.correlation_id(), version, response, out);
        return true;
      }
      case ProduceRequest::kApiKey: {
        auto body = decode_request_body<ProduceRequest>(request);
        if (!body.is_ok()) {
          error(body.status().to_string());
          return false;
        }
        ProduceResponse response;
        for (const auto& topic : body->topic_data) {
          auto& topic_response = response.responses.emplace_back();
          topic_response.name = topic.name;
          for (const auto& partition : topic.partition_data) {
            auto& partition_response = topic_response.partition_responses.emplace_back();
            partition_response.index = partition.index;
            partition_response.base_offset = store(partition.records.value_or(""));
          }
        }
        if (body->acks != 0) append_response_frame(request.correlation_id(), version, response, out);
        return true;
      }
      default:
        error("unexpected api key " + std::to_string(request.api_key()));
        return false;
    }
  }

  int64_t store(std::string_view records) {
    auto batches = split_record_batches(records);
    if (!batches.is_ok()) {
      std::string hex;
      for (size_t i = 0; i < std::min<size_t>(records.size(), 40); ++i) hex += fmt::format("{:02x} ", static_cast<uint8_t>(records[i]));
      error(batches.status().to_string() + " size " + std::to_string(records.size()) + ": " + hex);
      return -1;
    }
    std::lock_guard lock(mutex_);
    const auto base = static_cast<int64_t>(records_.size());
    for (std::string_view bytes : *batches) {
      auto batch = decode_record_batch(bytes);
      if (!batch.is_ok()) {
        errors_.push_back(batch.status().to_string());
        continue;
      }
      codecs_.push_back(batch->header.compression());
      for (Record& record : batch->records) records_.push_back(std::move(record));
    }
    return base;
  }

  FileDescriptor listener_;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::mutex mutex_;  // guards everything below
  std::vector<int> connections_;
  std::vector<std::thread> handlers_;
  std::vector<Record> records_;
  std::vector<CompressionCodec> codecs_;
  std::vector<std::string> errors_;
};

struct KafkaHandleDeleter {
  void operator()(rd_kafka_t* handle) const { rd_kafka_destroy(handle); }
};

class LibrdkafkaProducer : public ::testing::TestWithParam<const char*> {};

TEST_P(LibrdkafkaProducer, RecordsArriveIntactThroughTheGeneratedCodecs) {
  MiniBroker broker;
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  const std::string bootstrap = "127.0.0.1:" + std::to_string(broker.port());
  for (auto [key, value] : {std::pair{"bootstrap.servers", bootstrap.c_str()}, std::pair{"compression.codec", GetParam()},
                            std::pair{"linger.ms", "20"}, std::pair{"log_level", "2"}}) {
    ASSERT_EQ(rd_kafka_conf_set(conf, key, value, error, sizeof error), RD_KAFKA_CONF_OK) << error;
  }
  std::unique_ptr<rd_kafka_t, KafkaHandleDeleter> producer(rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error));
  ASSERT_TRUE(producer) << error;
  constexpr int kCount = 500;
  for (int i = 0; i < kCount; ++i) {
    const std::string key = "key-" + std::to_string(i);
    const std::string value = std::string(64, static_cast<char>('a' + i % 26)) + std::to_string(i);
    const std::string header = "h" + std::to_string(i);
    ASSERT_EQ(rd_kafka_producev(producer.get(), RD_KAFKA_V_TOPIC("interop"),
                                RD_KAFKA_V_KEY(key.data(), key.size()),
                                RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                                RD_KAFKA_V_HEADER("trace", header.data(), static_cast<ssize_t>(header.size())),
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
              RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  ASSERT_EQ(rd_kafka_flush(producer.get(), 20000), RD_KAFKA_RESP_ERR_NO_ERROR);
  producer.reset();

  EXPECT_TRUE(broker.errors().empty()) << broker.errors().front();
  const auto records = broker.records();
  ASSERT_EQ(records.size(), static_cast<size_t>(kCount));
  for (int i = 0; i < kCount; ++i) {
    EXPECT_EQ(records[i].key, std::optional<std::string>("key-" + std::to_string(i)));
    EXPECT_EQ(records[i].value, std::optional<std::string>(std::string(64, static_cast<char>('a' + i % 26)) + std::to_string(i)));
    ASSERT_EQ(records[i].headers.size(), 1u);
    EXPECT_EQ(records[i].headers[0].key, "trace");
    EXPECT_EQ(records[i].headers[0].value, std::optional<std::string>("h" + std::to_string(i)));
  }
  const std::string expected_codec = GetParam();
  // librdkafka sends a batch uncompressed when compression would not shrink
  // it (a lone first record), so "none" may appear beside the codec.
  int compressed = 0;
  for (CompressionCodec codec : broker.batch_codecs()) {
    if (compression_codec_name(codec) == expected_codec) {
      ++compressed;
    } else {
      EXPECT_EQ(codec, CompressionCodec::kNone);
    }
  }
  EXPECT_GT(compressed, 0) << "no batch used " << expected_codec;
}

INSTANTIATE_TEST_SUITE_P(EveryCodec, LibrdkafkaProducer, ::testing::Values("none", "gzip", "snappy", "lz4", "zstd"),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
}  // namespace loch::kafka
