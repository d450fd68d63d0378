// Z85 (ZeroMQ RFC 32) decoding: the Base85 variant Delta uses for inline
// deletion vectors and the UUIDs of on-disk ones (PROTOCOL.md, "Deletion
// Vector Descriptor Schema").
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace loch::delta {

// Decodes `text` (5 characters per 4 bytes, big-endian). A length that is not
// a multiple of 5 is padded as Delta's writers do, so the output may carry up
// to 3 trailing bytes the caller trims to the size it knows.
Result<std::string> z85_decode(std::string_view text);

// Encodes bytes whose length is a multiple of 4 (used by tests and writers).
std::string z85_encode(std::string_view bytes);

}  // namespace loch::delta
