#include "store/delta/timestamp_text.h"

#include <gtest/gtest.h>

namespace loch::delta {
namespace {

constexpr int64_t kSecond = 1'000'000;

TEST(TimestampText, PartitionValueAndIsoForms) {
  auto plain = parse_timestamp_text("1970-01-01 00:00:01");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->micros, kSecond);
  EXPECT_FALSE(plain->has_zone);

  auto fraction = parse_timestamp_text("1970-01-01 00:00:00.123456");
  ASSERT_TRUE(fraction);
  EXPECT_EQ(fraction->micros, 123456);

  auto iso = parse_timestamp_text("2021-01-01T08:09:10.000Z");
  ASSERT_TRUE(iso);
  EXPECT_TRUE(iso->has_zone);
  EXPECT_EQ(iso->micros, 1609488550LL * kSecond);
}

TEST(TimestampText, OffsetsAreAppliedToGiveUtc) {
  auto pacific = parse_timestamp_text("2021-01-01T00:09:10.000-08:00");
  auto utc = parse_timestamp_text("2021-01-01T08:09:10Z");
  ASSERT_TRUE(pacific && utc);
  EXPECT_EQ(pacific->micros, utc->micros);
  auto compact = parse_timestamp_text("2021-01-01 10:09:10+0200");
  ASSERT_TRUE(compact);
  EXPECT_EQ(compact->micros, utc->micros);
  auto hours_only = parse_timestamp_text("2021-01-01 10:09:10+02");
  ASSERT_TRUE(hours_only);
  EXPECT_EQ(hours_only->micros, utc->micros);
}

TEST(TimestampText, DatesAndMinutesAndLongFractions) {
  auto date = parse_timestamp_text("1970-01-02");
  ASSERT_TRUE(date);
  EXPECT_EQ(date->micros, 86400LL * kSecond);
  auto minutes = parse_timestamp_text("1970-01-01T00:01");
  ASSERT_TRUE(minutes);
  EXPECT_EQ(minutes->micros, 60 * kSecond);
  auto nanos = parse_timestamp_text("1970-01-01 00:00:00.123456789");
  ASSERT_TRUE(nanos);
  EXPECT_EQ(nanos->micros, 123456);
  auto before_epoch = parse_timestamp_text("1969-12-31 23:59:59.5");
  ASSERT_TRUE(before_epoch);
  EXPECT_EQ(before_epoch->micros, -kSecond / 2);
}

TEST(TimestampText, AnythingElseIsNotATimestamp) {
  for (const char* text : {"", "2021", "2021-13-01", "2021-02-30", "2021-01-01 24:00:00", "2021-01-01 10:00:00 UTC",
                           "2021-01-01T10:00:00.Z", "yesterday", "2021-01-01 10:00:00+25"}) {
    EXPECT_FALSE(parse_timestamp_text(text)) << text;
  }
}

}  // namespace
}  // namespace loch::delta
