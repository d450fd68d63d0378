#include "store/delta/log_segment.h"

#include <gtest/gtest.h>

#include <fstream>

#include "store/delta/file_paths.h"
#include "store/delta/snapshot.h"

namespace loch::delta {
namespace {

namespace fs = std::filesystem;

class TempTable {
 public:
  TempTable() {
    root_ = fs::temp_directory_path() / ("loch_log_segment_test_" + std::to_string(::getpid()) + "_" +
                                         std::to_string(counter_++));
    fs::remove_all(root_);
    fs::create_directories(root_ / "_delta_log");
  }
  ~TempTable() { fs::remove_all(root_); }
  void touch(const std::string& name, const std::string& content = "") {
    std::ofstream(root_ / "_delta_log" / name) << content;
  }
  const fs::path& root() const { return root_; }

 private:
  static inline int counter_ = 0;
  fs::path root_;
};

TEST(LogSegment, LatestVersionUsesNewestCheckpointAndLaterCommits) {
  TempTable table;
  for (int v = 0; v <= 5; ++v) table.touch(commit_file_name(TableVersion(v)));
  table.touch("00000000000000000003.checkpoint.parquet");
  table.touch("00000000000000000003.crc");
  table.touch("_last_checkpoint", "{not json");
  auto listing = list_log(table.root());
  ASSERT_TRUE(listing.is_ok());
  EXPECT_FALSE(listing->last_checkpoint_hint.has_value());
  auto segment = build_segment(*listing, std::nullopt);
  ASSERT_TRUE(segment.is_ok()) << segment.status().to_string();
  EXPECT_EQ(segment->version, TableVersion(5));
  ASSERT_TRUE(segment->checkpoint.has_value());
  EXPECT_EQ(segment->checkpoint->version, TableVersion(3));
  ASSERT_EQ(segment->commits_newest_first.size(), 2u);
  EXPECT_EQ(segment->commits_newest_first[0].version, TableVersion(5));
}

TEST(LogSegment, IncompleteMultiPartCheckpointIsIgnored) {
  TempTable table;
  for (int v = 0; v <= 2; ++v) table.touch(commit_file_name(TableVersion(v)));
  table.touch("00000000000000000002.checkpoint.0000000001.0000000002.parquet");
  auto segment = build_segment(*list_log(table.root()), std::nullopt);
  ASSERT_TRUE(segment.is_ok());
  EXPECT_FALSE(segment->checkpoint.has_value());
  EXPECT_EQ(segment->commits_newest_first.size(), 3u);
  table.touch("00000000000000000002.checkpoint.0000000002.0000000002.parquet");
  segment = build_segment(*list_log(table.root()), std::nullopt);
  ASSERT_TRUE(segment->checkpoint.has_value());
  EXPECT_EQ(segment->checkpoint->parts.size(), 2u);
}

TEST(LogSegment, CompactionFileAfterTheCheckpointReplacesItsCommits) {
  TempTable table;
  for (int v = 0; v <= 6; ++v) table.touch(commit_file_name(TableVersion(v)));
  table.touch("00000000000000000001.checkpoint.parquet");
  table.touch("00000000000000000002.00000000000000000004.compacted.json");
  table.touch("00000000000000000000.00000000000000000005.compacted.json");  // reaches before the checkpoint
  auto segment = build_segment(*list_log(table.root()), std::nullopt);
  ASSERT_TRUE(segment.is_ok());
  ASSERT_EQ(segment->commits_newest_first.size(), 3u);  // 6, 5, compacted 2..4
  EXPECT_EQ(segment->commits_newest_first[2].first, TableVersion(2));
  EXPECT_EQ(segment->commits_newest_first[2].version, TableVersion(4));
  // Time travel to inside the compacted range uses the commits.
  segment = build_segment(*list_log(table.root()), TableVersion(3));
  ASSERT_EQ(segment->commits_newest_first.size(), 2u);
}

TEST(LogSegment, GapInCommitsIsAnErrorNamingTheMissingCommit) {
  TempTable table;
  table.touch(commit_file_name(TableVersion(0)));
  table.touch(commit_file_name(TableVersion(2)));
  auto segment = build_segment(*list_log(table.root()), std::nullopt);
  ASSERT_FALSE(segment.is_ok());
  EXPECT_NE(segment.status().message().find("00000000000000000001.json"), std::string::npos);
}

TEST(LogSegment, VersionAfterTheLatestIsNotFound) {
  TempTable table;
  table.touch(commit_file_name(TableVersion(0)));
  auto segment = build_segment(*list_log(table.root()), TableVersion(7));
  ASSERT_FALSE(segment.is_ok());
  EXPECT_EQ(segment.status().code(), StatusCode::kNotFound);
}

TEST(LogSegment, MissingLogDirectoryIsNotATable) {
  EXPECT_EQ(list_log("/nonexistent/table").status().code(), StatusCode::kNotFound);
}

TEST(FilePaths, RelativePathsArePercentDecodedAndFileUrisResolved) {
  EXPECT_EQ(resolve_data_path("/t", "a%20b/c%3Dd.parquet")->string(), "/t/a b/c=d.parquet");
  EXPECT_EQ(resolve_data_path("/t", "file:/t/x.parquet")->string(), "/t/x.parquet");
  EXPECT_EQ(resolve_data_path("/t", "file:///t/x.parquet")->string(), "/t/x.parquet");
  EXPECT_EQ(resolve_data_path("/t", "s3://bucket/x.parquet").status().code(), StatusCode::kNotSupported);
}

TEST(Protocol, UnsupportedReaderFeaturesAreNamedInTheRefusal) {
  Protocol protocol{3, 7, std::vector<std::string>{"deletionVectors", "catalogOwned", "futureThing"}, std::nullopt};
  Status status = check_reader_protocol(protocol);
  ASSERT_EQ(status.code(), StatusCode::kNotSupported);
  EXPECT_NE(status.message().find("catalogOwned, futureThing"), std::string::npos);
  EXPECT_TRUE(check_reader_protocol(Protocol{1, 2, std::nullopt, std::nullopt}).is_ok());
  EXPECT_FALSE(check_reader_protocol(Protocol{4, 7, std::nullopt, std::nullopt}).is_ok());
}

TEST(Timestamps, DatesTimesAndZonesParseToEpochMilliseconds) {
  EXPECT_EQ(*parse_timestamp_ms("1970-01-02"), 86400000);
  EXPECT_EQ(*parse_timestamp_ms("1970-01-01 00:00:01.5"), 1500);
  EXPECT_EQ(*parse_timestamp_ms("1970-01-01T01:00:00+01:00"), 0);
  EXPECT_EQ(*parse_timestamp_ms("2024-03-01T00:00:00Z"), 1709251200000);
  EXPECT_FALSE(parse_timestamp_ms("yesterday").is_ok());
}

}  // namespace
}  // namespace loch::delta
