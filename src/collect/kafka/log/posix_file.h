// The few POSIX file operations the partition log needs, with errors as
// Status values and file descriptors owned by RAII.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/status.h"

namespace loch::kafka {

// Owns a file descriptor; closes it when destroyed.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd();
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_ = -1;
};

// open(2) with O_CLOEXEC; `path` is named in the error.
Result<UniqueFd> open_file(const std::string& path, int flags, int mode = 0644);

// Writes all of `bytes` at `position` (pwrite, retried on short writes).
Status pwrite_all(int fd, std::string_view bytes, uint64_t position, const std::string& path);

// Writes `first` then `second` at `position` with one pwritev when it can
// (so a batch is written with its new baseOffset without being copied).
Status pwrite_all(int fd, std::string_view first, std::string_view second, uint64_t position,
                  const std::string& path);

// Reads exactly `size` bytes at `position` into `out`; kCorruption when the
// file ends first.
Status pread_exact(int fd, char* out, size_t size, uint64_t position, const std::string& path);

// The size of an open file.
Result<uint64_t> file_size(int fd, const std::string& path);

// fdatasync(2): the file's data (and the size, which fdatasync includes).
Status sync_data(int fd, const std::string& path);

// fsync(2) of a directory, so that creations, renames and deletions of the
// entries in it survive a crash.
Status sync_directory(const std::string& path);

// Replaces `path` with `contents` atomically: write a temporary file beside
// it, fsync it, rename it over `path`, fsync the directory.
Status write_file_atomically(const std::string& path, std::string_view contents);

// The whole content of a (small) file.
Result<std::string> read_whole_file(const std::string& path);

}  // namespace loch::kafka
