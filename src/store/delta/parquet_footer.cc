#include "store/delta/parquet_footer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>

namespace loch::delta {
namespace {

// Thrift compact protocol type codes (thrift's TCompactProtocol spec).
enum CompactType : uint8_t {
  kStop = 0,
  kBoolTrue = 1,
  kBoolFalse = 2,
  kByte = 3,
  kI16 = 4,
  kI32 = 5,
  kI64 = 6,
  kDouble = 7,
  kBinary = 8,
  kList = 9,
  kSet = 10,
  kMap = 11,
  kStruct = 12,
};

// Nesting deeper than this is not a Parquet footer (a logicalType is the
// deepest thing a schema holds, three levels down): refuse rather than
// recurse on hostile bytes.
constexpr int kMaxDepth = 32;

class CompactReader {
 public:
  explicit CompactReader(std::string_view bytes) : bytes_(bytes) {}

  size_t position() const { return position_; }
  std::string_view slice(size_t from, size_t to) const { return bytes_.substr(from, to - from); }

  bool read_byte(uint8_t& out) {
    if (position_ >= bytes_.size()) return false;
    out = static_cast<uint8_t>(bytes_[position_++]);
    return true;
  }

  bool read_varint(uint64_t& out) {
    out = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t byte = 0;
      if (!read_byte(byte)) return false;
      out |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return true;
    }
    return false;
  }

  bool skip(uint64_t count) {
    if (count > bytes_.size() - position_) return false;
    position_ += static_cast<size_t>(count);
    return true;
  }

  // A field header: false on error; `type` kStop at the end of a struct.
  bool read_field_header(int16_t& id, uint8_t& type) {
    uint8_t header = 0;
    if (!read_byte(header)) return false;
    type = header & 0x0f;
    if (type == kStop) return true;
    const uint8_t delta = header >> 4;
    if (delta != 0) {
      id = static_cast<int16_t>(id + delta);
      return true;
    }
    uint64_t zigzag = 0;
    if (!read_varint(zigzag)) return false;
    id = static_cast<int16_t>(static_cast<int64_t>(zigzag >> 1) ^ -static_cast<int64_t>(zigzag & 1));
    return true;
  }

  // The element count and type of a list or set header.
  bool read_list_header(uint64_t& size, uint8_t& element_type) {
    uint8_t header = 0;
    if (!read_byte(header)) return false;
    element_type = header & 0x0f;
    size = header >> 4;
    if (size == 15 && !read_varint(size)) return false;
    return true;
  }

  // Skips a value of `type`; `in_collection` because booleans inside lists,
  // sets and maps take a byte while a boolean field's value is its type.
  bool skip_value(uint8_t type, bool in_collection, int depth) {
    if (depth > kMaxDepth) return false;
    uint64_t n = 0;
    switch (type) {
      case kBoolTrue:
      case kBoolFalse:
        return in_collection ? skip(1) : true;
      case kByte:
        return skip(1);
      case kI16:
      case kI32:
      case kI64:
        return read_varint(n);
      case kDouble:
        return skip(8);
      case kBinary:
        return read_varint(n) && skip(n);
      case kList:
      case kSet: {
        uint8_t element_type = 0;
        if (!read_list_header(n, element_type)) return false;
        for (uint64_t i = 0; i < n; ++i) {
          if (!skip_value(element_type, true, depth + 1)) return false;
        }
        return true;
      }
      case kMap: {
        if (!read_varint(n)) return false;
        if (n == 0) return true;
        uint8_t types = 0;
        if (!read_byte(types)) return false;
        for (uint64_t i = 0; i < n; ++i) {
          if (!skip_value(types >> 4, true, depth + 1) || !skip_value(types & 0x0f, true, depth + 1)) return false;
        }
        return true;
      }
      case kStruct: {
        int16_t id = 0;
        while (true) {
          uint8_t field_type = 0;
          if (!read_field_header(id, field_type)) return false;
          if (field_type == kStop) return true;
          if (!skip_value(field_type, false, depth + 1)) return false;
        }
      }
      default:
        return false;
    }
  }

 private:
  std::string_view bytes_;
  size_t position_ = 0;
};

// SchemaElement field 4 is its name.
constexpr int16_t kSchemaElementName = 4;
// FileMetaData field 2 is the schema.
constexpr int16_t kFileMetaDataSchema = 2;

// Appends one SchemaElement's fields as "id/type/length:" + encoded value.
bool append_element(CompactReader& reader, bool is_root, std::string& text) {
  int16_t id = 0;
  while (true) {
    uint8_t type = 0;
    if (!reader.read_field_header(id, type)) return false;
    if (type == kStop) break;
    const size_t begin = reader.position();
    if (!reader.skip_value(type, false, 1)) return false;
    if (is_root && id == kSchemaElementName) continue;
    const std::string_view value = reader.slice(begin, reader.position());
    text += std::to_string(id) + '/' + std::to_string(type) + '/' + std::to_string(value.size()) + ':';
    text += value;
  }
  text += '\n';
  return true;
}

}  // namespace

std::optional<std::string> parquet_schema_text(std::string_view footer) {
  CompactReader reader(footer);
  int16_t id = 0;
  while (true) {
    uint8_t type = 0;
    if (!reader.read_field_header(id, type) || type == kStop) return std::nullopt;
    if (id != kFileMetaDataSchema || type != kList) {
      if (!reader.skip_value(type, false, 0)) return std::nullopt;
      continue;
    }
    uint64_t count = 0;
    uint8_t element_type = 0;
    if (!reader.read_list_header(count, element_type) || element_type != kStruct || count == 0) return std::nullopt;
    std::string text;
    for (uint64_t i = 0; i < count; ++i) {
      if (!append_element(reader, i == 0, text)) return std::nullopt;
    }
    return text;
  }
}

std::optional<std::string> read_parquet_schema_text(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::optional<std::string> text;
  struct stat info {};
  char tail[8];
  if (::fstat(fd, &info) == 0 && info.st_size >= 12 &&
      ::pread(fd, tail, sizeof tail, info.st_size - 8) == static_cast<ssize_t>(sizeof tail) &&
      std::memcmp(tail + 4, "PAR1", 4) == 0) {
    const uint32_t length = static_cast<uint32_t>(static_cast<uint8_t>(tail[0])) |
                            static_cast<uint32_t>(static_cast<uint8_t>(tail[1])) << 8 |
                            static_cast<uint32_t>(static_cast<uint8_t>(tail[2])) << 16 |
                            static_cast<uint32_t>(static_cast<uint8_t>(tail[3])) << 24;
    if (static_cast<int64_t>(length) <= info.st_size - 12) {
      std::string footer(length, '\0');
      if (::pread(fd, footer.data(), length, info.st_size - 8 - length) == static_cast<ssize_t>(length)) {
        text = parquet_schema_text(footer);
      }
    }
  }
  ::close(fd);
  return text;
}

}  // namespace loch::delta
