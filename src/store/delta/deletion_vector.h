// Deletion vectors: the rows of a data file a snapshot no longer contains.
//
// A descriptor (PROTOCOL.md, "Deletion Vector Descriptor Schema") points to a
// RoaringBitmapArray either inline in the log (Z85) or in a file beside the
// data (storage types 'u' and 'p'). loch decodes the 64-bit portable Roaring
// format itself ("Deletion Vector Format", and RoaringFormatSpec for the
// 32-bit buckets); the byte grammar is in doc/delta-deletion-vectors.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace loch::delta {

struct DeletionVectorDescriptor {
  char storage_type = 'i';       // 'u' relative UUID file, 'i' inline, 'p' absolute path
  std::string path_or_inline_dv;
  std::optional<int32_t> offset;
  int32_t size_in_bytes = 0;
  int64_t cardinality = 0;

  // The spec's uniqueId: "<storageType><pathOrInlineDv>[@<offset>]", part of
  // the key of a logical file during log replay.
  std::string unique_id() const;

  // Where the bitmap is stored, for 'u' and 'p'; table_root is the table's
  // directory. Inline vectors have no file.
  Result<std::filesystem::path> absolute_path(const std::filesystem::path& table_root) const;
};

// Decodes a serialized RoaringBitmapArray (magic number, then the 64-bit
// portable Roaring format) into sorted row indexes.
Result<std::vector<uint64_t>> decode_roaring_bitmap_array(std::string_view bytes);

// CRC-32 (IEEE 802.3, zlib's polynomial): the checksum after each bitmap in
// a deletion vector file.
uint32_t crc32_ieee(std::string_view bytes);

// Loads the deleted row indexes a descriptor points to, checking the file's
// format version, size and CRC-32.
Result<std::vector<uint64_t>> load_deletion_vector(const DeletionVectorDescriptor& descriptor,
                                                   const std::filesystem::path& table_root);

}  // namespace loch::delta
