#include "serve/registry/http_target.h"

#include <cctype>
#include <cstdint>

namespace loch::serve {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

// RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    size_t length = 0;
    uint32_t code = 0;
    if (byte < 0x80) {
      ++i;
      continue;
    } else if ((byte & 0xE0) == 0xC0) {
      length = 2;
      code = byte & 0x1F;
    } else if ((byte & 0xF0) == 0xE0) {
      length = 3;
      code = byte & 0x0F;
    } else if ((byte & 0xF8) == 0xF0) {
      length = 4;
      code = byte & 0x07;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    static constexpr uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < kSmallest[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
    i += length;
  }
  return true;
}

// Names and values end up in JSON answers and `_schemas` records, which are
// UTF-8: bytes that are not are refused at the door.
Result<std::string> decode_component(std::string_view raw, bool plus_is_space) {
  LOCH_ASSIGN_OR_RETURN(std::string decoded, percent_decode(raw, plus_is_space));
  if (!is_valid_utf8(decoded)) {
    return Status::invalid_argument("'" + std::string(raw) + "' does not decode to UTF-8 text");
  }
  return decoded;
}

}  // namespace

std::string_view HttpTarget::param(std::string_view name) const {
  const auto found = query.find(std::string(name));
  return found == query.end() ? std::string_view() : std::string_view(found->second);
}

bool HttpTarget::flag(std::string_view name) const { return equals_ignoring_case(param(name), "true"); }

Result<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      const bool complete = i + 2 < text.size();
      const int high = complete ? hex_value(text[i + 1]) : -1;
      const int low = complete ? hex_value(text[i + 2]) : -1;
      if (high < 0 || low < 0) {
        return Status::invalid_argument("bad percent escape at byte " + std::to_string(i) + " of '" +
                                        std::string(text) + "'");
      }
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0x0F]);
    }
  }
  return out;
}

Result<HttpTarget> parse_http_target(std::string_view target) {
  if (target.empty() || target.front() != '/') {
    return Status::invalid_argument("request target '" + std::string(target) + "' does not start with '/'");
  }
  HttpTarget out;
  std::string_view path = target;
  std::string_view query;
  if (const size_t mark = target.find('?'); mark != std::string_view::npos) {
    path = target.substr(0, mark);
    query = target.substr(mark + 1);
  }
  if (const size_t hash = query.find('#'); hash != std::string_view::npos) query = query.substr(0, hash);

  path.remove_prefix(1);
  while (!path.empty()) {
    const size_t slash = path.find('/');
    const std::string_view raw = path.substr(0, slash);
    // Empty segments ("//", a trailing '/') carry nothing: JAX-RS ignores them too.
    if (!raw.empty()) {
      LOCH_ASSIGN_OR_RETURN(std::string segment, decode_component(raw, /*plus_is_space=*/false));
      out.segments.push_back(std::move(segment));
    }
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }

  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (!pair.empty()) {
      const size_t eq = pair.find('=');
      LOCH_ASSIGN_OR_RETURN(std::string name, decode_component(pair.substr(0, eq), true));
      std::string value;
      if (eq != std::string_view::npos) {
        LOCH_ASSIGN_OR_RETURN(value, decode_component(pair.substr(eq + 1), true));
      }
      out.query.emplace(std::move(name), std::move(value));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

}  // namespace loch::serve
