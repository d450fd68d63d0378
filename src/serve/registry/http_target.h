// The request target of an HTTP request ("/subjects/a%2Fb/versions?deleted=true")
// split into percent-decoded path segments and query parameters, as the
// registry's routes need them. Subjects may hold any character, so clients
// (Confluent's among them) percent-encode each path segment: a '/' inside a
// subject arrives as %2F and must not split the path.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace loch::serve {

struct HttpTarget {
  std::vector<std::string> segments;         // "/a/b/" -> {"a", "b"}; "/" -> {}
  std::map<std::string, std::string> query;  // the first value of each name wins

  // The value of a query parameter, "" when absent.
  std::string_view param(std::string_view name) const;
  // Jersey's reading of a boolean parameter: "true" in any case, else false.
  bool flag(std::string_view name) const;
};

// InvalidArgument for a target that is not origin-form ("/..."), or a bad
// percent escape. In the query, '+' is a space (form encoding).
Result<HttpTarget> parse_http_target(std::string_view target);

// Percent-decodes `text` ("%2F" -> "/"); `plus_is_space` for query parts.
Result<std::string> percent_decode(std::string_view text, bool plus_is_space);

// Percent-encodes everything but RFC 3986's unreserved characters, so that
// the result is one path segment or one query value.
std::string percent_encode(std::string_view text);

}  // namespace loch::serve
