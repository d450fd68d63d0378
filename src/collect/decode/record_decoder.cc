#include "collect/decode/record_decoder.h"

#include <atomic>

#include "collect/decode/format_decoders.h"
#include "collect/registry/avro_schema.h"
#include "collect/registry/json_schema.h"
#include "collect/registry/protobuf_schema.h"

namespace loch::decode {

namespace {
std::atomic<uint64_t> next_decoder_serial{1};
}  // namespace

RecordDecoder::RecordDecoder(std::vector<ColumnSpec> columns)
    : columns_(std::move(columns)), serial_(next_decoder_serial.fetch_add(1)) {}

Status RecordDecoder::decode(std::string_view payload, ColumnBatch& out) const {
  Status status = decode_row(payload, out);
  if (status.is_ok()) {
    out.finish_row();
  } else {
    out.rollback_row();
  }
  return status;
}

Status RecordDecoder::check(std::string_view payload) const {
  // One scratch batch per thread for the last decoder it checked with, so
  // that a check allocates only what the values themselves need. Serials,
  // not addresses: a new decoder may reuse a freed one's address.
  thread_local uint64_t scratch_owner = 0;
  thread_local ColumnBatch scratch;
  if (scratch_owner != serial_) {
    scratch = new_batch();
    scratch_owner = serial_;
  }
  scratch.clear();
  return decode_row(payload, scratch);
}

Result<std::shared_ptr<const RecordDecoder>> make_record_decoder(std::shared_ptr<const registry::ParsedSchema> schema,
                                                                 const std::vector<int32_t>& message_indexes) {
  if (schema == nullptr) return Status::invalid_argument("no schema to decode with");
  switch (schema->type()) {
    case registry::SchemaType::kAvro: return make_avro_decoder(std::move(schema));
    case registry::SchemaType::kJson: return make_json_decoder(std::move(schema));
    case registry::SchemaType::kProtobuf: return make_protobuf_decoder(std::move(schema), message_indexes);
  }
  return Status::invalid_argument("unknown schema type");
}

}  // namespace loch::decode
