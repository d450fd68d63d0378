#include "collect/kafka/groups/consumer_offsets_records.h"

#include <gtest/gtest.h>

namespace loch::kafka::groups {
namespace {

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out.push_back(static_cast<char>(v));
  return out;
}

TEST(ConsumerOffsetsRecords, OffsetCommitKeyIsKafkasVersionOneLayout) {
  std::string key = encode_offset_commit_key({"g", "t", PartitionId(2)});
  // version 1, STRING "g", STRING "t", INT32 2
  EXPECT_EQ(key, bytes({0, 1, 0, 1, 'g', 0, 1, 't', 0, 0, 0, 2}));
}

TEST(ConsumerOffsetsRecords, OffsetCommitValueIsKafkasVersionThreeLayout) {
  OffsetAndMetadata value{Offset(5), 7, "m", 9};
  EXPECT_EQ(encode_offset_commit_value(value),
            bytes({0, 3, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 7, 0, 1, 'm', 0, 0, 0, 0, 0, 0, 0, 9}));
}

TEST(ConsumerOffsetsRecords, KeysDecodeToTheKindTheyWereEncodedAs) {
  auto offset_key = decode_consumer_offsets_key(encode_offset_commit_key({"orders", "events", PartitionId(3)}));
  ASSERT_TRUE(offset_key.is_ok()) << offset_key.status().to_string();
  EXPECT_EQ(std::get<OffsetCommitKey>(*offset_key), (OffsetCommitKey{"orders", "events", PartitionId(3)}));

  auto group_key = decode_consumer_offsets_key(encode_group_metadata_key({"orders"}));
  ASSERT_TRUE(group_key.is_ok());
  EXPECT_EQ(std::get<GroupMetadataKey>(*group_key).group, "orders");
}

TEST(ConsumerOffsetsRecords, KeyOfAnotherVersionDecodesAsUnknownSoReplaySkipsIt) {
  auto key = decode_consumer_offsets_key(bytes({0, 11, 0, 1, 'g'}));
  ASSERT_TRUE(key.is_ok());
  EXPECT_EQ(std::get<UnknownRecordKey>(*key).version, 11);
}

TEST(ConsumerOffsetsRecords, OffsetCommitValueRoundTrips) {
  OffsetAndMetadata value{Offset(123456789012), 4, "checkpoint", 1'700'000'000'000};
  auto decoded = decode_offset_commit_value(encode_offset_commit_value(value));
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(*decoded, value);
}

TEST(ConsumerOffsetsRecords, VersionOneValueWithExpireTimestampIsRead) {
  // version 1: offset 10, metadata "", commit 20, expire 30
  std::string v1 = bytes({0, 1, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0, 0, 0, 0, 0, 30});
  auto decoded = decode_offset_commit_value(v1);
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(decoded->offset, Offset(10));
  EXPECT_EQ(decoded->leader_epoch, -1);
  EXPECT_EQ(decoded->commit_timestamp_ms, 20);
}

TEST(ConsumerOffsetsRecords, GroupMetadataValueRoundTripsWithStaticAndDynamicMembers) {
  GroupMetadataSnapshot group;
  group.protocol_type = "consumer";
  group.generation = 4;
  group.protocol = "range";
  group.leader = "a-1";
  group.current_state_timestamp_ms = 99;
  group.members.push_back({"a-1", "instance-a", "client-a", "/10.0.0.1", 30000, 10000, "sub-a", "assign-a"});
  group.members.push_back({"b-1", std::nullopt, "client-b", "/10.0.0.2", 30000, 10000, "sub-b", ""});
  auto decoded = decode_group_metadata_value(encode_group_metadata_value(group));
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(*decoded, group);
}

TEST(ConsumerOffsetsRecords, EmptyGroupMetadataHasNullProtocolAndLeader) {
  GroupMetadataSnapshot group;
  group.protocol_type = "consumer";
  group.generation = 2;
  auto decoded = decode_group_metadata_value(encode_group_metadata_value(group));
  ASSERT_TRUE(decoded.is_ok());
  EXPECT_FALSE(decoded->protocol.has_value());
  EXPECT_FALSE(decoded->leader.has_value());
  EXPECT_TRUE(decoded->members.empty());
}

TEST(ConsumerOffsetsRecords, TruncatedValuesAreCorruptionNotGarbage) {
  std::string value = encode_offset_commit_value({Offset(1), -1, "metadata", 2});
  for (size_t cut = 0; cut < value.size(); ++cut) {
    auto decoded = decode_offset_commit_value(value.substr(0, cut));
    EXPECT_FALSE(decoded.is_ok()) << "cut at " << cut;
  }
  GroupMetadataSnapshot group{"consumer", 1, "range", "m", 5, {{"m", std::nullopt, "c", "h", 1, 1, "s", "a"}}};
  std::string encoded = encode_group_metadata_value(group);
  for (size_t cut = 0; cut < encoded.size(); ++cut) {
    auto decoded = decode_group_metadata_value(encoded.substr(0, cut));
    ASSERT_FALSE(decoded.is_ok()) << "cut at " << cut;
    EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption) << "cut at " << cut;
  }
  EXPECT_FALSE(decode_consumer_offsets_key(bytes({0})).is_ok());
}

TEST(ConsumerOffsetsRecords, ImpossibleMemberCountIsRefusedBeforeAllocating) {
  std::string value = bytes({0, 3, 0, 0, 0, 0, 0, 1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f, -1, -1, -1});
  auto decoded = decode_group_metadata_value(value);
  ASSERT_FALSE(decoded.is_ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption);
}

TEST(ConsumerOffsetsRecords, UnknownValueVersionIsNotSupported) {
  auto decoded = decode_offset_commit_value(bytes({0, 9, 1, 2, 3}));
  ASSERT_FALSE(decoded.is_ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kNotSupported);
}

TEST(ConsumerOffsetsRecords, PartitionOfAGroupIsKafkasJavaHashCodeModuloPartitions) {
  // Expected values computed with Java's String.hashCode definition over
  // UTF-16 code units, masked to 31 bits, modulo 50.
  EXPECT_EQ(consumer_offsets_partition("test-group", 50), 12);
  EXPECT_EQ(consumer_offsets_partition("console-consumer-12345", 50), 6);
  EXPECT_EQ(consumer_offsets_partition("my-group", 50), 36);
  EXPECT_EQ(consumer_offsets_partition("group\xc3\xa9", 50), 42);          // é: one UTF-16 unit
  EXPECT_EQ(consumer_offsets_partition("g\xf0\x9f\x98\x80", 50), 32);      // U+1F600: a surrogate pair
  EXPECT_EQ(consumer_offsets_partition("anything", 1), 0);
}

}  // namespace
}  // namespace loch::kafka::groups
