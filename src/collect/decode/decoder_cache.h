// DecoderCache: decoders by schema id (and Protobuf message indexes), made
// on first use from a schema lookup (the registry's store in `loch serve`,
// an HTTP client elsewhere) and kept, so that decoding a stream of records
// does no registry lookup after the first record of each schema. Ids are
// global and immutable in a Confluent registry, so entries never go stale;
// a failed lookup is not cached (the schema may be registered later).
//
// Thread-safe: any number of threads may decode through one cache.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string_view>
#include <utility>
#include <vector>

#include "collect/decode/record_decoder.h"

namespace loch::decode {

// A record in Confluent's wire format, split: which schema, which decoder,
// and the payload bytes that decoder reads.
struct WireRecord {
  int32_t schema_id = 0;
  std::vector<int32_t> message_indexes;  // PROTOBUF only
  std::string_view payload;
  std::shared_ptr<const RecordDecoder> decoder;
};

class DecoderCache {
 public:
  // The parsed schema of an id; nullptr when the registry has none.
  using SchemaLookup = std::function<std::shared_ptr<const registry::ParsedSchema>(int32_t schema_id)>;

  explicit DecoderCache(SchemaLookup lookup) : lookup_(std::move(lookup)) {}

  // Reads the wire header (and the indexes of a Protobuf schema) of
  // `record` and finds its decoder. Corruption for a bad header; NotFound
  // naming the id when the registry does not know it.
  Result<WireRecord> resolve(std::string_view record);

  // resolve() then decode one row into `out`, which must have been made by
  // the same decoder (or be empty: it is then made here).
  Status decode(std::string_view record, ColumnBatch& out);

  size_t size() const;

 private:
  using Key = std::pair<int32_t, std::vector<int32_t>>;

  SchemaLookup lookup_;
  mutable std::shared_mutex mutex_;
  std::map<int32_t, std::shared_ptr<const registry::ParsedSchema>> schemas_;  // guarded by mutex_
  std::map<Key, std::shared_ptr<const RecordDecoder>> decoders_;              // guarded by mutex_
};

}  // namespace loch::decode
