#include "store/delta/snapshot_cache.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "store/sql/database.h"

namespace loch::delta {
namespace {

namespace fs = std::filesystem;

TEST(SnapshotCache, ReusesUnchangedSnapshotsAndSeesNewCommits) {
  const fs::path source = "/work/shared/testdata/delta/dat/basic_append/delta";
  if (!fs::exists(source)) GTEST_SKIP();
  const fs::path root = fs::temp_directory_path() / ("loch_snapshot_cache_test_" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::copy(source, root, fs::copy_options::recursive);
  auto database = sql::Database::open(":memory:");
  ASSERT_TRUE(database.is_ok());
  auto connection = (*database)->connect();
  ASSERT_TRUE(connection.is_ok());

  SnapshotCache cache;
  auto first = cache.load(root, *connection);
  ASSERT_TRUE(first.is_ok()) << first.status().to_string();
  auto second = cache.load(root, *connection);
  ASSERT_TRUE(second.is_ok());
  EXPECT_EQ(first->get(), second->get());
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_EQ((*second)->version(), TableVersion(1));

  // A new commit is a new latest version, loaded afresh.
  std::ofstream(root / "_delta_log" / "00000000000000000002.json")
      << R"({"remove":{"path":"does-not-matter.parquet","dataChange":true}})" << "\n";
  auto third = cache.load(root, *connection);
  ASSERT_TRUE(third.is_ok());
  EXPECT_EQ((*third)->version(), TableVersion(2));
  EXPECT_EQ(cache.hits(), 1u);
  // Older versions are cached separately.
  auto old = cache.load(root, *connection, SnapshotRequest{TableVersion(0), std::nullopt});
  ASSERT_TRUE(old.is_ok());
  EXPECT_EQ((*old)->files().size(), 1u);
  fs::remove_all(root);
}

}  // namespace
}  // namespace loch::delta
