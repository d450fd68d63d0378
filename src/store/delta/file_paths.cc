#include "store/delta/file_paths.h"

namespace loch::delta {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      int high = hex_value(text[i + 1]);
      int low = hex_value(text[i + 2]);
      if (high >= 0 && low >= 0) {
        out.push_back(static_cast<char>(high * 16 + low));
        i += 2;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

Result<std::filesystem::path> resolve_data_path(const std::filesystem::path& table_root, std::string_view log_path) {
  if (log_path.starts_with("file:")) {
    std::string_view rest = log_path.substr(5);
    // file:///a/b and file://localhost/a/b carry an authority; file:/a/b does not.
    if (rest.starts_with("//")) {
      rest.remove_prefix(2);
      size_t slash = rest.find('/');
      if (slash == std::string_view::npos) return Status::invalid_argument("bad file URI: " + std::string(log_path));
      rest.remove_prefix(slash);
    }
    return std::filesystem::path(percent_decode(rest)).lexically_normal();
  }
  size_t colon = log_path.find(':');
  size_t slash = log_path.find('/');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon < slash)) {
    return Status::not_supported("data file on remote storage is not supported: " + std::string(log_path));
  }
  if (log_path.starts_with("/")) return std::filesystem::path(percent_decode(log_path)).lexically_normal();
  std::string decoded = percent_decode(log_path);
  // Normalizing is costly and only needed for "." and ".." segments.
  if (decoded.find("./") == std::string::npos && !decoded.ends_with(".") && decoded.find("//") == std::string::npos) {
    return table_root / decoded;
  }
  return (table_root / decoded).lexically_normal();
}

std::string sql_string_literal(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out.push_back('\'');
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

std::string sql_identifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace loch::delta
