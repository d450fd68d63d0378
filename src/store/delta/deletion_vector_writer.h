// Writing deletion vectors: the inverse of deletion_vector.h.
//
// Row indexes are serialized as the spec's RoaringBitmapArray (magic number,
// then the 64-bit portable Roaring format, PROTOCOL.md "Deletion Vector
// Format"), each 16-bit container as an array, a bitmap or runs, whichever is
// smallest, as Roaring's own run optimisation does. Vectors go into one file
// per commit beside the data (storage type 'u', PROTOCOL.md "Deletion Vector
// File Storage Format") or inline in the log (storage type 'i') when small.
// The byte grammar is in doc/delta-deletion-vectors.md.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "store/delta/deletion_vector.h"

namespace loch::delta {

// A serialized RoaringBitmapArray of `rows` (any order, duplicates allowed).
// Row indexes must be below 2^63 (the spec keeps keys' top bit clear).
std::string encode_roaring_bitmap_array(std::vector<uint64_t> rows);

// The sorted union of two sorted row lists (a file's old and new deletes).
std::vector<uint64_t> union_sorted_rows(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b);

// 16 random bytes shaped as a version 4 UUID (RFC 4122).
std::string random_uuid_bytes();

// An inline ('i') descriptor when the serialized bitmap is at most
// `max_bytes`; nullopt otherwise.
std::optional<DeletionVectorDescriptor> inline_deletion_vector(const std::vector<uint64_t>& rows, size_t max_bytes);

// Collects the vectors of one commit into one file,
// <table>/deletion_vector_<uuid>.bin, each at its own offset.
//
// add() only builds the bytes; finish() writes and fsyncs the file. A
// crash before the commit that references it leaves an orphan file, which
// readers never open and VACUUM removes.
class DeletionVectorFileWriter {
 public:
  explicit DeletionVectorFileWriter(std::filesystem::path table_root);

  // The descriptor ('u', offset into this file) of a vector of `rows`.
  DeletionVectorDescriptor add(const std::vector<uint64_t>& rows);

  // Writes the file when add() was called at least once.
  Status finish();

  bool empty() const { return vector_count_ == 0; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  std::string encoded_uuid_;  // Z85 of the UUID: pathOrInlineDv
  std::string contents_;      // version byte, then per vector: size, bitmap, CRC
  size_t vector_count_ = 0;
};

}  // namespace loch::delta
