#include "store/delta/parquet_footer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cctype>
#include <cstring>
#include <optional>

#include "common/varint.h"

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
    std::string_view rest = bytes_.substr(position_);
    const size_t before = rest.size();
    std::optional<uint64_t> value = read_uvarint(rest);
    if (!value) return false;
    position_ += before - rest.size();
    out = *value;
    return true;
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
    id = static_cast<int16_t>(zigzag_decode64(zigzag));
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

// SchemaElement fields (parquet.thrift).
constexpr int16_t kElementType = 1;
constexpr int16_t kElementName = 4;
constexpr int16_t kElementNumChildren = 5;
constexpr int16_t kElementConvertedType = 6;
constexpr int16_t kElementLogicalType = 10;
// FileMetaData field 2 is the schema.
constexpr int16_t kFileMetaDataSchema = 2;
// Physical type INT96; converted types TIMESTAMP_MILLIS and TIMESTAMP_MICROS;
// the LogicalType union's TIMESTAMP member.
constexpr int64_t kInt96 = 3;
constexpr int64_t kConvertedTimestampMillis = 9;
constexpr int64_t kConvertedTimestampMicros = 10;
constexpr int16_t kLogicalTimestamp = 8;

struct Element {
  std::string name;
  int64_t num_children = 0;
  bool timestamp = false;  // any encoding of a timestamp
  int64_t physical_type = -1;
  int64_t converted_type = -1;
  bool has_logical_type = false;
  // LogicalType TIMESTAMP: isAdjustedToUTC and the unit (1 MILLIS, 2 MICROS,
  // 3 NANOS; 0 when not read).
  bool adjusted_to_utc = false;
  int16_t timestamp_unit = 0;
};

// Physical types (parquet.thrift Type) and the UTF8 converted type.
constexpr int64_t kPhysicalBoolean = 0;
constexpr int64_t kPhysicalInt32 = 1;
constexpr int64_t kPhysicalInt64 = 2;
constexpr int64_t kPhysicalFloat = 4;
constexpr int64_t kPhysicalDouble = 5;
constexpr int64_t kPhysicalByteArray = 6;
constexpr int64_t kConvertedUtf8 = 0;

// DuckDB's type for the unambiguous plain encodings (how DuckDB's reader
// maps them); empty for everything else.
std::string plain_duckdb_type(const Element& element) {
  if (element.num_children != 0) return "";
  // Timestamps: INT96 reads as a wall clock; a TIMESTAMP logical type in
  // milliseconds or microseconds as an instant when adjusted to UTC. Other
  // encodings (nanoseconds, converted type only) are left to DuckDB.
  if (element.physical_type == kInt96 && element.converted_type == -1 && !element.has_logical_type) {
    return "TIMESTAMP";
  }
  if (element.timestamp_unit == 1 || element.timestamp_unit == 2) {
    return element.adjusted_to_utc ? "TIMESTAMP WITH TIME ZONE" : "TIMESTAMP";
  }
  if (element.timestamp) return "";
  if (element.converted_type == -1 && !element.has_logical_type) {
    switch (element.physical_type) {
      case kPhysicalBoolean: return "BOOLEAN";
      case kPhysicalInt32: return "INTEGER";
      case kPhysicalInt64: return "BIGINT";
      case kPhysicalFloat: return "FLOAT";
      case kPhysicalDouble: return "DOUBLE";
      default: return "";
    }
  }
  if (element.physical_type == kPhysicalByteArray && element.converted_type == kConvertedUtf8) return "VARCHAR";
  return "";
}

// The value of an i32 field's encoded bytes (zigzag varint).
int64_t decode_i32(std::string_view value) {
  CompactReader reader(value);
  uint64_t zigzag = 0;
  if (!reader.read_varint(zigzag)) return -1;
  return zigzag_decode64(zigzag);
}

