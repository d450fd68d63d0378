// TransactionStateTopic: the transaction coordinator's log on the broker's
// own compacted topic __transaction_state (Kafka's transaction log): one
// record per state change, key and value as in transaction_metadata.h,
// replayed in offset order at start. loch keeps one partition
// (Kafka's transaction.state.log.num.partitions defaults to 50 to spread
// coordinators over brokers; a single node coordinates every id).
#pragma once

#include <memory>

#include "collect/kafka/log/log_manager.h"
#include "collect/kafka/txn/transaction_coordinator.h"

namespace loch::kafka::txn {

inline constexpr const char* kTransactionStateTopic = "__transaction_state";

class TransactionStateTopic final : public TransactionStateStore {
 public:
  // Opens __transaction_state in `logs`, creating it when absent.
  static Result<std::unique_ptr<TransactionStateTopic>> open(LogManager& logs);

  // One record; with kBeforeReturn fsynced before it returns (the
  // coordinator answers the client after it).
  Status append(const TxnMetadata& txn, TxnRecordDurability durability) override;
  Status sync() override;
  // A record with the id's key and a null value (compaction then drops the id).
  Status append_tombstone(const std::string& transactional_id) override;
  // Bad records are skipped with a warning naming their offset.
  Status replay(const std::function<void(TxnMetadata)>& visit,
                const std::function<void(const std::string&)>& forget) override;

 private:
  explicit TransactionStateTopic(LogManager& logs) : logs_(logs) {}
  LogManager& logs_;
};

}  // namespace loch::kafka::txn
