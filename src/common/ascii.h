// ASCII case folding for SQL keywords, identifiers, option and property
// names. Bytes outside ASCII are left as they are (UTF-8 stays valid).
#pragma once

#include <string>
#include <string_view>

namespace loch {

inline std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace loch
