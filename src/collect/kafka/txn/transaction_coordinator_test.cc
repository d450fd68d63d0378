#include "collect/kafka/txn/transaction_coordinator.h"

#include <gtest/gtest.h>

#include "collect/kafka/log/log_test_util.h"

namespace loch::kafka::txn {
namespace {

class MemoryStore final : public TransactionStateStore {
 public:
  Status append(const TxnMetadata& txn, TxnRecordDurability durability) override {
    // Through the byte format, as the real store does.
    records.emplace_back(txn.transactional_id, encode_txn_value(txn));
    if (durability == TxnRecordDurability::kBeforeReturn) durable = records.size();
    return Status::ok();
  }
  Status sync() override {
    durable = records.size();
    return Status::ok();
  }
  Status append_tombstone(const std::string& transactional_id) override {
    records.emplace_back(transactional_id, std::string());
    return Status::ok();
  }
  Status replay(const std::function<void(TxnMetadata)>& visit,
                const std::function<void(const std::string&)>& forget) override {
    for (const auto& [id, value] : records) {
      if (value.empty()) {
        forget(id);
        continue;
      }
      auto txn = decode_txn_value(id, value);
      if (!txn.is_ok()) return txn.status();
      visit(*txn);
    }
    return Status::ok();
  }
  std::vector<std::pair<std::string, std::string>> records;
  size_t durable = 0;  // records[0, durable) are on "disk"
};

struct Marker {
  TopicPartition tp;
  int64_t producer_id;
  int16_t epoch;
  ControlType type;
  bool synced;
};

class TransactionCoordinatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ids = ProducerIdAllocator::open(dir_.path());
    ASSERT_TRUE(ids.is_ok());
    ids_ = std::move(ids).value();
    make_coordinator();
  }
  void make_coordinator() {
    TransactionEffects effects;
    effects.append_marker = [this](const TopicPartition& tp, int64_t pid, int16_t epoch, ControlType type) {
      markers_.push_back({tp, pid, epoch, type, /*synced=*/false});
      return Status::ok();
    };
    effects.sync_partitions = [this](const std::vector<TopicPartition>& partitions) {
      ++sync_calls_;
      for (Marker& marker : markers_) {
        for (const TopicPartition& tp : partitions) marker.synced = marker.synced || marker.tp == tp;
      }
      return Status::ok();
    };
    effects.commit_offsets = [this](const std::string& group, const std::map<TopicPartition, PendingOffset>& offsets) {
      for (const auto& [tp, offset] : offsets) committed_[group][tp] = offset.offset;
      return Status::ok();
    };
    effects.partition_exists = [](const TopicPartition& tp) { return tp.topic != "missing"; };
    coordinator_ = std::make_unique<TransactionCoordinator>(TransactionCoordinator::Options{}, store_, *ids_, effects,
                                                            [this] { return now_; });
    ASSERT_TRUE(coordinator_->load().is_ok());
  }

  testing::TemporaryDirectory dir_;
  MemoryStore store_;
  std::unique_ptr<ProducerIdAllocator> ids_;
  std::unique_ptr<TransactionCoordinator> coordinator_;
  std::vector<Marker> markers_;
  int sync_calls_ = 0;
  std::map<std::string, std::map<TopicPartition, int64_t>> committed_;
  int64_t now_ = 1000;
};

TEST_F(TransactionCoordinatorTest, CommitWritesMarkersToEveryPartitionAndCommitsOffsets) {
  auto init = coordinator_->init_producer_id("t1", 60000, -1, -1);
  ASSERT_EQ(init.error, TxnError::kNone);
  auto added = coordinator_->add_partitions("t1", init.producer_id, init.producer_epoch, {{"out", 0}, {"out", 1}});
  EXPECT_EQ(added.at({"out", 0}), TxnError::kNone);
  EXPECT_EQ(coordinator_->add_offsets("t1", init.producer_id, init.producer_epoch, "g"), TxnError::kNone);
  EXPECT_EQ(coordinator_->txn_offset_commit("t1", init.producer_id, init.producer_epoch, "g", {{{"in", 0}, {17, -1, {}}}}),
            TxnError::kNone);
  EXPECT_TRUE(committed_.empty());  // not before the commit
  EXPECT_EQ(coordinator_->end_txn("t1", init.producer_id, init.producer_epoch, true), TxnError::kNone);
  ASSERT_EQ(markers_.size(), 2u);
  EXPECT_EQ(markers_[0].type, ControlType::kCommit);
  EXPECT_EQ(committed_["g"][(TopicPartition{"in", 0})], 17);
  EXPECT_EQ(coordinator_->describe("t1")->state, TxnState::kCompleteCommit);
  // A retried EndTxn of the same decision succeeds; the other one does not.
  EXPECT_EQ(coordinator_->end_txn("t1", init.producer_id, init.producer_epoch, true), TxnError::kNone);
  EXPECT_EQ(coordinator_->end_txn("t1", init.producer_id, init.producer_epoch, false), TxnError::kInvalidTxnState);
}

