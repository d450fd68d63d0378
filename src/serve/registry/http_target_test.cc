#include "serve/registry/http_target.h"

#include <gtest/gtest.h>

namespace loch::serve {
namespace {

TEST(HttpTarget, SplitsPathIntoDecodedSegmentsAndQueryIntoParameters) {
  auto target = parse_http_target("/subjects/orders%2Dvalue/versions/latest?deleted=TRUE&subjectPrefix=a+b%26c");
  ASSERT_TRUE(target.is_ok()) << target.status().to_string();
  EXPECT_EQ(target->segments, (std::vector<std::string>{"subjects", "orders-value", "versions", "latest"}));
  EXPECT_TRUE(target->flag("deleted"));
  EXPECT_FALSE(target->flag("permanent"));
  EXPECT_EQ(target->param("subjectPrefix"), "a b&c");
}

TEST(HttpTarget, EncodedSlashStaysInsideItsSegment) {
  auto target = parse_http_target("/subjects/a%2Fb/versions");
  ASSERT_TRUE(target.is_ok());
  EXPECT_EQ(target->segments, (std::vector<std::string>{"subjects", "a/b", "versions"}));
}

TEST(HttpTarget, EmptySegmentsAndTrailingSlashAreIgnored) {
  auto target = parse_http_target("//subjects//");
  ASSERT_TRUE(target.is_ok());
  EXPECT_EQ(target->segments, (std::vector<std::string>{"subjects"}));
  auto root = parse_http_target("/");
  ASSERT_TRUE(root.is_ok());
  EXPECT_TRUE(root->segments.empty());
}

TEST(HttpTarget, BadEscapesNonUtf8AndAbsoluteFormsAreRefused) {
  EXPECT_FALSE(parse_http_target("/subjects/%G1").is_ok());
  EXPECT_FALSE(parse_http_target("/subjects/%4").is_ok());
  EXPECT_FALSE(parse_http_target("/subjects/%FF%FE").is_ok());
  EXPECT_FALSE(parse_http_target("/subjects?x=%C0%AF").is_ok());  // overlong '/'
  EXPECT_FALSE(parse_http_target("http://host/subjects").is_ok());
  EXPECT_FALSE(parse_http_target("").is_ok());
  EXPECT_TRUE(parse_http_target("/subjects/%C3%A9t%C3%A9").is_ok());
}

TEST(HttpTarget, PercentEncodeRoundTripsAnySubject) {
  const std::string subject = "a/b c?d&e=f%g\xC3\xA9";
  const std::string encoded = percent_encode(subject);
  EXPECT_EQ(encoded.find_first_of("/ ?&=\xC3"), std::string::npos);
  auto decoded = percent_decode(encoded, false);
  ASSERT_TRUE(decoded.is_ok());
  EXPECT_EQ(*decoded, subject);
}

}  // namespace
}  // namespace loch::serve
