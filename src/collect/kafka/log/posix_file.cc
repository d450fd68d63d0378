#include "collect/kafka/log/posix_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include <fmt/format.h>

namespace loch::kafka {

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

Result<UniqueFd> open_file(const std::string& path, int flags, int mode) {
  int fd;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return Status::from_errno("open " + path, errno);
  return UniqueFd(fd);
}

Status pwrite_all(int fd, std::string_view bytes, uint64_t position, const std::string& path) {
  while (!bytes.empty()) {
    ssize_t n = ::pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(position));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::from_errno(fmt::format("write {} at byte {}", path, position), errno);
    }
    bytes.remove_prefix(static_cast<size_t>(n));
    position += static_cast<uint64_t>(n);
  }
  return Status::ok();
}

Status pwrite_all(int fd, std::string_view first, std::string_view second, uint64_t position,
                  const std::string& path) {
  iovec parts[2] = {{const_cast<char*>(first.data()), first.size()}, {const_cast<char*>(second.data()), second.size()}};
  ssize_t n;
  do {
    n = ::pwritev(fd, parts, 2, static_cast<off_t>(position));
  } while (n < 0 && errno == EINTR);
  if (n < 0) return Status::from_errno(fmt::format("write {} at byte {}", path, position), errno);
  auto written = static_cast<size_t>(n);
  if (written < first.size()) {
    LOCH_RETURN_IF_ERROR(pwrite_all(fd, first.substr(written), position + written, path));
    written = first.size();
  }
  return pwrite_all(fd, second.substr(written - first.size()), position + written, path);
}

Status pread_exact(int fd, char* out, size_t size, uint64_t position, const std::string& path) {
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::pread(fd, out + done, size - done, static_cast<off_t>(position + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::from_errno(fmt::format("read {} at byte {}", path, position + done), errno);
    }
    if (n == 0) {
      return Status::corruption(fmt::format("{}: file ends at byte {}, wanted {} bytes from byte {}", path,
                                            position + done, size, position));
    }
    done += static_cast<size_t>(n);
  }
  return Status::ok();
}

Result<uint64_t> file_size(int fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return Status::from_errno("stat " + path, errno);
  return static_cast<uint64_t>(st.st_size);
}

Status sync_data(int fd, const std::string& path) {
  if (::fdatasync(fd) != 0) return Status::from_errno("fdatasync " + path, errno);
  return Status::ok();
}

Status sync_directory(const std::string& path) {
  LOCH_ASSIGN_OR_RETURN(UniqueFd fd, open_file(path, O_RDONLY | O_DIRECTORY));
  if (::fsync(fd.get()) != 0) return Status::from_errno("fsync directory " + path, errno);
  return Status::ok();
}

Status write_file_atomically(const std::string& path, std::string_view contents) {
  std::string temporary = path + ".tmp";
  {
    LOCH_ASSIGN_OR_RETURN(UniqueFd fd, open_file(temporary, O_WRONLY | O_CREAT | O_TRUNC));
    LOCH_RETURN_IF_ERROR(pwrite_all(fd.get(), contents, 0, temporary));
    if (::fsync(fd.get()) != 0) return Status::from_errno("fsync " + temporary, errno);
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    return Status::from_errno(fmt::format("rename {} to {}", temporary, path), errno);
  }
  return sync_directory(std::filesystem::path(path).parent_path().string());
}

Result<std::string> read_whole_file(const std::string& path) {
  LOCH_ASSIGN_OR_RETURN(UniqueFd fd, open_file(path, O_RDONLY));
  LOCH_ASSIGN_OR_RETURN(uint64_t size, file_size(fd.get(), path));
  std::string contents(size, '\0');
  LOCH_RETURN_IF_ERROR(pread_exact(fd.get(), contents.data(), contents.size(), 0, path));
  return contents;
}

}  // namespace loch::kafka
