// The two sparse indexes of a log segment, kept whole in memory and appended
// to their files (doc/kafka-log-format.md, "Offset index" and "Time index").
// Both can always be rebuilt from the segment's .log file, so they are never
// fsynced and are checked (is_consistent_with) when a segment is opened.
//
// Not thread-safe: the owning PartitionLog's mutex guards them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "collect/kafka/log/posix_file.h"
#include "common/result.h"

namespace loch::kafka {

// Entries (relative offset, byte position): the batch whose baseOffset is
// segment base + relative offset starts at that position in the .log file.
class OffsetIndex {
 public:
  static constexpr size_t kEntrySize = 8;
  struct Entry {
    uint32_t relative_offset;
    uint32_t position;
  };

  OffsetIndex() = default;
  // Opens (creating if missing) and loads the file at `path`. A file whose
  // size is not a whole number of entries loads as empty with `damaged` set.
  static Result<OffsetIndex> open(const std::string& path);

  // Appends an entry in memory and in the file.
  Status append(uint32_t relative_offset, uint32_t position);
  // The position to start scanning from for `relative_offset`: that of the
  // last entry at or before it, else 0.
  uint32_t lookup(uint32_t relative_offset) const;
  // Replaces the file and the memory with `entries`.
  Status reset(std::vector<Entry> entries);

  const std::vector<Entry>& entries() const { return entries_; }
  bool damaged() const { return damaged_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  UniqueFd fd_;
  std::vector<Entry> entries_;
  bool damaged_ = false;
};

// Entries (timestamp, relative offset): every batch before that offset has a
// maxTimestamp at most `timestamp`. Timestamps strictly increase.
class TimeIndex {
 public:
  static constexpr size_t kEntrySize = 12;
  struct Entry {
    int64_t timestamp;
    uint32_t relative_offset;
  };

  TimeIndex() = default;
  static Result<TimeIndex> open(const std::string& path);

  Status append(int64_t timestamp, uint32_t relative_offset);
  // The relative offset to start scanning from to find the first batch with
  // maxTimestamp >= `timestamp`: that of the last entry below it, else 0.
  uint32_t lookup(int64_t timestamp) const;
  Status reset(std::vector<Entry> entries);

  const std::vector<Entry>& entries() const { return entries_; }
  int64_t last_timestamp() const { return entries_.empty() ? -1 : entries_.back().timestamp; }
  bool damaged() const { return damaged_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  UniqueFd fd_;
  std::vector<Entry> entries_;
  bool damaged_ = false;
};

}  // namespace loch::kafka
