// PartitionLog: the on-disk log of one Kafka partition,
// <data-dir>/kafka/<topic>-<partition>/, a directory of segments named by
// their base offset (segment.h), plus the log start offset checkpoint.
// Formats and recovery rules: doc/kafka-log-format.md.
//
// Guarantees
// - Batches are stored byte for byte as the producer sent them, except the
//   8-byte baseOffset, which the log assigns: offsets are contiguous from the
//   log end offset (compaction later leaves gaps, never reorders).
// - An append made with Durability::kSyncBeforeReturn under the default
//   FlushPolicy::kEveryBatch is on disk (fdatasync) when append returns; after
//   a crash, open() keeps every such batch and cuts off only a torn or corrupt
//   tail after the last whole valid batch.
// - Errors from append say what to answer the producer:
//     kCorruption     -> CORRUPT_MESSAGE (length, CRC-32C, framing)
//     kNotSupported   -> UNSUPPORTED_FOR_MESSAGE_FORMAT (magic other than 2)
//     kInvalidArgument-> MESSAGE_TOO_LARGE (max.message.bytes, see check_batch_size)
//     kIOError        -> KAFKA_STORAGE_ERROR
//     kAborted        -> the log is closed (topic deleted, shutdown)
//   and read/delete_records answer kNotFound for OFFSET_OUT_OF_RANGE.
//
// Threading: every public method may be called from any thread. `mutex_`
// guards the segment list and offsets; appends hold it while writing (not
// while fsyncing), reads hold it only to pick segments and sizes and read
// the bytes without it, so fetches run concurrently with appends.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collect/kafka/log/log_config.h"
#include "collect/kafka/log/record.h"
#include "collect/kafka/log/segment.h"
#include "common/result.h"
#include "common/strong_types.h"

namespace loch::kafka {

// Milliseconds since the Unix epoch; injectable so tests control time.
using Clock = std::function<int64_t()>;
int64_t system_clock_ms();

struct PartitionLogOptions {
  LogConfig config;
  Clock clock = system_clock_ms;
  // Validate the CRC of every batch of every segment on open, not only of the
  // newest segment (older ones were fsynced when the next one was created).
  bool validate_all_segments = false;
  // Lets compaction and ListOffsets look inside compressed batches (the
  // protocol library's codecs); without it they treat such batches whole.
  Decompressor decompress;
};

// What open() found: the recovery of each segment it validated or rebuilt.
struct LogRecovery {
  std::vector<SegmentRecovery> segments;  // only segments validated or with rebuilt indexes
  bool truncated = false;                 // some torn or corrupt tail was cut off
  uint64_t truncated_bytes = 0;
  Offset log_start_offset;
  Offset log_end_offset;
  std::string summary() const;
};

enum class Durability {
  kSyncBeforeReturn,  // acks=all: on disk before append returns (FlushPolicy::kEveryBatch)
  kNoWait,            // acks=0/1: on disk at the next sync point
};

// Whether a batch may leave holes in its offset range. Producers' batches
// may not (records 0..n-1). A batch the broker rebuilt from a producer's
// after its data contract diverted records (contracts/contract_enforcer.h)
// keeps the original lastOffsetDelta, and with it the idempotent producer's
// sequence range, so it holds fewer records than offsets, or none at all,
// as compacted batches do. Its lastOffsetDelta was checked when the
// producer's batch was, which bounds the holes.
enum class OffsetGaps {
  kRefused,  // recordsCount == lastOffsetDelta + 1 >= 1
  kAllowed,  // 0 <= recordsCount <= lastOffsetDelta + 1
};

struct AppendResult {
  Offset base_offset;
  Offset last_offset;
  Offset log_start_offset;
};

struct ReadResult {
  std::string bytes;             // whole batches, the first containing the offset asked for
  Offset high_watermark;
  Offset log_start_offset;
};

// Where the batches of a read are, without their bytes: a Fetch reads them
// straight into its response buffer, so they are copied once.
struct ReadPlan {
  struct Piece {
    std::shared_ptr<Segment> segment;
    uint64_t position = 0;
    size_t size = 0;
  };
  std::vector<Piece> pieces;
  size_t size = 0;  // the sum of the pieces' sizes
  Offset high_watermark;
  Offset log_start_offset;

  // Reads the planned bytes into `out`, which has room for `size` bytes.
  // Bytes below the sizes planned never change (segment.h), so this may run
  // any time after planning, with appends and compaction going on.
  Status read_into(char* out) const;
};

struct TimestampOffset {
  Offset offset;
  int64_t timestamp = 0;
};

struct RetentionResult {
  int segments_deleted = 0;
  uint64_t bytes_deleted = 0;
  Offset log_start_offset;
};

struct CompactionResult {
  int segments_rewritten = 0;
  int64_t records_removed = 0;
  int64_t tombstones_removed = 0;
  int64_t batches_not_compacted = 0;  // compressed, transactional or control: copied whole
  uint64_t bytes_before = 0;
  uint64_t bytes_after = 0;
};

class PartitionLog {
 public:
  // Opens (creating if missing) the partition directory `dir` and recovers
  // it: stray temporary files are removed, the newest segment is validated
  // batch by batch and its torn tail truncated (logged as a warning), and
  // indexes found missing or inconsistent are rebuilt.
  static Result<std::unique_ptr<PartitionLog>> open(const std::string& dir, PartitionLogOptions options,
                                                    LogRecovery* recovery = nullptr);
  ~PartitionLog();
  PartitionLog(const PartitionLog&) = delete;
  PartitionLog& operator=(const PartitionLog&) = delete;

