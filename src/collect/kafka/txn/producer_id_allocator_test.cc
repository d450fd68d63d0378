#include "collect/kafka/txn/producer_id_allocator.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "collect/kafka/log/log_test_util.h"

namespace loch::kafka::txn {
namespace {

TEST(ProducerIdAllocator, IdsAreNeverReusedAfterReopen) {
  loch::kafka::testing::TemporaryDirectory dir;
  int64_t last = -1;
  {
    auto allocator = ProducerIdAllocator::open(dir.path());
    ASSERT_TRUE(allocator.is_ok()) << allocator.status().message();
    for (int i = 0; i < 3; ++i) {
      auto id = (*allocator)->next();
      ASSERT_TRUE(id.is_ok());
      EXPECT_GT(*id, last);
      last = *id;
    }
  }
  auto reopened = ProducerIdAllocator::open(dir.path());
  ASSERT_TRUE(reopened.is_ok());
  auto id = (*reopened)->next();
  ASSERT_TRUE(id.is_ok());
  EXPECT_GT(*id, last);
}

TEST(ProducerIdAllocator, GarbageInTheBlockFileIsNamedInTheError) {
  loch::kafka::testing::TemporaryDirectory dir;
  std::ofstream(dir.path() + "/producer_id_block") << "banana";
  auto allocator = ProducerIdAllocator::open(dir.path());
  ASSERT_FALSE(allocator.is_ok());
  EXPECT_NE(allocator.status().message().find("producer_id_block"), std::string::npos);
}

}  // namespace
}  // namespace loch::kafka::txn
