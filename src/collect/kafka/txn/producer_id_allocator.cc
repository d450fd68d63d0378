#include "collect/kafka/txn/producer_id_allocator.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace loch::kafka::txn {
namespace {

Status sync_path(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags);
  if (fd < 0) return Status::io_error(fmt::format("{}: {}", path, std::strerror(errno)));
  int rc = ::fsync(fd);
  int saved = errno;
  ::close(fd);
  if (rc != 0) return Status::io_error(fmt::format("fsync {}: {}", path, std::strerror(saved)));
  return Status::ok();
}

}  // namespace

Result<std::unique_ptr<ProducerIdAllocator>> ProducerIdAllocator::open(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::io_error(fmt::format("cannot create {}: {}", dir, ec.message()));
  std::string file = dir + "/producer_id_block";
  int64_t next = 0;
  std::ifstream in(file);
  if (in) {
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // "<end of the last reserved block>\n"
    std::istringstream parse(text);
    if (!(parse >> next) || next < 0) {
      return Status::corruption(fmt::format("{}: expected a non-negative producer id, found '{}'", file, text));
    }
  }
  return std::unique_ptr<ProducerIdAllocator>(new ProducerIdAllocator(file, next));
}

Status ProducerIdAllocator::persist_block_end(int64_t end) {
  std::string tmp = file_ + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << end << "\n";
    out.flush();
    if (!out) return Status::io_error("cannot write " + tmp);
  }
  // Every id below `end` may be handed out once this returns: it must be on
  // disk before the first of them reaches a producer.
  if (Status s = sync_path(tmp, O_RDONLY); !s.is_ok()) return s;
  if (::rename(tmp.c_str(), file_.c_str()) != 0) {
    return Status::io_error(fmt::format("rename {}: {}", tmp, std::strerror(errno)));
  }
  return sync_path(std::filesystem::path(file_).parent_path().string(), O_RDONLY | O_DIRECTORY);
}

Result<int64_t> ProducerIdAllocator::next() {
  std::lock_guard lock(mutex_);
  if (next_ >= block_end_) {
    int64_t end = next_ + kBlockSize;
    if (Status s = persist_block_end(end); !s.is_ok()) return s;
    block_end_ = end;
  }
  return next_++;
}

}  // namespace loch::kafka::txn
