#include "store/sql/statement_splitter.h"

#include <cctype>

namespace loch::sql {
namespace {

struct ScanResult {
  std::vector<ScriptStatement> statements;
  bool unterminated_quote = false;  // the script ended inside a quote or comment
  bool trailing_text = false;       // meaningful text after the last semicolon
};

// The dollar-quote tag starting at `pos` ("$$", "$body$"), or empty.
std::string_view dollar_tag(std::string_view s, size_t pos) {
  size_t end = pos + 1;
  while (end < s.size() && (std::isalnum(static_cast<unsigned char>(s[end])) || s[end] == '_')) ++end;
  if (end < s.size() && s[end] == '$') {
    // "$1" is a parameter, not a tag.
    if (end > pos + 1 && std::isdigit(static_cast<unsigned char>(s[pos + 1]))) return {};
    return s.substr(pos, end - pos + 1);
  }
  return {};
}

ScanResult scan(std::string_view s) {
  ScanResult result;
  std::string current;
  int line = 1;
  int statement_line = 0;  // 0 until the current statement has a token
  size_t i = 0;

  auto mark_token = [&] {
    if (statement_line == 0) statement_line = line;
  };
  auto copy_until = [&](size_t end) {  // copies s[i, end) and counts lines
    for (; i < end && i < s.size(); ++i) {
      if (s[i] == '\n') ++line;
      current += s[i];
    }
  };

  while (i < s.size()) {
    char c = s[i];
    if (c == '\'' || c == '"') {
      mark_token();
      size_t j = i + 1;
      for (;;) {
        if (j >= s.size()) {
          result.unterminated_quote = true;
          break;
        }
        if (s[j] == c) {
          if (j + 1 < s.size() && s[j + 1] == c) {  // doubled quote escapes itself
            j += 2;
            continue;
          }
          break;
        }
        ++j;
      }
      copy_until(j + 1);
    } else if (c == '-' && i + 1 < s.size() && s[i + 1] == '-') {
      size_t end = s.find('\n', i);
      copy_until(end == std::string_view::npos ? s.size() : end);
    } else if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
      int depth = 0;
      size_t j = i;
      while (j < s.size()) {
        if (s[j] == '/' && j + 1 < s.size() && s[j + 1] == '*') {
          ++depth;
          j += 2;
        } else if (s[j] == '*' && j + 1 < s.size() && s[j + 1] == '/') {
          --depth;
          j += 2;
          if (depth == 0) break;
        } else {
          ++j;
        }
      }
      if (depth > 0) result.unterminated_quote = true;
      copy_until(j);
    } else if (c == '$' && !dollar_tag(s, i).empty()) {
      mark_token();
      std::string_view tag = dollar_tag(s, i);
      size_t close = s.find(tag, i + tag.size());
      if (close == std::string_view::npos) {
        result.unterminated_quote = true;
        copy_until(s.size());
      } else {
        copy_until(close + tag.size());
      }
    } else if (c == ';') {
      if (statement_line != 0) result.statements.push_back({current, statement_line});
      current.clear();
      statement_line = 0;
      ++i;
    } else {
      if (!std::isspace(static_cast<unsigned char>(c))) mark_token();
      copy_until(i + 1);
    }
  }
  if (statement_line != 0) {
    result.trailing_text = true;
    result.statements.push_back({current, statement_line});
  }
  return result;
}

}  // namespace

std::vector<ScriptStatement> split_statements(std::string_view script) { return scan(script).statements; }

bool is_statement_incomplete(std::string_view script) {
  ScanResult result = scan(script);
  return result.unterminated_quote || result.trailing_text;
}

}  // namespace loch::sql
