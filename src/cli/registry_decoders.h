// registry_decoders: the schema-id lookup behind `loch pipeline run|preview`
// for registry formats (avro, json, protobuf in Confluent wire format): a
// decode::DecoderCache whose schemas come over HTTP from a Confluent-
// compatible registry (loch serve's embedded one by default).
#pragma once

#include <memory>
#include <string>

#include "collect/decode/decoder_cache.h"
#include "common/result.h"

namespace loch::cli {

// The default registry: the embedded one of `loch serve`.
inline constexpr const char* kDefaultRegistryUrl = "http://localhost:8081";

// A decoder cache reading schemas by id from the registry at `url`. Checks
// first that the registry answers (IOError naming the URL otherwise), so a
// registry that is down fails the run instead of sending every record to
// the DLQ as an unknown schema. Safe to share between threads.
Result<std::shared_ptr<decode::DecoderCache>> registry_decoder_cache(const std::string& url);

}  // namespace loch::cli
