#include "collect/kafka/txn/transaction_metadata.h"

#include <gtest/gtest.h>

namespace loch::kafka::txn {
namespace {

TEST(TransactionMetadata, RecordRoundTripsThroughItsBytes) {
  TxnMetadata txn;
  txn.transactional_id = "etl-1";
  txn.producer_id = 4001;
  txn.producer_epoch = 7;
  txn.timeout_ms = 10000;
  txn.state = TxnState::kPrepareCommit;
  txn.partitions = {{"out", 0}, {"out", 3}, {"audit", 1}};
  txn.pending_offsets["readers"][{"in", 2}] = PendingOffset{42, 5, std::string("meta")};
  txn.pending_offsets["readers"][{"in", 3}] = PendingOffset{7, -1, std::nullopt};
  txn.start_ms = 1700000000000;
  txn.last_update_ms = 1700000000500;
  auto id = decode_txn_key(encode_txn_key("etl-1"));
  ASSERT_TRUE(id.is_ok());
  EXPECT_EQ(*id, "etl-1");
  auto decoded = decode_txn_value("etl-1", encode_txn_value(txn));
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().message();
  EXPECT_EQ(*decoded, txn);
}

TEST(TransactionMetadata, TruncatedValueIsCorruptionNamingTheTransactionalId) {
  TxnMetadata txn;
  txn.transactional_id = "etl-1";
  txn.partitions = {{"out", 0}};
  std::string bytes = encode_txn_value(txn);
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    auto decoded = decode_txn_value("etl-1", std::string_view(bytes).substr(0, cut));
    ASSERT_FALSE(decoded.is_ok()) << "cut at " << cut;
    EXPECT_NE(decoded.status().message().find("etl-1"), std::string::npos);
  }
  EXPECT_FALSE(decode_txn_value("etl-1", bytes + "x").is_ok());
}

}  // namespace
}  // namespace loch::kafka::txn
