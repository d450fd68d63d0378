// The three format decoders behind make_record_decoder (one file each).
#pragma once

#include <memory>
#include <vector>

#include "collect/decode/record_decoder.h"

namespace loch::decode {

Result<std::shared_ptr<const RecordDecoder>> make_avro_decoder(std::shared_ptr<const registry::ParsedSchema> schema);
Result<std::shared_ptr<const RecordDecoder>> make_json_decoder(std::shared_ptr<const registry::ParsedSchema> schema);
Result<std::shared_ptr<const RecordDecoder>> make_protobuf_decoder(std::shared_ptr<const registry::ParsedSchema> schema,
                                                                   const std::vector<int32_t>& message_indexes);

}  // namespace loch::decode