TEST_F(TransactionCoordinatorTest, AbortDropsTheOffsets) {
  auto init = coordinator_->init_producer_id("t1", 60000, -1, -1);
  coordinator_->add_offsets("t1", init.producer_id, init.producer_epoch, "g");
  coordinator_->txn_offset_commit("t1", init.producer_id, init.producer_epoch, "g", {{{"in", 0}, {17, -1, {}}}});
  coordinator_->add_partitions("t1", init.producer_id, init.producer_epoch, {{"out", 0}});
  EXPECT_EQ(coordinator_->end_txn("t1", init.producer_id, init.producer_epoch, false), TxnError::kNone);
  ASSERT_EQ(markers_.size(), 1u);
  EXPECT_EQ(markers_[0].type, ControlType::kAbort);
  EXPECT_TRUE(committed_.empty());
}

TEST_F(TransactionCoordinatorTest, SecondProducerFencesTheFirstAndAbortsItsTransaction) {
  auto first = coordinator_->init_producer_id("t1", 60000, -1, -1);
  coordinator_->add_partitions("t1", first.producer_id, first.producer_epoch, {{"out", 0}});
  auto second = coordinator_->init_producer_id("t1", 60000, -1, -1);
  ASSERT_EQ(second.error, TxnError::kNone);
  EXPECT_EQ(second.producer_id, first.producer_id);
  EXPECT_GT(second.producer_epoch, first.producer_epoch);
  ASSERT_EQ(markers_.size(), 1u);
  EXPECT_EQ(markers_[0].type, ControlType::kAbort);
  EXPECT_GT(markers_[0].epoch, first.producer_epoch);
  EXPECT_EQ(coordinator_->end_txn("t1", first.producer_id, first.producer_epoch, true), TxnError::kProducerFenced);
  EXPECT_EQ(coordinator_->add_partitions("t1", first.producer_id, first.producer_epoch, {{"out", 0}}).at({"out", 0}),
            TxnError::kProducerFenced);
}

TEST_F(TransactionCoordinatorTest, UnknownPartitionRefusesTheWholeRequest) {
  auto init = coordinator_->init_producer_id("t1", 60000, -1, -1);
  auto added = coordinator_->add_partitions("t1", init.producer_id, init.producer_epoch, {{"out", 0}, {"missing", 0}});
  EXPECT_EQ(added.at({"missing", 0}), TxnError::kUnknownTopicOrPartition);
  EXPECT_EQ(added.at({"out", 0}), TxnError::kOperationNotAttempted);
  EXPECT_EQ(coordinator_->describe("t1")->state, TxnState::kEmpty);
}

TEST_F(TransactionCoordinatorTest, TimedOutTransactionIsAbortedByTick) {
  auto init = coordinator_->init_producer_id("t1", 5000, -1, -1);
  coordinator_->add_partitions("t1", init.producer_id, init.producer_epoch, {{"out", 0}});
  now_ += 5000;
  coordinator_->tick();
  EXPECT_TRUE(markers_.empty());
  now_ += 1;
  coordinator_->tick();
  ASSERT_EQ(markers_.size(), 1u);
  EXPECT_EQ(markers_[0].type, ControlType::kAbort);
  EXPECT_EQ(coordinator_->describe("t1")->state, TxnState::kCompleteAbort);
  EXPECT_EQ(coordinator_->end_txn("t1", init.producer_id, init.producer_epoch, true), TxnError::kProducerFenced);
}

TEST_F(TransactionCoordinatorTest, PreparedCommitIsCompletedOnLoad) {
  auto init = coordinator_->init_producer_id("t1", 60000, -1, -1);
  coordinator_->add_partitions("t1", init.producer_id, init.producer_epoch, {{"out", 0}});
  // A crash between PrepareCommit and the markers: the log ends with it.
  TxnMetadata prepared = *coordinator_->describe("t1");
  prepared.state = TxnState::kPrepareCommit;
  ASSERT_TRUE(store_.append(prepared, TxnRecordDurability::kBeforeReturn).is_ok());
  make_coordinator();
  ASSERT_EQ(markers_.size(), 1u);
  EXPECT_EQ(markers_[0].type, ControlType::kCommit);
  EXPECT_EQ(coordinator_->describe("t1")->state, TxnState::kCompleteCommit);
  // Producer ids survive: the same transactional id keeps its id.
  auto again = coordinator_->init_producer_id("t1", 60000, -1, -1);
  EXPECT_EQ(again.producer_id, init.producer_id);
}