// Appends one SchemaElement's fields as "id/type/length:" + encoded value,
// and notes what a scan needs to know of it.
bool append_element(CompactReader& reader, bool is_root, std::string& text, Element& element) {
  int16_t id = 0;
  while (true) {
    uint8_t type = 0;
    if (!reader.read_field_header(id, type)) return false;
    if (type == kStop) break;
    const size_t begin = reader.position();
    if (!reader.skip_value(type, false, 1)) return false;
    const std::string_view value = reader.slice(begin, reader.position());
    if (id == kElementName && type == kBinary) {
      CompactReader name(value);
      uint64_t length = 0;
      if (name.read_varint(length)) element.name = std::string(value.substr(name.position()));
    } else if (id == kElementType && type == kI32) {
      element.physical_type = decode_i32(value);
      element.timestamp = element.timestamp || element.physical_type == kInt96;
    } else if (id == kElementNumChildren && type == kI32) {
      element.num_children = decode_i32(value);
    } else if (id == kElementConvertedType && type == kI32) {
      const int64_t converted = decode_i32(value);
      element.converted_type = converted;
      element.timestamp =
          element.timestamp || converted == kConvertedTimestampMillis || converted == kConvertedTimestampMicros;
    } else if (id == kElementLogicalType && type == kStruct) {
      element.has_logical_type = true;
      CompactReader logical(value);
      int16_t member = 0;
      uint8_t member_type = 0;
      if (logical.read_field_header(member, member_type) && member_type == kStruct && member == kLogicalTimestamp) {
        element.timestamp = true;
        // TimestampType {1: bool isAdjustedToUTC, 2: TimeUnit unit}.
        // Anything unexpected leaves the unit unknown: DuckDB is asked.
        int16_t field = 0;
        uint8_t field_type = 0;
        int16_t unit = 0;
        bool adjusted = false, read_to_end = false;
        while (logical.read_field_header(field, field_type)) {
          if (field_type == kStop) {
            read_to_end = true;
            break;
          }
          const size_t begin = logical.position();
          if (!logical.skip_value(field_type, false, 1)) break;
          if (field == 1 && (field_type == kBoolTrue || field_type == kBoolFalse)) {
            adjusted = field_type == kBoolTrue;
          } else if (field == 2 && field_type == kStruct) {
            CompactReader unit_reader(logical.slice(begin, logical.position()));
            uint8_t unit_type = 0;
            if (!unit_reader.read_field_header(unit, unit_type) || unit_type != kStruct) unit = 0;
          }
        }
        if (read_to_end) {
          element.adjusted_to_utc = adjusted;
          element.timestamp_unit = unit;
        }
      }
    }
    if (is_root && id == kElementName) continue;
    text += std::to_string(id) + '/' + std::to_string(type) + '/' + std::to_string(value.size()) + ':';
    text += value;
  }
  text += '\n';
  return true;
}

// The names of the root's children, skipping each child's own subtree;
// nullopt when a top-level timestamp has no plain_duckdb_type, two names differ only in
// case, or the tree does not add up.
std::optional<std::vector<ParquetColumn>> plain_columns(const std::vector<Element>& elements) {
  std::vector<ParquetColumn> names;
  std::vector<std::string> lower_names;
  size_t index = 1;
  for (int64_t child = 0; child < elements[0].num_children; ++child) {
    if (index >= elements.size()) return std::nullopt;
    const Element& column = elements[index];
    const std::string type = plain_duckdb_type(column);
    if (column.timestamp && type.empty()) return std::nullopt;
    std::string lower = column.name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const auto& seen : lower_names) {
      if (seen == lower) return std::nullopt;
    }
    names.push_back({column.name, type});
    lower_names.push_back(std::move(lower));
    // Pass the column's subtree: `pending` elements of it still to pass.
    int64_t pending = 1;
    while (pending > 0) {
      if (index >= elements.size() || elements[index].num_children < 0) return std::nullopt;
      pending += elements[index].num_children - 1;
      ++index;
    }
  }
  if (index != elements.size()) return std::nullopt;
  return names;
}

}  // namespace

std::optional<ParquetSchema> parse_parquet_schema(std::string_view footer) {
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
    ParquetSchema schema;
    std::vector<Element> elements;
    for (uint64_t i = 0; i < count; ++i) {
      Element element;
      if (!append_element(reader, i == 0, schema.text, element)) return std::nullopt;
      elements.push_back(std::move(element));
    }
    schema.plain_columns = plain_columns(elements);
    return schema;
  }
}

std::optional<ParquetSchema> read_parquet_schema(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::optional<ParquetSchema> schema;
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
        schema = parse_parquet_schema(footer);
      }
    }
  }
  ::close(fd);
  return schema;
}

}  // namespace loch::delta
