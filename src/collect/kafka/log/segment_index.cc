#include "collect/kafka/log/segment_index.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

#include "collect/kafka/log/record_batch_header.h"

namespace loch::kafka {
namespace {

Result<std::string> open_and_read(const std::string& path, UniqueFd& fd) {
  LOCH_ASSIGN_OR_RETURN(fd, open_file(path, O_RDWR | O_CREAT));
  LOCH_ASSIGN_OR_RETURN(uint64_t size, file_size(fd.get(), path));
  std::string bytes(size, '\0');
  LOCH_RETURN_IF_ERROR(pread_exact(fd.get(), bytes.data(), bytes.size(), 0, path));
  return bytes;
}

Status rewrite(int fd, const std::string& bytes, const std::string& path) {
  if (::ftruncate(fd, 0) != 0) return Status::from_errno("truncate " + path, errno);
  return pwrite_all(fd, bytes, 0, path);
}

}  // namespace

Result<OffsetIndex> OffsetIndex::open(const std::string& path) {
  OffsetIndex index;
  index.path_ = path;
  LOCH_ASSIGN_OR_RETURN(std::string bytes, open_and_read(path, index.fd_));
  if (bytes.size() % kEntrySize != 0) {
    index.damaged_ = true;
    return index;
  }
  for (size_t i = 0; i < bytes.size(); i += kEntrySize) {
    index.entries_.push_back({get_be32(bytes.data() + i), get_be32(bytes.data() + i + 4)});
  }
  return index;
}

Status OffsetIndex::append(uint32_t relative_offset, uint32_t position) {
  char entry[kEntrySize];
  put_be32(entry, relative_offset);
  put_be32(entry + 4, position);
  LOCH_RETURN_IF_ERROR(pwrite_all(fd_.get(), std::string_view(entry, kEntrySize), entries_.size() * kEntrySize, path_));
  entries_.push_back({relative_offset, position});
  return Status::ok();
}

uint32_t OffsetIndex::lookup(uint32_t relative_offset) const {
  auto it = std::upper_bound(entries_.begin(), entries_.end(), relative_offset,
                             [](uint32_t target, const Entry& e) { return target < e.relative_offset; });
  return it == entries_.begin() ? 0 : std::prev(it)->position;
}

Status OffsetIndex::reset(std::vector<Entry> entries) {
  std::string bytes(entries.size() * kEntrySize, '\0');
  for (size_t i = 0; i < entries.size(); ++i) {
    put_be32(bytes.data() + i * kEntrySize, entries[i].relative_offset);
    put_be32(bytes.data() + i * kEntrySize + 4, entries[i].position);
  }
  LOCH_RETURN_IF_ERROR(rewrite(fd_.get(), bytes, path_));
  entries_ = std::move(entries);
  damaged_ = false;
  return Status::ok();
}

Result<TimeIndex> TimeIndex::open(const std::string& path) {
  TimeIndex index;
  index.path_ = path;
  LOCH_ASSIGN_OR_RETURN(std::string bytes, open_and_read(path, index.fd_));
  if (bytes.size() % kEntrySize != 0) {
    index.damaged_ = true;
    return index;
  }
  for (size_t i = 0; i < bytes.size(); i += kEntrySize) {
    index.entries_.push_back(
        {static_cast<int64_t>(get_be64(bytes.data() + i)), get_be32(bytes.data() + i + 8)});
  }
  return index;
}

Status TimeIndex::append(int64_t timestamp, uint32_t relative_offset) {
  char entry[kEntrySize];
  put_be64(entry, static_cast<uint64_t>(timestamp));
  put_be32(entry + 8, relative_offset);
  LOCH_RETURN_IF_ERROR(pwrite_all(fd_.get(), std::string_view(entry, kEntrySize), entries_.size() * kEntrySize, path_));
  entries_.push_back({timestamp, relative_offset});
  return Status::ok();
}

uint32_t TimeIndex::lookup(int64_t timestamp) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), timestamp,
                             [](const Entry& e, int64_t target) { return e.timestamp < target; });
  return it == entries_.begin() ? 0 : std::prev(it)->relative_offset;
}

Status TimeIndex::reset(std::vector<Entry> entries) {
  std::string bytes(entries.size() * kEntrySize, '\0');
  for (size_t i = 0; i < entries.size(); ++i) {
    put_be64(bytes.data() + i * kEntrySize, static_cast<uint64_t>(entries[i].timestamp));
    put_be32(bytes.data() + i * kEntrySize + 8, entries[i].relative_offset);
  }
  LOCH_RETURN_IF_ERROR(rewrite(fd_.get(), bytes, path_));
  entries_ = std::move(entries);
  damaged_ = false;
  return Status::ok();
}

}  // namespace loch::kafka
