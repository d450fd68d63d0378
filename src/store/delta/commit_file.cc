#include "store/delta/commit_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <random>
#include <string>

namespace loch::delta {
namespace {

namespace fs = std::filesystem;

// A name no other writer (thread or process) will pick: pid, a per-process
// counter and random bits.
fs::path temporary_name(const fs::path& final_path) {
  static std::atomic<uint64_t> counter{0};
  thread_local std::mt19937_64 random{std::random_device{}()};
  const std::string name = "._loch_tmp." + final_path.filename().string() + "." + std::to_string(::getpid()) + "." +
                           std::to_string(counter.fetch_add(1)) + "." + std::to_string(random() % 1000000007ULL);
  return final_path.parent_path() / name;
}

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }
  Status close() {
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) return Status::from_errno("close", errno);
    return Status::ok();
  }

 private:
  int fd_;
};

// Writes and fsyncs a new temporary file holding `contents`.
Status write_temporary(const fs::path& temporary, std::string_view contents) {
  FileDescriptor fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (fd.get() < 0) return Status::from_errno("create " + temporary.string(), errno);
  size_t written = 0;
  while (written < contents.size()) {
    const ssize_t n = ::write(fd.get(), contents.data() + written, contents.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::from_errno("write " + temporary.string(), errno);
    }
    written += static_cast<size_t>(n);
  }
  // The commit is acknowledged only after its bytes are on disk: a crash
  // after link() must not expose an empty or partial commit file.
  if (::fsync(fd.get()) != 0) return Status::from_errno("fsync " + temporary.string(), errno);
  return fd.close();
}

}  // namespace

Status sync_directory(const fs::path& directory) {
  FileDescriptor fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return Status::from_errno("open " + directory.string(), errno);
  if (::fsync(fd.get()) != 0) return Status::from_errno("fsync " + directory.string(), errno);
  return Status::ok();
}

Status put_if_absent(const fs::path& path, std::string_view contents) {
  const fs::path temporary = temporary_name(path);
  Status written = write_temporary(temporary, contents);
  if (!written.is_ok()) {
    ::unlink(temporary.c_str());
    return written;
  }
  // link() never replaces an existing name: exactly one writer wins.
  const int linked = ::link(temporary.c_str(), path.c_str());
  const int link_errno = errno;
  ::unlink(temporary.c_str());
  if (linked != 0) {
    if (link_errno == EEXIST) return Status::already_exists(path.filename().string() + " already exists");
    return Status::from_errno("link " + path.string(), link_errno);
  }
  return sync_directory(path.parent_path());
}

Status write_atomically(const fs::path& path, std::string_view contents) {
  const fs::path temporary = temporary_name(path);
  Status written = write_temporary(temporary, contents);
  if (!written.is_ok()) {
    ::unlink(temporary.c_str());
    return written;
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const int rename_errno = errno;
    ::unlink(temporary.c_str());
    return Status::from_errno("rename to " + path.string(), rename_errno);
  }
  return sync_directory(path.parent_path());
}

}  // namespace loch::delta
