// Records reserved while encoding (RecordsReservations) and filled afterwards
// must give the same bytes as encoding the records in place.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "collect/kafka/protocol/message_codec.h"
#include "collect/kafka/protocol/messages/fetch_response.h"

namespace loch::kafka {
namespace {

FetchResponse response_with(const std::vector<std::string>& records) {
  FetchResponse response;
  FetchResponse::FetchableTopicResponse topic;
  topic.topic = "orders";
  for (size_t i = 0; i < records.size(); ++i) {
    FetchResponse::PartitionData data;
    data.partition_index = static_cast<int32_t>(i);
    data.high_watermark = 100 + static_cast<int64_t>(i);
    data.records = records[i];
    topic.partitions.push_back(std::move(data));
  }
  response.responses.push_back(std::move(topic));
  return response;
}

TEST(RecordsReservations, FilledReservationsEncodeLikeInlineRecords) {
  const std::vector<std::string> records = {"first batch bytes", "", std::string(300, 'x'), "inline"};
  for (int16_t version = 4; version <= FetchResponse::kHighestVersion; ++version) {
    const std::string expected = encode_message(response_with(records), version);

    // The last partition's records stay inline; the others are reserved.
    FetchResponse placeholder = response_with({"", "", "", "inline"});
    RecordsReservations reservations;
    reservations.sizes = {records[0].size(), records[1].size(), records[2].size(), std::nullopt};
    std::string out;
    encode_message_to(placeholder, version, out, &reservations);
    ASSERT_EQ(reservations.positions.size(), 4u) << "v" << version;
    EXPECT_EQ(reservations.positions[3], std::string::npos);
    for (size_t i = 0; i < 3; ++i) {
      std::memcpy(out.data() + reservations.positions[i], records[i].data(), records[i].size());
    }
    EXPECT_EQ(out, expected) << "v" << version;
  }
}

TEST(RecordsReservations, WithoutReservationsRecordsAreWrittenInline) {
  const std::string expected = encode_message(response_with({"abc"}), 11);
  std::string out;
  RecordsReservations none;  // no sizes: every field inline
  encode_message_to(response_with({"abc"}), 11, out, &none);
  EXPECT_EQ(out, expected);
  EXPECT_TRUE(none.positions.empty());
}

}  // namespace
}  // namespace loch::kafka
