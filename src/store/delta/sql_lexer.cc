#include "store/delta/sql_lexer.h"

#include <cctype>

namespace loch::delta {

bool SqlToken::is_word(std::string_view upper_word) const {
  if (kind != Kind::kWord || text.size() != upper_word.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(text[i])) != upper_word[i]) return false;
  }
  return true;
}

std::vector<SqlToken> lex_sql(std::string_view s) {
  std::vector<SqlToken> tokens;
  size_t i = 0;
  auto is_word_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || (c & 0x80); };
  while (i < s.size()) {
    const char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '-' && i + 1 < s.size() && s[i + 1] == '-') {
      while (i < s.size() && s[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
      int depth = 0;
      while (i < s.size()) {
        if (s[i] == '/' && i + 1 < s.size() && s[i + 1] == '*') {
          ++depth;
          i += 2;
        } else if (s[i] == '*' && i + 1 < s.size() && s[i + 1] == '/') {
          i += 2;
          if (--depth == 0) break;
        } else {
          ++i;
        }
      }
    } else if (c == '\'' || c == '"' || c == '`') {
      // Backticks quote identifiers in Spark SQL: delta.`/path/to/table`.
      SqlToken token{c == '\'' ? SqlToken::Kind::kString : SqlToken::Kind::kQuotedIdentifier, i, i, ""};
      ++i;
      while (i < s.size()) {
        if (s[i] == c) {
          if (i + 1 < s.size() && s[i + 1] == c) {
            token.text.push_back(c);
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        token.text.push_back(s[i++]);
      }
      token.end = i;
      tokens.push_back(std::move(token));
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      SqlToken token{SqlToken::Kind::kNumber, i, i, ""};
      while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '.' || s[i] == '_')) ++i;
      token.end = i;
      token.text = std::string(s.substr(token.begin, i - token.begin));
      tokens.push_back(std::move(token));
    } else if (is_word_char(c)) {
      SqlToken token{SqlToken::Kind::kWord, i, i, ""};
      while (i < s.size() && is_word_char(s[i])) ++i;
      token.end = i;
      token.text = std::string(s.substr(token.begin, i - token.begin));
      tokens.push_back(std::move(token));
    } else {
      SqlToken token{SqlToken::Kind::kSymbol, i, i + 1, std::string(1, c)};
      // Two-character operators the layer needs to see whole.
      if (i + 1 < s.size()) {
        std::string_view two = s.substr(i, 2);
        if (two == ":=" || two == "=>" || two == "::" || two == "<=" || two == ">=" || two == "<>" || two == "!=") {
          token.text = std::string(two);
          token.end = i + 2;
        }
      }
      i = token.end;
      tokens.push_back(std::move(token));
    }
  }
  return tokens;
}

}  // namespace loch::delta
