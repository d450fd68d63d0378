// Small text helpers shared by the decoders: UTF-8 validation (DuckDB's
// VARCHAR and Delta's string require it), JSON string quoting, base64, and
// the text form of a 16-byte UUID.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace loch::decode {

// The byte index of the first invalid UTF-8 sequence, or npos when valid.
size_t find_invalid_utf8(std::string_view text);
// Appends `text` as a JSON string literal (quotes and escapes included).
void append_json_string(std::string_view text, std::string& out);
void append_base64(std::string_view bytes, std::string& out);
// "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (lowercase) from 16 bytes.
std::string uuid_text(std::string_view sixteen_bytes);
// Whether `text` is a UUID in the 8-4-4-4-12 hex form (any case).
bool is_uuid_text(std::string_view text);
// Days since 1970-01-01 of a proleptic Gregorian "YYYY-MM-DD"; false if malformed.
bool parse_iso_date(std::string_view text, int64_t& days);

}  // namespace loch::decode
