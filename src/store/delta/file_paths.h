// Paths in the Delta log: `add.path`, `remove.path` and 'p' deletion vectors
// are URIs, relative to the table root (percent-encoded) or absolute
// (`file:/...`, `file:///...`). loch reads the local file system only.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "common/result.h"

namespace loch::delta {

// Decodes %XX escapes (RFC 3986); a malformed escape is kept as written.
std::string percent_decode(std::string_view text);

// The local file a log path names. Relative paths are resolved against
// table_root; URIs of another scheme (s3://, abfss://) are refused.
Result<std::filesystem::path> resolve_data_path(const std::filesystem::path& table_root, std::string_view log_path);

// A SQL string literal ('it''s') for DuckDB.
std::string sql_string_literal(std::string_view text);

// A SQL quoted identifier ("a ""b""").
std::string sql_identifier(std::string_view name);

}  // namespace loch::delta
