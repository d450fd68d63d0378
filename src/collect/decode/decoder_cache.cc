#include "collect/decode/decoder_cache.h"

#include <fmt/format.h>

#include <mutex>

#include "collect/registry/wire_format.h"

namespace loch::decode {

Result<WireRecord> DecoderCache::resolve(std::string_view record) {
  LOCH_ASSIGN_OR_RETURN(registry::WireHeader header, registry::read_wire_header(record));
  WireRecord out;
  out.schema_id = header.schema_id;
  std::shared_ptr<const registry::ParsedSchema> schema;
  {
    std::shared_lock lock(mutex_);
    auto it = schemas_.find(header.schema_id);
    if (it != schemas_.end()) schema = it->second;
  }
  if (schema == nullptr) {
    schema = lookup_(header.schema_id);
    if (schema == nullptr) return Status::not_found(fmt::format("schema id {} is not registered", header.schema_id));
    std::unique_lock lock(mutex_);
    schemas_.emplace(header.schema_id, schema);
  }
  std::string_view payload = header.payload;
  if (schema->type() == registry::SchemaType::kProtobuf) {
    LOCH_ASSIGN_OR_RETURN(out.message_indexes, registry::read_message_indexes(payload));
  }
  out.payload = payload;
  Key key{header.schema_id, out.message_indexes};
  {
    std::shared_lock lock(mutex_);
    auto it = decoders_.find(key);
    if (it != decoders_.end()) {
      out.decoder = it->second;
      return out;
    }
  }
  LOCH_ASSIGN_OR_RETURN(out.decoder, make_record_decoder(schema, out.message_indexes));
  std::unique_lock lock(mutex_);
  decoders_.emplace(std::move(key), out.decoder);
  return out;
}

Status DecoderCache::decode(std::string_view record, ColumnBatch& out) {
  LOCH_ASSIGN_OR_RETURN(WireRecord wire, resolve(record));
  if (out.column_count() == 0 && out.rows() == 0) out = wire.decoder->new_batch();
  if (out.column_count() != wire.decoder->columns().size()) {
    return Status::invalid_argument(fmt::format("record with schema id {} has {} columns, the batch {}",
                                                wire.schema_id, wire.decoder->columns().size(), out.column_count()));
  }
  for (size_t i = 0; i < out.column_count(); ++i) {
    if (!(out.column(i).spec() == wire.decoder->columns()[i])) {
      return Status::invalid_argument(fmt::format("record with schema id {}: column {} is '{}' {}, the batch has '{}' {}",
                                                  wire.schema_id, i, wire.decoder->columns()[i].name,
                                                  column_type_name(wire.decoder->columns()[i].type),
                                                  out.column(i).spec().name, column_type_name(out.column(i).spec().type)));
    }
  }
  return wire.decoder->decode(wire.payload, out);
}

size_t DecoderCache::size() const {
  std::shared_lock lock(mutex_);
  return decoders_.size();
}

}  // namespace loch::decode
