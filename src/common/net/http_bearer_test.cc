#include "common/net/http_bearer.h"

#include <gtest/gtest.h>

namespace loch {
namespace {

HttpHandler answers_ok(int& calls) {
  return [&calls](const HttpRequest&) {
    ++calls;
    return HttpAnswer{200, "application/json", "{}"};
  };
}

HttpRequest with_authorization(std::string authorization) {
  HttpRequest request;
  request.method = "GET";
  request.target = "/api/pipelines";
  request.authorization = std::move(authorization);
  return request;
}

TEST(HttpBearer, OnlyTheRightTokenReachesTheHandler) {
  int calls = 0;
  HttpHandler handler = require_bearer_token("s3cret", answers_ok(calls));
  EXPECT_EQ(handler(with_authorization("Bearer s3cret")).status, 200);
  EXPECT_EQ(handler(with_authorization("bearer s3cret")).status, 200) << "the scheme is case-insensitive";
  EXPECT_EQ(calls, 2);
  for (const char* wrong : {"", "Bearer s3cre", "Bearer s3cret2", "Bearer S3cret", "Basic czNjcmV0", "s3cret"}) {
    HttpAnswer answer = handler(with_authorization(wrong));
    EXPECT_EQ(answer.status, 401) << wrong;
    EXPECT_EQ(answer.www_authenticate, "Bearer realm=\"loch\"") << wrong;
  }
  EXPECT_EQ(calls, 2) << "a refused request never reaches the handler";
  EXPECT_NE(handler(with_authorization("")).body.find("needs a token"), std::string::npos);
  EXPECT_NE(handler(with_authorization("Bearer nope")).body.find("not this server's"), std::string::npos);
}

TEST(HttpBearer, NoTokenMeansNoAuthentication) {
  int calls = 0;
  HttpHandler handler = require_bearer_token("", answers_ok(calls));
  EXPECT_EQ(handler(with_authorization("")).status, 200);
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace loch
