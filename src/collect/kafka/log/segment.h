// One segment of a partition log: <base offset, 20 digits>.log holding whole
// record batches back to back, with its .index and .timeindex
// (doc/kafka-log-format.md). The file names and contents are Kafka's, so
// Kafka's own tools (kafka-dump-log) read the .log files.
//
// Threading: a Segment is owned by a PartitionLog through shared_ptr. The
// methods marked "mutex held" change or read in-memory state and are called
// only with the partition's mutex held. The methods marked "lock-free" read
// bytes below a size the caller read under that mutex; bytes below that size
// never change while the Segment exists (appends only add after it, and
// compaction replaces the Segment object rather than its file's bytes), so
// fetches read without blocking appends.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "collect/kafka/log/posix_file.h"
#include "collect/kafka/log/record_batch_header.h"
#include "collect/kafka/log/segment_index.h"
#include "common/result.h"

namespace loch::kafka {

// What opening a segment found and did.
struct SegmentRecovery {
  bool validated = false;         // every batch's length and CRC-32C was checked
  int64_t batches = 0;            // whole valid batches kept (when validated)
  bool truncated = false;         // a torn or corrupt tail was cut off
  uint64_t truncated_at = 0;      // byte position of the cut
  uint64_t truncated_bytes = 0;   // bytes removed
  std::string reason;             // why the tail was cut (the first bad batch)
  bool indexes_rebuilt = false;   // the .index/.timeindex differed from the data
};

struct BatchLocation {
  uint64_t position = 0;
  RecordBatchHeader header;
};

class Segment {
 public:
  enum class OpenMode {
    kTrustData,           // older segments: fsynced before the next segment was made
    kValidateEveryBatch,  // the newest segment, which a crash may have torn:
                          // offsets must also be contiguous, since the CRC
                          // does not cover baseOffset
    kValidateWithGaps,    // like kValidateEveryBatch, for segments that
                          // compaction may have rewritten (offset gaps)
  };

  // "00000000000000001234": Kafka's 20-digit, zero-padded segment name.
  static std::string file_stem(int64_t base_offset);

  // Makes new empty files (failing if they exist) and fsyncs the directory,
  // so a segment that acknowledged data survives a crash with its name.
  static Result<std::shared_ptr<Segment>> create(const std::string& dir, int64_t base_offset,
                                                 uint32_t index_interval_bytes, int64_t now_ms);

  // Opens existing files. kValidateEveryBatch (or indexes found inconsistent)
  // reads every batch, checks its length and CRC-32C, truncates the file at
  // the first bad one, and rebuilds the indexes; `recovery` says what happened.
  static Result<std::shared_ptr<Segment>> open(const std::string& dir, int64_t base_offset,
                                               uint32_t index_interval_bytes, OpenMode mode, int64_t now_ms,
                                               SegmentRecovery* recovery);

  ~Segment();
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;

  // --- mutex held ---
  // Whether a batch of `size` bytes ending at `last_offset` fits: positions
  // and relative offsets in the indexes are 32-bit.
  bool can_hold(size_t size, int64_t last_offset) const;
  // Writes `batch` at the end of the file with its first 8 bytes (baseOffset)
  // replaced by `header.base_offset`, and indexes it. Not fsynced: see flush().
  Status append(std::string_view batch, const RecordBatchHeader& header);
  // The position to start scanning at for `offset` / for `timestamp`.
  uint64_t position_for_offset(int64_t offset) const;
  uint64_t position_for_timestamp(int64_t timestamp) const;
  // The largest indexed batch start at or before `position` (0 when none):
  // a point where whole batches end, known without reading the file.
  uint64_t indexed_batch_start_at_or_before(uint64_t position) const;

  int64_t base_offset() const { return base_offset_; }
  uint64_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // One past the last offset of the last batch; base_offset() when empty.
  int64_t next_offset() const { return next_offset_; }
  // The largest batch maxTimestamp, -1 when empty.
  int64_t max_timestamp() const { return max_timestamp_; }
  // The time segment.ms counts from: creation time, or, for a reopened
  // segment, its first batch's maxTimestamp.
  int64_t rolling_timestamp_ms() const { return rolling_timestamp_ms_; }

  // --- lock-free (below a `limit` read under the mutex) ---
  // Calls `visit` for each batch header from `position` up to `limit` until
  // it returns false. kCorruption if a header or length does not fit.
  Status scan(uint64_t position, uint64_t limit,
              const std::function<bool(const BatchLocation&)>& visit) const;
  // The first batch at or after `position` whose last offset is >= `offset`.
  Result<std::optional<BatchLocation>> find_batch(uint64_t position, uint64_t limit, int64_t offset) const;
  // Appends `size` bytes at `position` to `out`.
  Status read(uint64_t position, size_t size, std::string& out) const;
  // Reads `size` bytes at `position` into `out` (which has room for them).
  Status read_into(uint64_t position, size_t size, char* out) const;
  // fdatasync of the .log file. Safe while appends go on: it covers at least
  // every byte written before it was called.
  Status flush() const;

  // --- exclusive (no other user) ---
  // Removes the three files; the open descriptors stay valid for readers
  // that still hold this Segment.
  Status delete_files() const;

  const std::string& log_path() const { return log_path_; }
  const std::string& index_path() const { return offset_index_.path(); }
  const std::string& time_index_path() const { return time_index_.path(); }

 private:
  Segment(std::string dir, int64_t base_offset, uint32_t index_interval_bytes);
  Status open_files();
  // Updates the in-memory state (and the indexes) for a batch at `position`.
  Status note_batch(const RecordBatchHeader& header, uint64_t position);
  bool indexes_look_consistent(uint64_t file_size) const;
  Status load_tail_from_index(uint64_t file_size);
  Status validate_and_rebuild(uint64_t file_size, bool allow_gaps, SegmentRecovery* recovery);

  std::string dir_;
  std::string log_path_;
  int64_t base_offset_;
  uint32_t index_interval_bytes_;
  UniqueFd log_fd_;
  OffsetIndex offset_index_;
  TimeIndex time_index_;

  uint64_t size_ = 0;
  int64_t next_offset_;
  int64_t max_timestamp_ = -1;
  int64_t rolling_timestamp_ms_ = 0;
  uint64_t bytes_since_index_entry_ = 0;
  int64_t max_timestamp_before_entry_ = -1;  // max over batches already noted
};

}  // namespace loch::kafka
