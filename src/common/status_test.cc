#include "common/status.h"

#include <gtest/gtest.h>

#include <cerrno>

#include "common/result.h"

namespace loch {
namespace {

Result<int> parse_positive(int v) {
  if (v <= 0) return Status::invalid_argument("value must be positive, got " + std::to_string(v));
  return v;
}

Result<int> doubled(int v) {
  LOCH_ASSIGN_OR_RETURN(int x, parse_positive(v));
  return 2 * x;
}

Status check_both(int a, int b) {
  LOCH_RETURN_IF_ERROR(parse_positive(a).status());
  LOCH_RETURN_IF_ERROR(parse_positive(b).status());
  return Status::ok();
}

}  // namespace

TEST(Status, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.is_ok());
  EXPECT_EQ(s.to_string(), "OK");
}

TEST(Status, ToStringNamesTheCodeThenTheMessage) {
  Status s = Status::corruption("segment 00000000000000001234.log: bad CRC at byte 8192");
  EXPECT_FALSE(s.is_ok());
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_EQ(s.to_string(), "Corruption: segment 00000000000000001234.log: bad CRC at byte 8192");
}

TEST(Status, WithContextPrefixesTheMessageAndKeepsTheCode) {
  Status s = Status::not_found("no such file").with_context("table bronze.events");
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "table bronze.events: no such file");
  EXPECT_TRUE(Status::ok().with_context("ignored").is_ok());
}

TEST(Status, FromErrnoIncludesTheSystemMessage) {
  Status s = Status::from_errno("open /nope", ENOENT);
  EXPECT_EQ(s.code(), StatusCode::kIOError);
  EXPECT_EQ(s.message(), "open /nope: No such file or directory");
}

TEST(Result, CarriesAValueOrAnError) {
  Result<int> good = parse_positive(3);
  ASSERT_TRUE(good.is_ok());
  EXPECT_EQ(*good, 3);
  Result<int> bad = parse_positive(-1);
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

TEST(Result, AssignOrReturnPropagatesTheFirstError) {
  EXPECT_EQ(*doubled(4), 8);
  EXPECT_EQ(doubled(0).status().message(), "value must be positive, got 0");
}

TEST(Result, ReturnIfErrorStopsAtTheFirstFailure) {
  EXPECT_TRUE(check_both(1, 2).is_ok());
  EXPECT_EQ(check_both(1, -2).message(), "value must be positive, got -2");
}

}  // namespace loch