TEST_F(TransactionCoordinatorTest, EndTxnWaitsForTheDecisionAndOneSyncOfAllMarkers) {
  auto init = coordinator_->init_producer_id("t1", 60000, -1, -1);
  coordinator_->add_partitions("t1", init.producer_id, init.producer_epoch, {{"out", 0}, {"out", 1}, {"out", 2}});
  coordinator_->add_offsets("t1", init.producer_id, init.producer_epoch, "g");
  coordinator_->txn_offset_commit("t1", init.producer_id, init.producer_epoch, "g", {{{"in", 0}, {17, -1, {}}}});
  EXPECT_EQ(store_.durable, store_.records.size());  // what was answered is on disk
  const size_t before_end = store_.records.size();
  ASSERT_EQ(coordinator_->end_txn("t1", init.producer_id, init.producer_epoch, true), TxnError::kNone);
  // PrepareCommit durable, the three markers fsynced by one call, then
  // CompleteCommit appended without waiting.
  ASSERT_EQ(store_.records.size(), before_end + 2);
  EXPECT_EQ(store_.durable, before_end + 1);
  EXPECT_EQ(decode_txn_value("t1", store_.records[before_end].second)->state, TxnState::kPrepareCommit);
  EXPECT_EQ(decode_txn_value("t1", store_.records[before_end + 1].second)->state, TxnState::kCompleteCommit);
  EXPECT_EQ(sync_calls_, 1);
  ASSERT_EQ(markers_.size(), 3u);
  for (const Marker& marker : markers_) EXPECT_TRUE(marker.synced);
  // The next tick makes the completion durable.
  coordinator_->tick();
  EXPECT_EQ(store_.durable, store_.records.size());
}

TEST_F(TransactionCoordinatorTest, LostCompletionRecordWritesTheMarkersAgainOnLoad) {
  auto init = coordinator_->init_producer_id("t1", 60000, -1, -1);
  coordinator_->add_partitions("t1", init.producer_id, init.producer_epoch, {{"out", 0}});
  coordinator_->add_offsets("t1", init.producer_id, init.producer_epoch, "g");
  coordinator_->txn_offset_commit("t1", init.producer_id, init.producer_epoch, "g", {{{"in", 0}, {17, -1, {}}}});
  ASSERT_EQ(coordinator_->end_txn("t1", init.producer_id, init.producer_epoch, true), TxnError::kNone);
  // kill -9 before the next record or tick: only the durable prefix survives.
  store_.records.resize(store_.durable);
  committed_.clear();
  make_coordinator();
  ASSERT_EQ(markers_.size(), 2u);
  EXPECT_EQ(markers_[1].type, ControlType::kCommit);
  EXPECT_EQ(committed_["g"][(TopicPartition{"in", 0})], 17);
  EXPECT_EQ(coordinator_->describe("t1")->state, TxnState::kCompleteCommit);
}

TEST_F(TransactionCoordinatorTest, IdleTransactionalIdsExpireAndStayForgottenAfterALoad) {
  constexpr int64_t kWeek = 604800000;
  auto old_id = coordinator_->init_producer_id("old", 60000, -1, -1);
  now_ += kWeek - 1;
  auto recent = coordinator_->init_producer_id("recent", 60000, -1, -1);
  coordinator_->tick();
  EXPECT_TRUE(coordinator_->describe("old").has_value()) << "idle one ms less than the expiration";
  now_ += 1;
  coordinator_->tick();
  EXPECT_FALSE(coordinator_->describe("old").has_value());
  EXPECT_TRUE(coordinator_->describe("recent").has_value());
  coordinator_->tick();
  EXPECT_EQ(store_.durable, store_.records.size()) << "the tombstone is made durable by the next tick";
  make_coordinator();
  EXPECT_FALSE(coordinator_->describe("old").has_value());
  ASSERT_TRUE(coordinator_->describe("recent").has_value());
  EXPECT_EQ(coordinator_->describe("recent")->producer_id, recent.producer_id);
  // The expired id starts afresh: a new producer id, epoch 0.
  auto again = coordinator_->init_producer_id("old", 60000, -1, -1);
  EXPECT_NE(again.producer_id, old_id.producer_id);
  EXPECT_EQ(again.producer_epoch, 0);
}

TEST_F(TransactionCoordinatorTest, TimeoutAboveTheMaximumIsRefused) {
  EXPECT_EQ(coordinator_->init_producer_id("t1", 900001, -1, -1).error, TxnError::kInvalidTransactionTimeout);
}

}  // namespace
}  // namespace loch::kafka::txn
