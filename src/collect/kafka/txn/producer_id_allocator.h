// ProducerIdAllocator: hands out producer ids that are never handed out
// twice, across restarts and kill -9. Ids are reserved in blocks of
// kBlockSize (Kafka's AllocateProducerIds does the same per broker): the
// end of the current block is written to <dir>/producer_id_block and
// fsynced (write to a temporary file, fsync, rename, fsync the directory)
// before any id of the block is used, so a restart resumes after the block
// and at most one block of ids is skipped. Format: doc/kafka-transactions.md,
// "Producer id block".
//
// Threading: next() may be called from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "common/result.h"

namespace loch::kafka::txn {

class ProducerIdAllocator {
 public:
  static constexpr int64_t kBlockSize = 1000;

  // Opens (creating `dir` if needed) and reads the last reserved block.
  static Result<std::unique_ptr<ProducerIdAllocator>> open(const std::string& dir);

  Result<int64_t> next();

 private:
  explicit ProducerIdAllocator(std::string file, int64_t next) : file_(std::move(file)), next_(next), block_end_(next) {}
  Status persist_block_end(int64_t end);

  const std::string file_;
  std::mutex mutex_;
  int64_t next_;       // guarded by mutex_
  int64_t block_end_;  // guarded by mutex_: ids below it are reserved on disk
};

}  // namespace loch::kafka::txn
