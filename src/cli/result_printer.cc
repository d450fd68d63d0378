#include "cli/result_printer.h"

#include <algorithm>
#include <deque>
#include <vector>

#include "store/sql/cell_text.h"

namespace loch::cli {
namespace {

using sql::CellStyle;
using sql::LogicalType;

constexpr size_t kTableHeadRows = 20;
constexpr size_t kTableTailRows = 20;
constexpr size_t kMaxCellWidth = 60;

struct Columns {
  std::vector<std::string> names;
  std::vector<LogicalType> types;
};

Columns describe(const sql::QueryResult& result) {
  Columns columns;
  for (size_t i = 0; i < result.column_count(); ++i) {
    columns.names.push_back(result.column_name(i));
    columns.types.push_back(result.column_type(i));
  }
  return columns;
}

// Width on a terminal: counts UTF-8 code points, not bytes.
size_t display_width(const std::string& text) {
  size_t width = 0;
  for (unsigned char c : text) width += (c & 0xC0) != 0x80;
  return width;
}

std::string clip(const std::string& text) {
  if (display_width(text) <= kMaxCellWidth) return text;
  std::string out;
  size_t width = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) != 0x80 && ++width > kMaxCellWidth - 1) break;
    out += text[i];
  }
  return out + "…";
}

bool is_numeric(duckdb_type id) {
  switch (id) {
    case DUCKDB_TYPE_TINYINT: case DUCKDB_TYPE_SMALLINT: case DUCKDB_TYPE_INTEGER: case DUCKDB_TYPE_BIGINT:
    case DUCKDB_TYPE_UTINYINT: case DUCKDB_TYPE_USMALLINT: case DUCKDB_TYPE_UINTEGER: case DUCKDB_TYPE_UBIGINT:
    case DUCKDB_TYPE_HUGEINT: case DUCKDB_TYPE_UHUGEINT: case DUCKDB_TYPE_FLOAT: case DUCKDB_TYPE_DOUBLE:
    case DUCKDB_TYPE_DECIMAL:
      return true;
    default:
      return false;
  }
}

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

std::string repeat(const char* piece, size_t count) {
  std::string out;
  for (size_t i = 0; i < count; ++i) out += piece;
  return out;
}

void pad(std::string& line, const std::string& text, size_t width, bool right) {
  size_t gap = width - display_width(text);
  if (right) line.append(gap, ' ');
  line += text;
  if (!right) line.append(gap, ' ');
}

Status print_table(sql::QueryResult& result, std::ostream& out) {
  Columns columns = describe(result);
  using Row = std::vector<std::string>;
  std::vector<Row> head;
  std::deque<Row> tail;
  size_t total = 0;
  for (;;) {
    LOCH_ASSIGN_OR_RETURN(auto chunk, result.next_chunk());
    if (!chunk) break;
    for (size_t r = 0; r < chunk->size(); ++r, ++total) {
      Row row;
      for (size_t c = 0; c < columns.names.size(); ++c) {
        std::string text;
        sql::append_cell_text(chunk->column(c), columns.types[c], r, CellStyle::kDisplay, text);
        row.push_back(clip(text));
      }
      if (head.size() < kTableHeadRows) {
        head.push_back(std::move(row));
      } else {
        tail.push_back(std::move(row));
        if (tail.size() > kTableTailRows) tail.pop_front();
      }
    }
  }
  bool truncated = total > head.size() + tail.size();

  std::vector<std::string> type_names;
  std::vector<size_t> widths;
  for (size_t c = 0; c < columns.names.size(); ++c) {
    type_names.push_back(lowercase(columns.types[c].to_sql()));
    size_t width = std::max(display_width(columns.names[c]), display_width(type_names[c]));
    for (const Row& row : head) width = std::max(width, display_width(row[c]));
    for (const Row& row : tail) width = std::max(width, display_width(row[c]));
    widths.push_back(std::max<size_t>(width, 1));
  }

  std::string footer;
  if (truncated) {
    footer = std::to_string(total) + " rows (" + std::to_string(head.size() + tail.size()) + " shown)";
    // Widen the last column so that the footer fits inside the box.
    size_t inner = 0;
    for (size_t w : widths) inner += w + 3;
    if (inner - 1 < footer.size() + 2) widths.back() += footer.size() + 2 - (inner - 1);
  }

  auto rule = [&](const char* left, const char* mid, const char* right) {
    std::string line = left;
    for (size_t c = 0; c < widths.size(); ++c) {
      if (c) line += mid;
      line += repeat("─", widths[c] + 2);
    }
    return line + right + "\n";
  };
  auto text_row = [&](const Row& row, bool align_numbers) {
    std::string line = "│";
    for (size_t c = 0; c < widths.size(); ++c) {
      line += ' ';
      pad(line, row[c], widths[c], align_numbers && is_numeric(columns.types[c].id()));
      line += " │";
    }
    return line + "\n";
  };

  std::string text = rule("┌", "┬", "┐");
  text += text_row(columns.names, false);
  text += text_row(type_names, false);
  text += rule("├", "┼", "┤");
  for (const Row& row : head) text += text_row(row, true);
  if (truncated) {
    text += text_row(Row(widths.size(), "·"), false);
    text += text_row(Row(widths.size(), "·"), false);
  }
  for (const Row& row : tail) text += text_row(row, true);
  if (truncated) {
    size_t inner = 0;
    for (size_t w : widths) inner += w + 3;
    inner -= 1;
    text += rule("├", "┴", "┤");
    std::string line = "│ ";
    pad(line, footer, inner - 2, false);
    text += line + " │\n";
    text += "└" + repeat("─", inner) + "┘\n";
  } else {
    text += rule("└", "┴", "┘");
  }
  out << text;
  return Status::ok();
}

