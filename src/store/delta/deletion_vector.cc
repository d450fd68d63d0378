#include "store/delta/deletion_vector.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <iterator>

#include "store/delta/file_paths.h"
#include "store/delta/z85.h"

namespace loch::delta {
namespace {

constexpr uint32_t kRoaringArrayMagic = 1681511377;  // portable format, little-endian
constexpr uint32_t kNativeRoaringArrayMagic = 1681511376;
constexpr uint32_t kSerialCookieNoRunContainer = 12346;
constexpr uint32_t kSerialCookie = 12347;
constexpr uint32_t kNoOffsetThreshold = 4;
constexpr uint32_t kMaxArrayContainerCardinality = 4096;

// A bounds-checked little-endian reader over a serialized bitmap.
class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : bytes_(bytes) {}
  bool read_u8(uint8_t& out) { return read(out, 1); }
  bool read_u16(uint16_t& out) { return read(out, 2); }
  bool read_u32(uint32_t& out) { return read(out, 4); }
  bool read_u64(uint64_t& out) { return read(out, 8); }
  bool skip(size_t n) {
    if (bytes_.size() - position_ < n) return false;
    position_ += n;
    return true;
  }

 private:
  template <typename T>
  bool read(T& out, size_t n) {
    if (bytes_.size() - position_ < n) return false;
    out = 0;
    for (size_t i = 0; i < n; ++i) {
      out = static_cast<T>(out | (static_cast<T>(static_cast<unsigned char>(bytes_[position_ + i])) << (8 * i)));
    }
    position_ += n;
    return true;
  }
  std::string_view bytes_;
  size_t position_ = 0;
};

struct ContainerHeader {
  uint16_t key;
  uint32_t cardinality;
  bool is_run;
};

// One 32-bit Roaring bitmap (RoaringFormatSpec); values are put in `out`
// with `high` as their upper 32 bits.
Status decode_roaring32(ByteReader& reader, uint64_t high, std::vector<uint64_t>& out) {
  const Status truncated = Status::corruption("deletion vector: truncated Roaring bitmap");
  uint32_t cookie;
  if (!reader.read_u32(cookie)) return truncated;
  uint32_t container_count = 0;
  std::vector<uint8_t> run_flags;
  const bool has_runs = (cookie & 0xFFFF) == kSerialCookie;
  if (has_runs) {
    container_count = (cookie >> 16) + 1;
    run_flags.resize((container_count + 7) / 8);
    for (auto& flag : run_flags) {
      if (!reader.read_u8(flag)) return truncated;
    }
  } else if (cookie == kSerialCookieNoRunContainer) {
    if (!reader.read_u32(container_count)) return truncated;
  } else {
    return Status::corruption("deletion vector: unknown Roaring cookie " + std::to_string(cookie));
  }
  if (container_count > 65536) return Status::corruption("deletion vector: too many Roaring containers");
  std::vector<ContainerHeader> headers(container_count);
  for (uint32_t i = 0; i < container_count; ++i) {
    uint16_t key, cardinality_minus_one;
    if (!reader.read_u16(key) || !reader.read_u16(cardinality_minus_one)) return truncated;
    bool is_run = has_runs && (run_flags[i / 8] >> (i % 8)) & 1;
    headers[i] = {key, static_cast<uint32_t>(cardinality_minus_one) + 1, is_run};
  }
  // The offset header is redundant for a sequential reader.
  if (!has_runs || container_count >= kNoOffsetThreshold) {
    if (!reader.skip(4ull * container_count)) return truncated;
  }
  for (const ContainerHeader& header : headers) {
    const uint64_t base = (high << 32) | (static_cast<uint64_t>(header.key) << 16);
    if (header.is_run) {
      uint16_t run_count;
      if (!reader.read_u16(run_count)) return truncated;
      for (uint16_t r = 0; r < run_count; ++r) {
        uint16_t start, length_minus_one;
        if (!reader.read_u16(start) || !reader.read_u16(length_minus_one)) return truncated;
        for (uint32_t v = start; v <= static_cast<uint32_t>(start) + length_minus_one; ++v) out.push_back(base | v);
      }
    } else if (header.cardinality <= kMaxArrayContainerCardinality) {
      for (uint32_t j = 0; j < header.cardinality; ++j) {
        uint16_t low;
        if (!reader.read_u16(low)) return truncated;
        out.push_back(base | low);
      }
    } else {
      for (uint32_t word_index = 0; word_index < 1024; ++word_index) {
        uint64_t word;
        if (!reader.read_u64(word)) return truncated;
        while (word != 0) {
          int bit = __builtin_ctzll(word);
          out.push_back(base | (word_index * 64 + static_cast<uint32_t>(bit)));
          word &= word - 1;
        }
      }
    }
  }
  return Status::ok();
}

uint32_t read_big_endian_u32(std::string_view bytes) {
  uint32_t value = 0;
  for (size_t i = 0; i < 4; ++i) value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  return value;
}

// The canonical 8-4-4-4-12 text of a 16-byte UUID.
std::string uuid_text(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  for (size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text.push_back('-');
    text.push_back(kHex[static_cast<unsigned char>(bytes[i]) >> 4]);
    text.push_back(kHex[static_cast<unsigned char>(bytes[i]) & 0xF]);
  }
  return text;
}

}  // namespace

