// ProducerStates: the ProducerStateTable of every partition, and the only
// path by which batches of idempotent/transactional producers and
// transaction markers enter a partition log, so that the check against the
// table, the append and the table update happen as one step per partition.
//
// A partition's table is built from its log the first time the partition is
// used (and again when the topic was deleted and created anew): every batch
// header from the log start offset is fed to it, and control batches are
// read to learn commit from abort. Recovery truncation happens in
// PartitionLog::open, before that, so the table never describes cut-off
// batches; batches removed by retention leave the producers' sequence state
// in place (as Kafka keeps it until producer.id.expiration.ms) and drop their
// aborted transactions.
//
// Threading: every method may be called from any thread; one mutex per
// partition serialises producers of that partition, fsyncs happen outside it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "collect/kafka/log/partition_log.h"
#include "collect/kafka/txn/producer_state.h"

namespace loch::kafka::txn {

struct ProducedAppend {
  Status status;                                   // the log refused the batch (not ok) ...
  AppendVerdict verdict = AppendVerdict::kAppend;  // ... or the producer checks did
  std::string message;
  AppendResult result;  // the offsets, when appended or a duplicate
};

// What the broker did to a producer's batch before it reached append: its
// data contract removed records that go to a dead-letter topic
// (broker/contract_step.h).
struct BatchRewrite {
  // kAllowed: the batch keeps the producer's offset range (and so its
  // sequence range) with fewer records in it.
  OffsetGaps gaps = OffsetGaps::kRefused;
  // Writes the removed records elsewhere. Called under the partition's lock
  // once the batch is known to be new, just before it is appended, so a
  // retried batch (a duplicate) or a refused one writes nothing; an error
  // stops the append and is the answer.
  std::function<Status()> before_append;
};

// What Fetch needs of a partition for read_committed.
struct StableView {
  int64_t last_stable_offset = 0;
  std::vector<AbortedTxn> aborted;
};

class ProducerStates {
 public:
  ProducerStates() = default;

  // Checks `batch` (one whole batch from a producer) against the
  // partition's producer state and appends it when new. A duplicate is not
  // appended and answers the offsets of the original.
  ProducedAppend append(const std::string& topic, int32_t partition, const std::shared_ptr<PartitionLog>& log,
                        std::string_view batch, Durability durability, const BatchRewrite& rewrite = {});

  // Appends a COMMIT or ABORT control batch for `producer_id`, without
  // waiting for the disk: the coordinator fsyncs every partition of the
  // transaction together afterwards, and completes it only then.
  Result<AppendResult> append_marker(const std::string& topic, int32_t partition,
                                     const std::shared_ptr<PartitionLog>& log, int64_t producer_id,
                                     int16_t producer_epoch, int32_t coordinator_epoch, ControlType type);

  // The last stable offset and the aborted transactions overlapping
  // [from, last stable offset).
  StableView stable_view(const std::string& topic, int32_t partition, const std::shared_ptr<PartitionLog>& log,
                         int64_t from);

  // ProducerStateTable::expire_producers on every partition's table built
  // so far (a table built later, from the log, drops them at the next call).
  // Returns how many producers were dropped.
  size_t expire_producers(int64_t now_ms, int64_t expiration_ms);

  // Calls `visit` with the partition's table, under its lock.
  void inspect(const std::string& topic, int32_t partition, const std::shared_ptr<PartitionLog>& log,
               const std::function<void(const ProducerStateTable&)>& visit);

 private:
  struct Slot {
    std::mutex mutex;
    const PartitionLog* log = nullptr;  // guarded by mutex: the log the table was built from
    std::weak_ptr<PartitionLog> log_alive;
    ProducerStateTable table;           // guarded by mutex
  };
  // The slot with its table built for `log`; returned locked.
  std::pair<std::shared_ptr<Slot>, std::unique_lock<std::mutex>> slot_for(const std::string& topic, int32_t partition,
                                                                          const std::shared_ptr<PartitionLog>& log);

  std::mutex mutex_;
  std::map<std::pair<std::string, int32_t>, std::shared_ptr<Slot>> slots_;  // guarded by mutex_
};

// The control record of a marker: key (version 0, type) and value
// (version 0, coordinator epoch), doc/kafka-transactions.md.
std::string encode_marker_batch(int64_t producer_id, int16_t producer_epoch, int32_t coordinator_epoch,
                                ControlType type, int64_t timestamp_ms);
// The type of the control batch at the front of `batch`; kCorruption if it
// holds no readable control record.
Result<ControlType> read_marker_type(std::string_view batch);

}  // namespace loch::kafka::txn
