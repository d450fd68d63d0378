#include "store/delta/deletion_vector_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <random>

#include "store/delta/z85.h"

namespace loch::delta {
namespace {

constexpr uint32_t kRoaringArrayMagic = 1681511377;
constexpr uint32_t kSerialCookieNoRunContainer = 12346;
constexpr uint32_t kSerialCookie = 12347;
constexpr uint32_t kNoOffsetThreshold = 4;
constexpr size_t kMaxArrayContainerCardinality = 4096;
constexpr size_t kBitmapContainerBytes = 8192;

void put_le(std::string& out, uint64_t value, size_t bytes) {
  for (size_t i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

void put_be32(std::string& out, uint32_t value) {
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

// The low 16 bits of the values of one container, sorted and unique.
struct Container {
  uint16_t key;
  std::vector<uint16_t> values;
  std::vector<std::pair<uint16_t, uint16_t>> runs;  // (start, length - 1)
  enum class Kind { kArray, kBitmap, kRun } kind = Kind::kArray;

  size_t data_size() const {
    switch (kind) {
      case Kind::kRun: return 2 + 4 * runs.size();
      case Kind::kArray: return 2 * values.size();
      case Kind::kBitmap: return kBitmapContainerBytes;
    }
    return 0;
  }
};

void choose_kind(Container& container) {
  for (size_t i = 0; i < container.values.size(); ++i) {
    const uint16_t v = container.values[i];
    if (!container.runs.empty() && container.runs.back().first + container.runs.back().second + 1 == v) {
      ++container.runs.back().second;
    } else {
      container.runs.emplace_back(v, 0);
    }
  }
  const size_t plain = container.values.size() <= kMaxArrayContainerCardinality ? 2 * container.values.size()
                                                                                : kBitmapContainerBytes;
  const size_t run = 2 + 4 * container.runs.size();
  if (run < plain) {
    container.kind = Container::Kind::kRun;
  } else {
    container.kind = container.values.size() <= kMaxArrayContainerCardinality ? Container::Kind::kArray
                                                                              : Container::Kind::kBitmap;
  }
}

// One 32-bit Roaring bitmap (RoaringFormatSpec) of the low words in `lows`.
void encode_roaring32(const std::vector<uint32_t>& lows, std::string& out) {
  std::vector<Container> containers;
  for (uint32_t low : lows) {
    const uint16_t key = static_cast<uint16_t>(low >> 16);
    if (containers.empty() || containers.back().key != key) containers.push_back({key, {}, {}});
    containers.back().values.push_back(static_cast<uint16_t>(low & 0xFFFF));
  }
  bool has_runs = false;
  for (auto& container : containers) {
    choose_kind(container);
    has_runs = has_runs || container.kind == Container::Kind::kRun;
  }
  const size_t n = containers.size();
  const size_t start = out.size();
  if (has_runs) {
    put_le(out, kSerialCookie | static_cast<uint32_t>((n - 1) << 16), 4);
    std::string run_flags((n + 7) / 8, '\0');
    for (size_t i = 0; i < n; ++i) {
      if (containers[i].kind == Container::Kind::kRun) run_flags[i / 8] = static_cast<char>(run_flags[i / 8] | (1 << (i % 8)));
    }
    out += run_flags;
  } else {
    put_le(out, kSerialCookieNoRunContainer, 4);
    put_le(out, n, 4);
  }
  for (const auto& container : containers) {
    put_le(out, container.key, 2);
    put_le(out, container.values.size() - 1, 2);
  }
  // Offsets (from the start of this bitmap) let readers seek to a
  // container; the format omits them for small run-encoded bitmaps.
  if (!has_runs || n >= kNoOffsetThreshold) {
    size_t offset = out.size() - start + 4 * n;
    for (const auto& container : containers) {
      put_le(out, offset, 4);
      offset += container.data_size();
    }
  }
  for (const auto& container : containers) {
    switch (container.kind) {
      case Container::Kind::kRun:
        put_le(out, container.runs.size(), 2);
        for (const auto& [run_start, length_minus_one] : container.runs) {
          put_le(out, run_start, 2);
          put_le(out, length_minus_one, 2);
        }
        break;
      case Container::Kind::kArray:
        for (uint16_t v : container.values) put_le(out, v, 2);
        break;
      case Container::Kind::kBitmap: {
        std::vector<uint64_t> words(1024, 0);
        for (uint16_t v : container.values) words[v / 64] |= uint64_t{1} << (v % 64);
        for (uint64_t word : words) put_le(out, word, 8);
        break;
      }
    }
  }
}

}  // namespace

std::string encode_roaring_bitmap_array(std::vector<uint64_t> rows) {
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  std::string out;
  put_le(out, kRoaringArrayMagic, 4);
  std::vector<std::pair<uint32_t, std::vector<uint32_t>>> buckets;
  for (uint64_t row : rows) {
    const uint32_t high = static_cast<uint32_t>(row >> 32);
    if (buckets.empty() || buckets.back().first != high) buckets.emplace_back(high, std::vector<uint32_t>{});
    buckets.back().second.push_back(static_cast<uint32_t>(row));
  }
  put_le(out, buckets.size(), 8);
  for (const auto& [high, lows] : buckets) {
    put_le(out, high, 4);
    encode_roaring32(lows, out);
  }
  return out;
}

std::vector<uint64_t> union_sorted_rows(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  std::vector<uint64_t> out;
  out.reserve(a.size() + b.size());
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string random_uuid_bytes() {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  std::string bytes(16, '\0');
  for (size_t i = 0; i < 16; i += 8) {
    const uint64_t word = generator();
    for (size_t b = 0; b < 8; ++b) bytes[i + b] = static_cast<char>((word >> (8 * b)) & 0xFF);
  }
  bytes[6] = static_cast<char>((bytes[6] & 0x0F) | 0x40);  // version 4
  bytes[8] = static_cast<char>((bytes[8] & 0x3F) | 0x80);  // RFC 4122 variant
  return bytes;
}

std::optional<DeletionVectorDescriptor> inline_deletion_vector(const std::vector<uint64_t>& rows, size_t max_bytes) {
  std::string bitmap = encode_roaring_bitmap_array(rows);
  if (bitmap.size() > max_bytes) return std::nullopt;
  DeletionVectorDescriptor descriptor;
  descriptor.storage_type = 'i';
  descriptor.size_in_bytes = static_cast<int32_t>(bitmap.size());
  // Z85 works on 4-byte groups; readers trim the padding to sizeInBytes.
  bitmap.resize((bitmap.size() + 3) / 4 * 4, '\0');
  descriptor.path_or_inline_dv = z85_encode(bitmap);
  descriptor.cardinality = static_cast<int64_t>(rows.size());
  return descriptor;
}

DeletionVectorFileWriter::DeletionVectorFileWriter(std::filesystem::path table_root) {
  encoded_uuid_ = z85_encode(random_uuid_bytes());
  DeletionVectorDescriptor probe;
  probe.storage_type = 'u';
  probe.path_or_inline_dv = encoded_uuid_;
  // The reader's own derivation of the file name, so both always agree.
  auto path = probe.absolute_path(table_root);
  path_ = path.is_ok() ? *path : table_root / "deletion_vector_invalid.bin";
  contents_.push_back('\x01');  // format version
}

DeletionVectorDescriptor DeletionVectorFileWriter::add(const std::vector<uint64_t>& rows) {
  const std::string bitmap = encode_roaring_bitmap_array(rows);
  DeletionVectorDescriptor descriptor;
  descriptor.storage_type = 'u';
  descriptor.path_or_inline_dv = encoded_uuid_;
  descriptor.offset = static_cast<int32_t>(contents_.size());
  descriptor.size_in_bytes = static_cast<int32_t>(bitmap.size());
  descriptor.cardinality = static_cast<int64_t>(rows.size());
  put_be32(contents_, static_cast<uint32_t>(bitmap.size()));
  contents_ += bitmap;
  put_be32(contents_, crc32_ieee(bitmap));
  ++vector_count_;
  return descriptor;
}

Status DeletionVectorFileWriter::finish() {
  if (vector_count_ == 0) return Status::ok();
  const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return Status::from_errno("creating deletion vector file " + path_.string(), errno);
  size_t written = 0;
  while (written < contents_.size()) {
    const ssize_t n = ::write(fd, contents_.data() + written, contents_.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      ::close(fd);
      return Status::from_errno("writing deletion vector file " + path_.string(), error);
    }
    written += static_cast<size_t>(n);
  }
  // The commit that references this file is written after this fsync, so a
  // committed descriptor never points at bytes still in the page cache.
  if (::fsync(fd) != 0) {
    const int error = errno;
    ::close(fd);
    return Status::from_errno("syncing deletion vector file " + path_.string(), error);
  }
  ::close(fd);
  return Status::ok();
}

}  // namespace loch::delta