// CRC-32 (IEEE 802.3, the zlib polynomial) over a deletion vector's bitmap.
uint32_t crc32_ieee(std::string_view bytes) {
  static const auto table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t crc = 0xFFFFFFFFu;
  for (char ch : bytes) crc = table[(crc ^ static_cast<unsigned char>(ch)) & 0xFF] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

std::string DeletionVectorDescriptor::unique_id() const {
  std::string id(1, storage_type);
  id += path_or_inline_dv;
  if (offset) id += "@" + std::to_string(*offset);
  return id;
}

Result<std::filesystem::path> DeletionVectorDescriptor::absolute_path(const std::filesystem::path& table_root) const {
  if (storage_type == 'p') return resolve_data_path(table_root, path_or_inline_dv);
  if (storage_type != 'u') return Status::invalid_argument("an inline deletion vector has no file");
  constexpr size_t kEncodedUuidLength = 20;
  if (path_or_inline_dv.size() < kEncodedUuidLength) {
    return Status::corruption("deletion vector: pathOrInlineDv '" + path_or_inline_dv + "' is shorter than a UUID");
  }
  std::string_view prefix = std::string_view(path_or_inline_dv).substr(0, path_or_inline_dv.size() - kEncodedUuidLength);
  LOCH_ASSIGN_OR_RETURN(std::string uuid, z85_decode(std::string_view(path_or_inline_dv).substr(prefix.size())));
  std::filesystem::path path = table_root;
  if (!prefix.empty()) path /= std::string(prefix);
  return path / ("deletion_vector_" + uuid_text(uuid) + ".bin");
}

Result<std::vector<uint64_t>> decode_roaring_bitmap_array(std::string_view bytes) {
  // The "native" RoaringBitmapArray format (the spec's inline example uses
  // it): a big-endian magic, a big-endian bitmap count, then per high word
  // in order a big-endian size and a 32-bit Roaring bitmap of that size.
  if (bytes.size() >= 8 && read_big_endian_u32(bytes) == kNativeRoaringArrayMagic) {
    const uint32_t bitmap_count = read_big_endian_u32(bytes.substr(4));
    if (bitmap_count > bytes.size()) return Status::corruption("deletion vector: implausible bitmap count");
    size_t position = 8;
    std::vector<uint64_t> rows;
    for (uint32_t high = 0; high < bitmap_count; ++high) {
      if (bytes.size() - position < 4) return Status::corruption("deletion vector: truncated bitmap size");
      const uint32_t size = read_big_endian_u32(bytes.substr(position));
      position += 4;
      if (bytes.size() - position < size) return Status::corruption("deletion vector: truncated bitmap");
      ByteReader reader(bytes.substr(position, size));
      LOCH_RETURN_IF_ERROR(decode_roaring32(reader, high, rows));
      position += size;
    }
    if (!std::is_sorted(rows.begin(), rows.end())) std::sort(rows.begin(), rows.end());
    return rows;
  }
  ByteReader reader(bytes);
  uint32_t magic;
  if (!reader.read_u32(magic)) return Status::corruption("deletion vector: shorter than its magic number");
  if (magic != kRoaringArrayMagic) {
    return Status::corruption("deletion vector: bad magic number " + std::to_string(magic));
  }
  uint64_t bucket_count;
  if (!reader.read_u64(bucket_count)) return Status::corruption("deletion vector: truncated bucket count");
  if (bucket_count > bytes.size()) return Status::corruption("deletion vector: implausible bucket count");
  std::vector<uint64_t> rows;
  for (uint64_t b = 0; b < bucket_count; ++b) {
    uint32_t key;
    if (!reader.read_u32(key)) return Status::corruption("deletion vector: truncated bucket key");
    LOCH_RETURN_IF_ERROR(decode_roaring32(reader, key, rows));
  }
  // Buckets and containers are stored in ascending order, but a damaged
  // file must not make the later anti-join wrong: sort defensively.
  if (!std::is_sorted(rows.begin(), rows.end())) std::sort(rows.begin(), rows.end());
  return rows;
}

Result<std::vector<uint64_t>> load_deletion_vector(const DeletionVectorDescriptor& descriptor,
                                                   const std::filesystem::path& table_root) {
  if (descriptor.storage_type == 'i') {
    LOCH_ASSIGN_OR_RETURN(std::string bytes, z85_decode(descriptor.path_or_inline_dv));
    if (bytes.size() < static_cast<size_t>(descriptor.size_in_bytes)) {
      return Status::corruption("inline deletion vector shorter than its sizeInBytes");
    }
    bytes.resize(static_cast<size_t>(descriptor.size_in_bytes));
    return decode_roaring_bitmap_array(bytes);
  }
  LOCH_ASSIGN_OR_RETURN(std::filesystem::path path, descriptor.absolute_path(table_root));
  std::ifstream file(path, std::ios::binary);
  if (!file) return Status::not_found("deletion vector file " + path.string() + " is missing");
  // Storage format (PROTOCOL.md "Deletion Vector File Storage Format"): a
  // version byte, then per vector a big-endian size, the bitmap, a CRC-32.
  const int64_t offset = descriptor.offset.value_or(1);
  file.seekg(offset);
  std::string header(4, '\0');
  file.read(header.data(), 4);
  if (!file) return Status::corruption("deletion vector file " + path.string() + ": truncated at offset " + std::to_string(offset));
  const uint32_t size = read_big_endian_u32(header);
  if (size != static_cast<uint32_t>(descriptor.size_in_bytes)) {
    return Status::corruption("deletion vector file " + path.string() + ": stored size " + std::to_string(size) +
                              " differs from the descriptor's " + std::to_string(descriptor.size_in_bytes));
  }
  std::string data(size + 4, '\0');
  file.read(data.data(), static_cast<std::streamsize>(data.size()));
  if (!file) return Status::corruption("deletion vector file " + path.string() + ": truncated bitmap");
  const uint32_t stored_crc = read_big_endian_u32(std::string_view(data).substr(size));
  const uint32_t crc = crc32_ieee(std::string_view(data).substr(0, size));
  if (crc != stored_crc) return Status::corruption("deletion vector file " + path.string() + ": CRC mismatch");
  auto rows = decode_roaring_bitmap_array(std::string_view(data).substr(0, size));
  if (!rows.is_ok()) return rows.status().with_context(path.string());
  return rows;
}

}  // namespace loch::delta
