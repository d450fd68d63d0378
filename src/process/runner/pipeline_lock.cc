#include "process/runner/pipeline_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>

namespace loch::runner {

namespace fs = std::filesystem;

Result<int> acquire_pipeline_lock(const fs::path& data_dir, const std::string& pipeline) {
  fs::path dir = data_dir / "state";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::io_error("cannot create " + dir.string() + ": " + ec.message());
  fs::path path = dir / (pipeline + ".lock");
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::from_errno("open " + path.string(), errno);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return Status::aborted("pipeline " + pipeline + " is already running on " + data_dir.string() + " (" +
                           path.string() + " is locked)");
  }
  return fd;
}

}  // namespace loch::runner
