// ParsedSchema: a schema text of any registry format, parsed and validated,
// with the two things the registry needs from it: a stable text form (to
// store, to return and to find an equal schema) and a compatibility check.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "collect/registry/registry_types.h"
#include "common/result.h"

namespace loch::registry {

class ParsedSchema {
 public:
  virtual ~ParsedSchema() = default;

  virtual SchemaType type() const = 0;

  // The form the registry stores and returns, and compares for lookups
  // (Confluent's canonicalString()): whitespace and formatting removed,
  // meaning kept.
  virtual std::string canonical() const = 0;

  // The form used when a request asks for normalize=true: canonical() with
  // the remaining arbitrary choices fixed too (key order, full names), so
  // that schemas that mean the same thing compare equal.
  virtual std::string normalized() const = 0;

  // Why data valid under `writer` (a schema of the same type) would not be
  // read correctly by this schema as the reader. Empty when it would.
  // `reader_is_new` only picks the words "new"/"old" in the messages, which
  // follow Confluent's {errorType:'...', description:'...'} style.
  virtual std::vector<std::string> read_differences(const ParsedSchema& writer, bool reader_is_new) const = 0;

  // The schema in a format a client asks for with ?format= (Confluent's
  // GET /schemas/ids/{id}?format=serialized gives PROTOBUF as a base64
  // FileDescriptorProto). Unknown or empty formats give canonical().
  virtual std::string formatted(std::string_view format) const {
    (void)format;
    return canonical();
  }
};

// Parses `text` as a schema of `type`. `references` are the schemas it
// refers to, resolved by the store (dependencies first). The error is
// InvalidArgument with the parser's message (the REST layer answers 42201).
Result<std::unique_ptr<ParsedSchema>> parse_schema(SchemaType type, std::string_view text,
                                                   const std::vector<ResolvedReference>& references);

}  // namespace loch::registry
