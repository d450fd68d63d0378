#include "serve/registry/registry_http_server.h"

#include <gtest/gtest.h>

#include <utility>  // before asio (Boost 1.74)

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "serve/registry/registry_http_client.h"

namespace loch::serve {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

constexpr char kUser[] =
    R"({"schema":"{\"type\":\"record\",\"name\":\"User\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"}]}"})";

class RegistryHttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RegistryHttpServer::Options options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.max_body_bytes = 4096;
    server_ = std::make_unique<RegistryHttpServer>(options, router_);
    ASSERT_TRUE(server_->bind().is_ok());
    ASSERT_NE(server_->bound_port(), 0);
    server_->start();
  }
  void TearDown() override { server_->stop(); }

  RegistryUrl url() const {
    auto parsed = RegistryUrl::parse("http://127.0.0.1:" + std::to_string(server_->bound_port()));
    EXPECT_TRUE(parsed.is_ok());
    return *parsed;
  }

  // Writes `bytes` on a fresh connection and reads until the server closes it.
  std::string raw_exchange(const std::string& bytes) {
    asio::io_context io;
    tcp::socket socket(io);
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->bound_port()));
    asio::write(socket, asio::buffer(bytes));
    std::string reply;
    boost::system::error_code ec;
    asio::read(socket, asio::dynamic_buffer(reply), ec);  // to EOF
    return reply;
  }

  registry::SchemaStore store_{nullptr};
  RegistryRouter router_{store_};
  std::unique_ptr<RegistryHttpServer> server_;
};

TEST_F(RegistryHttpServerTest, AnswersRequestsOnOneKeptAliveConnection) {
  RegistryHttpClient client(url());
  auto registered = client.request("POST", "/subjects/a%2Fb/versions", kUser);
  ASSERT_TRUE(registered.is_ok()) << registered.status().to_string();
  EXPECT_EQ(registered->status, 200);
  EXPECT_EQ(registered->body, R"({"id":1})");
  for (int i = 0; i < 20; ++i) {
    auto listed = client.request("GET", "/subjects");
    ASSERT_TRUE(listed.is_ok()) << listed.status().to_string();
    EXPECT_EQ(listed->body, R"(["a/b"])");
  }
  auto missing = client.request("GET", "/subjects/none/versions");
  ASSERT_TRUE(missing.is_ok());
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(missing->body, R"({"error_code":40401,"message":"Subject 'none' not found."})");
}

TEST_F(RegistryHttpServerTest, ContentTypeAndKeepAliveHeaders) {
  const std::string reply = raw_exchange("GET /schemas/types HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << reply;
  EXPECT_NE(reply.find("Content-Type: application/vnd.schemaregistry.v1+json\r\n"), std::string::npos) << reply;
  EXPECT_NE(reply.find("[\"AVRO\",\"JSON\",\"PROTOBUF\"]"), std::string::npos) << reply;

  // Two pipelined requests, the second closing: both answered, in order.
  const std::string two = raw_exchange(
      "GET /config HTTP/1.1\r\nHost: x\r\n\r\nGET /mode HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const size_t first = two.find("BACKWARD");
  const size_t second = two.find("READWRITE");
  ASSERT_NE(first, std::string::npos) << two;
  ASSERT_NE(second, std::string::npos) << two;
  EXPECT_LT(first, second);
}

TEST_F(RegistryHttpServerTest, GarbageIs400AndTheServerKeepsServing) {
  // The start of a TLS ClientHello, then text: what a client speaking https gives a plain server.
  static const char kTlsHello[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 garbage\r\n\r\n";
  const std::string reply = raw_exchange(std::string(kTlsHello, sizeof(kTlsHello) - 1));
  EXPECT_EQ(reply.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << reply;
  EXPECT_NE(reply.find("\"error_code\":400"), std::string::npos) << reply;
  EXPECT_EQ(raw_exchange("NOT-HTTP\r\n\r\n").rfind("HTTP/1.1 400", 0), 0u);
  RegistryHttpClient client(url());
  auto types = client.request("GET", "/schemas/types");
  ASSERT_TRUE(types.is_ok());
  EXPECT_EQ(types->status, 200);
}

TEST_F(RegistryHttpServerTest, BodyOverTheCapIs413) {
  const std::string reply = raw_exchange(
      "POST /subjects/s/versions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 413 Payload Too Large\r\n", 0), 0u) << reply;
  EXPECT_NE(reply.find("\"error_code\":413"), std::string::npos) << reply;
  EXPECT_TRUE(store_.list_subjects(true).empty());
}

TEST_F(RegistryHttpServerTest, ClientReconnectsAfterTheServerClosedAnIdleConnection) {
  RegistryHttpClient client(url());
  ASSERT_TRUE(client.request("GET", "/subjects").is_ok());
  server_->stop();
  server_ = std::make_unique<RegistryHttpServer>(
      RegistryHttpServer::Options{"127.0.0.1", url().port.empty() ? uint16_t(0) : uint16_t(std::stoi(url().port)), 4096,
                                  std::chrono::milliseconds(60'000), 1},
      router_);
  ASSERT_TRUE(server_->bind().is_ok());
  server_->start();
  auto again = client.request("GET", "/subjects");
  ASSERT_TRUE(again.is_ok()) << again.status().to_string();
  EXPECT_EQ(again->status, 200);
}

TEST(RegistryUrl, ParsesHostPortPathAndCredentials) {
  auto url = RegistryUrl::parse("http://user:p%40ss@registry.example:8085/base/");
  ASSERT_TRUE(url.is_ok()) << url.status().to_string();
  EXPECT_EQ(url->host, "registry.example");
  EXPECT_EQ(url->port, "8085");
  EXPECT_EQ(url->base_path, "/base");
  EXPECT_EQ(url->authorization, "Basic dXNlcjpwQHNz");  // user:p@ss
  auto plain = RegistryUrl::parse("http://localhost");
  ASSERT_TRUE(plain.is_ok());
  EXPECT_EQ(plain->port, "80");
  EXPECT_EQ(plain->base_path, "");
  auto v6 = RegistryUrl::parse("http://[::1]:8081");
  ASSERT_TRUE(v6.is_ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->to_string(), "http://[::1]:8081");
  EXPECT_EQ(RegistryUrl::parse("https://x").status().code(), StatusCode::kNotSupported);
  EXPECT_FALSE(RegistryUrl::parse("ftp://x").is_ok());
  EXPECT_FALSE(RegistryUrl::parse("http://:80").is_ok());
  EXPECT_FALSE(RegistryUrl::parse("http://x:8o").is_ok());
}

}  // namespace
}  // namespace loch::serve
