#include "store/delta/checkpoint_action_cache.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "store/delta/snapshot.h"
#include "store/delta/transaction.h"
#include "store/delta/writer_protocol.h"
#include "store/sql/database.h"

namespace loch::delta {
namespace {

namespace fs = std::filesystem;

std::shared_ptr<const CheckpointActionCache::Actions> actions_with_txn(const std::string& app_id) {
  Action action;
  action.txn = Txn{app_id, 1, std::nullopt};
  return std::make_shared<const CheckpointActionCache::Actions>(CheckpointActionCache::Actions{action});
}

TEST(CheckpointActionCache, KeyFollowsTheFilesOnDisk) {
  const fs::path file = fs::temp_directory_path() / ("loch_checkpoint_key_" + std::to_string(::getpid()));
  std::ofstream(file) << "one";
  auto first = CheckpointActionCache::key_of({file});
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(CheckpointActionCache::key_of({file}), first) << "an unchanged file has the same key";
  std::ofstream(file) << "written again, longer";
  EXPECT_NE(CheckpointActionCache::key_of({file}), first) << "a file written again is another checkpoint";
  fs::remove(file);
  EXPECT_FALSE(CheckpointActionCache::key_of({file}).has_value()) << "a missing file has no key";
}

TEST(CheckpointActionCache, KeepsTheMostRecentlyUsedEntries) {
  CheckpointActionCache cache(2);
  cache.put("a", actions_with_txn("a"));
  cache.put("b", actions_with_txn("b"));
  ASSERT_NE(cache.find("a"), nullptr);  // a is now the most recently used
  cache.put("c", actions_with_txn("c"));
  EXPECT_EQ(cache.find("b"), nullptr) << "b was the least recently used";
  ASSERT_NE(cache.find("a"), nullptr);
  EXPECT_EQ(cache.find("a")->front().txn->app_id, "a");
  EXPECT_NE(cache.find("c"), nullptr);
}

TEST(CheckpointActionCache, KeepsAtMostMaxActions) {
  auto actions = [](size_t n) {
    return std::make_shared<const CheckpointActionCache::Actions>(CheckpointActionCache::Actions(n));
  };
  CheckpointActionCache cache(16, 10);
  cache.put("too-big", actions(11));
  EXPECT_EQ(cache.find("too-big"), nullptr) << "a checkpoint of more actions than the bound is not kept";
  cache.put("a", actions(6));
  cache.put("b", actions(4));
  EXPECT_NE(cache.find("a"), nullptr);
  EXPECT_NE(cache.find("b"), nullptr);
  cache.put("c", actions(3));  // 13 > 10: the least recently used (a) goes
  EXPECT_EQ(cache.find("a"), nullptr);
  EXPECT_NE(cache.find("b"), nullptr);
  EXPECT_NE(cache.find("c"), nullptr);
  cache.put("b", actions(7));  // replaced: 7 + 3 = 10 fits
  EXPECT_EQ(cache.find("b")->size(), 7u);
  EXPECT_NE(cache.find("c"), nullptr);
}

// A table with a checkpoint at version 10, its txn versions and file count
// depending on `files_per_commit`.
void write_table(const fs::path& root, sql::Connection& connection, int files_per_commit) {
  Metadata metadata;
  metadata.id = "00000000-0000-4000-8000-000000000001";
  metadata.schema_string = R"({"type":"struct","fields":[{"name":"id","type":"long","nullable":true,"metadata":{}}]})";
  Transaction create = Transaction::begin_create(root, connection);
  create.set_metadata(metadata);
  create.set_protocol(required_protocol(metadata, std::nullopt).value());
  ASSERT_TRUE(create.commit().is_ok());
  for (int version = 1; version <= 10; ++version) {
    auto txn = Transaction::begin(root, connection);
    ASSERT_TRUE(txn.is_ok()) << txn.status().to_string();
    for (int i = 0; i < files_per_commit; ++i) {
      FileAction add;
      add.path = "part-" + std::to_string(version) + "-" + std::to_string(i) + ".parquet";
      add.size = 100;
      add.data_change = true;
      add.stats = R"({"numRecords":1,"minValues":{"id":1},"maxValues":{"id":1},"nullCount":{"id":0}})";
      txn->add_file(std::move(add));
    }
    txn->set_transaction_id("writer", version * files_per_commit);
    auto committed = txn->commit();
    ASSERT_TRUE(committed.is_ok()) << committed.status().to_string();
  }
  ASSERT_TRUE(fs::exists(root / "_delta_log" / "00000000000000000010.checkpoint.parquet"));
}

TEST(CheckpointActionCache, SnapshotsReadFromTheCacheEqualThoseReadFromDisk) {
  const fs::path root = fs::temp_directory_path() / ("loch_checkpoint_cache_table_" + std::to_string(::getpid()));
  fs::remove_all(root);
  auto database = std::move(sql::Database::open(":memory:")).value();
  auto connection = std::move(database->connect()).value();
  write_table(root, connection, 1);
  auto first = Snapshot::load(root, connection);
  ASSERT_TRUE(first.is_ok()) << first.status().to_string();
  auto second = Snapshot::load(root, connection);  // the checkpoint's actions from the cache
  ASSERT_TRUE(second.is_ok()) << second.status().to_string();
  ASSERT_EQ(second->files().size(), 10u);
  for (size_t i = 0; i < second->files().size(); ++i) {
    EXPECT_EQ(second->files()[i].add.path, first->files()[i].add.path);
  }
  EXPECT_EQ(second->transactions().at("writer").version, 10);
  EXPECT_EQ(second->metadata().id, first->metadata().id);

  // The table deleted and written again at the same path: its new
  // checkpoint (another size) is read, not the cached one.
  fs::remove_all(root);
  write_table(root, connection, 2);
  auto rewritten = Snapshot::load(root, connection);
  ASSERT_TRUE(rewritten.is_ok()) << rewritten.status().to_string();
  EXPECT_EQ(rewritten->files().size(), 20u);
  EXPECT_EQ(rewritten->transactions().at("writer").version, 20);
  fs::remove_all(root);
}

}  // namespace
}  // namespace loch::delta
