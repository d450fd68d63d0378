// A small SQL lexer: enough of DuckDB's lexical grammar to find table
// references in a statement without misreading strings, quoted identifiers
// or comments. The Delta statement layer rewrites tokens, never raw text.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace loch::delta {

struct SqlToken {
  enum class Kind { kWord, kQuotedIdentifier, kString, kNumber, kSymbol, kSpace } kind;
  size_t begin = 0;  // byte offsets into the statement
  size_t end = 0;
  std::string text;  // words as written; identifiers and strings unquoted

  bool is_word(std::string_view upper_word) const;
  bool is_symbol(std::string_view symbol) const { return kind == Kind::kSymbol && text == symbol; }
  bool is_identifier() const { return kind == Kind::kWord || kind == Kind::kQuotedIdentifier; }
};

// Tokens of `statement`, without comments and whitespace. Unterminated
// strings or comments end at the end of the text (DuckDB reports them).
std::vector<SqlToken> lex_sql(std::string_view statement);

}  // namespace loch::delta
