#include "process/pipeline/txn_offsets.h"

#include <gtest/gtest.h>

namespace loch::pipeline {
namespace {

TEST(TxnOffsets, AppIdsRoundTripToNextOffsetsOfThisPipelineOnly) {
  std::map<std::string, int64_t> txns;
  txns[txn_app_id("bronze_orders", {"shop.orders", 0})] = 120;
  txns[txn_app_id("bronze_orders", {"shop.orders", 11})] = 7;
  txns[txn_app_id("bronze_orders_v2", {"shop.orders", 0})] = 999;  // another pipeline sharing a prefix
  txns["spark-streaming-query-1"] = 3;                              // another writer
  auto offsets = next_offsets_from_txns(txns, "bronze_orders");
  ASSERT_TRUE(offsets.is_ok()) << offsets.status().to_string();
  EXPECT_EQ(*offsets, (std::map<SourcePartition, int64_t>{{{"shop.orders", 0}, 120}, {{"shop.orders", 11}, 7}}));
  EXPECT_EQ(txn_app_id("p", {"t", 3}), "p/t/3");
}

TEST(TxnOffsets, MalformedAppIdOrNegativeOffsetIsCorruption) {
  for (const char* bad : {"p/t", "p//3", "p/t/x", "p/t/-1", "p/a/b/3", "p/t/"}) {
    auto offsets = next_offsets_from_txns({{bad, 1}}, "p");
    EXPECT_EQ(offsets.status().code(), StatusCode::kCorruption) << bad;
  }
  auto negative = next_offsets_from_txns({{"p/t/0", -5}}, "p");
  EXPECT_EQ(negative.status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace loch::pipeline
