#include "common/tcp_address.h"

#include <gtest/gtest.h>

#include <netinet/in.h>

namespace loch {
namespace {

TEST(TcpAddress, HostAndPortResolveAndAnIpv6HostMayBeInBrackets) {
  auto v4 = resolve_tcp_address("127.0.0.1:9092");
  ASSERT_TRUE(v4.is_ok()) << v4.status().to_string();
  ASSERT_EQ((*v4)->ai_family, AF_INET);
  EXPECT_EQ(ntohs(reinterpret_cast<const sockaddr_in*>((*v4)->ai_addr)->sin_port), 9092);
  auto v6 = resolve_tcp_address("[::1]:19092");
  ASSERT_TRUE(v6.is_ok()) << v6.status().to_string();
  ASSERT_EQ((*v6)->ai_family, AF_INET6);
  EXPECT_EQ(ntohs(reinterpret_cast<const sockaddr_in6*>((*v6)->ai_addr)->sin6_port), 19092);
}

TEST(TcpAddress, AnAddressWithoutAPortOrThatDoesNotResolveIsNamed) {
  auto no_port = resolve_tcp_address("localhost");
  ASSERT_FALSE(no_port.is_ok());
  EXPECT_EQ(no_port.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(no_port.status().message().find("'localhost': expected host:port"), std::string::npos);
  auto unknown = resolve_tcp_address("no-such-host.invalid:9092");
  ASSERT_FALSE(unknown.is_ok());
  EXPECT_NE(unknown.status().message().find("cannot resolve no-such-host.invalid:9092"), std::string::npos);
}

}  // namespace
}  // namespace loch