  // Appends one record batch (magic v2, exactly one batch), assigning it the
  // offsets from log_end_offset(). Validates the length, magic and CRC-32C,
  // that lastOffsetDelta is recordsCount - 1 (>= 1 record; `gaps` relaxes
  // this for batches the broker rebuilt), and the max.message.bytes limit
  // first; rolls the segment when segment.bytes or segment.ms says so.
  Result<AppendResult> append(std::string_view batch, Durability durability = Durability::kSyncBeforeReturn,
                              OffsetGaps gaps = OffsetGaps::kRefused);

  // Whole batches starting with the one that contains `offset`, up to
  // `max_bytes` (always at least one batch, as Kafka does since KIP-74, so a
  // consumer is never stuck behind a large batch). Empty at the log end;
  // kNotFound when `offset` is below the log start or past the end.
  Result<ReadResult> read(Offset offset, size_t max_bytes) const;
  // The same batches as read(offset, max_bytes), as a plan: only batch
  // headers near the cut are read (the offset index says where most batches
  // start), the records stay on disk until ReadPlan::read_into.
  Result<ReadPlan> plan_read(Offset offset, size_t max_bytes) const;

  // The first offset whose record timestamp is >= `timestamp` (ListOffsets),
  // or nullopt when every record is older. Exact, except in a compressed
  // batch without a Decompressor, which answers with its base offset and
  // maxTimestamp.
  Result<std::optional<TimestampOffset>> offset_for_timestamp(int64_t timestamp) const;

  // Calls `visit` with the header of each batch from the one containing
  // `from` (or the first after it) to the end as of the call, until it
  // returns false; headers carry the assigned baseOffset. For state kept
  // beside the log and rebuilt from it on open (idempotent producers'
  // sequence numbers, transactions).
  Status visit_batch_headers(Offset from, const std::function<bool(const RecordBatchHeader&)>& visit) const;

  Offset log_start_offset() const;
  Offset log_end_offset() const;
  // One node is the whole in-sync replica set, so the high watermark is the
  // log end offset.
  Offset high_watermark() const { return log_end_offset(); }
  // Every offset below this one is known to be on disk.
  Offset flushed_offset() const { return Offset(flushed_offset_.load()); }
  uint64_t size_bytes() const;
  int segment_count() const;

  // DeleteRecords: moves the log start offset up to `offset` (Offset(-1):
  // the high watermark, as in the protocol), persists it, and deletes
  // segments wholly below it. Returns the new log start offset.
  // kNotFound when `offset` is past the high watermark.
  Result<Offset> delete_records_before(Offset offset);

  // fsyncs everything appended so far.
  Status flush();
  // fsyncs everything appended so far unless every offset below `offset` is
  // already on disk: a caller waiting for its own batch shares the fsync
  // another caller made meanwhile (group commit).
  Status flush_through(int64_t offset);
  // Whether acks=all appends must be fsynced before they are acknowledged
  // (FlushPolicy::kEveryBatch) or wait for the interval flush like any other.
  FlushPolicy flush_policy() const;
  // Flushes when appends are waiting for the disk and flush.ms has passed
  // since the last flush (under either policy: kNoWait appends of
  // kEveryBatch wait for it too). The broker calls it periodically.
  Status flush_if_due();

  // retention.ms / retention.bytes (cleanup.policy=delete): deletes whole
  // old segments and advances the log start offset. An expired active
  // segment is rolled first so that it can go too.
  Result<RetentionResult> enforce_retention();

  // cleanup.policy=compact: rewrites every segment but the active one,
  // keeping the last record of each key and dropping tombstones older than
  // delete.retention.ms; offsets are preserved. Transactional and control
  // batches, and compressed ones without a Decompressor, are kept whole
  // (log_cleaner.h).
  Result<CompactionResult> compact();

  // Replaces the settings (AlterConfigs); takes effect from the next append.
  void set_config(const LogConfig& config);
  LogConfig config() const;

  // Flushes and refuses further appends with kAborted.
  Status close();
  const std::string& dir() const { return dir_; }

 private:
  PartitionLog(std::string dir, PartitionLogOptions options);
  Status recover(LogRecovery* recovery);
  Status roll_locked();
  std::shared_ptr<Segment> active_locked() const { return segments_.rbegin()->second; }
  Status delete_segment_locked(int64_t base_offset, RetentionResult& result);
  Status persist_log_start_offset(int64_t offset);

  // What a read from `offset` walks: the log's bounds, and the segments from
  // the one holding the first batch at or after `offset` (found past any gap
  // compaction left; its location in `first`, parts[0] starting there) to
  // the end. No parts when `offset` is the log's end or no batch follows it.
  struct ReadSpan {
    struct Part {
      std::shared_ptr<Segment> segment;
      uint64_t start;
      uint64_t limit;
    };
    Offset high_watermark;
    Offset log_start_offset;
    std::vector<Part> parts;
    std::optional<BatchLocation> first;
  };
  Result<ReadSpan> read_span(int64_t offset) const;

  const std::string dir_;
  const Clock clock_;
  const bool validate_all_segments_;
  const Decompressor decompress_;

  mutable std::mutex mutex_;
  LogConfig config_;                                       // guarded by mutex_
  std::map<int64_t, std::shared_ptr<Segment>> segments_;  // guarded by mutex_; never empty once open
  int64_t log_start_offset_ = 0;                           // guarded by mutex_
  int64_t log_end_offset_ = 0;                             // guarded by mutex_
  bool closed_ = false;                                    // guarded by mutex_

  std::mutex flush_mutex_;                 // one fdatasync at a time; taken without mutex_ held
  std::atomic<int64_t> flushed_offset_{0};
  std::atomic<int64_t> last_flush_ms_{0};
  std::mutex compaction_mutex_;            // one compaction at a time
};

}  // namespace loch::kafka