void append_csv_field(const std::string& field, std::string& line) {
  if (field.find_first_of(",\"\r\n") == std::string::npos) {
    line += field;
    return;
  }
  line += '"';
  for (char c : field) {
    if (c == '"') line += '"';
    line += c;
  }
  line += '"';
}

Status print_csv(sql::QueryResult& result, std::ostream& out) {
  Columns columns = describe(result);
  std::string line;
  for (size_t c = 0; c < columns.names.size(); ++c) {
    if (c) line += ',';
    append_csv_field(columns.names[c], line);
  }
  out << line << '\n';
  for (;;) {
    LOCH_ASSIGN_OR_RETURN(auto chunk, result.next_chunk());
    if (!chunk) break;
    std::string block;
    for (size_t r = 0; r < chunk->size(); ++r) {
      for (size_t c = 0; c < columns.names.size(); ++c) {
        if (c) block += ',';
        if (!chunk->column(c).is_valid(r)) continue;
        std::string text;
        sql::append_cell_text(chunk->column(c), columns.types[c], r, CellStyle::kDisplay, text);
        append_csv_field(text, block);
      }
      block += '\n';
    }
    out << block;
  }
  return Status::ok();
}

Status print_json(sql::QueryResult& result, bool one_array, std::ostream& out) {
  Columns columns = describe(result);
  std::vector<std::string> keys;
  for (const auto& name : columns.names) {
    std::string key;
    sql::append_json_string(name, key);
    keys.push_back(key + ":");
  }
  bool first = true;
  if (one_array) out << '[';
  for (;;) {
    LOCH_ASSIGN_OR_RETURN(auto chunk, result.next_chunk());
    if (!chunk) break;
    std::string block;
    for (size_t r = 0; r < chunk->size(); ++r) {
      if (one_array && !first) block += ",\n";
      first = false;
      block += '{';
      for (size_t c = 0; c < keys.size(); ++c) {
        if (c) block += ',';
        block += keys[c];
        sql::append_cell_text(chunk->column(c), columns.types[c], r, CellStyle::kJson, block);
      }
      block += '}';
      if (!one_array) block += '\n';
    }
    out << block;
  }
  if (one_array) out << "]\n";
  return Status::ok();
}

}  // namespace

Result<OutputFormat> parse_output_format(const std::string& name) {
  if (name == "table") return OutputFormat::kTable;
  if (name == "csv") return OutputFormat::kCsv;
  if (name == "json") return OutputFormat::kJson;
  if (name == "jsonl") return OutputFormat::kJsonLines;
  return Status::invalid_argument("unknown output format '" + name + "' (expected table, csv, json or jsonl)");
}

Status print_result(sql::QueryResult& result, OutputFormat format, std::ostream& out) {
  if (result.column_count() == 0 || !result.returns_rows()) return Status::ok();
  switch (format) {
    case OutputFormat::kTable: return print_table(result, out);
    case OutputFormat::kCsv: return print_csv(result, out);
    case OutputFormat::kJson: return print_json(result, true, out);
    case OutputFormat::kJsonLines: return print_json(result, false, out);
  }
  return Status::internal("unhandled output format");
}

}  // namespace loch::cli
