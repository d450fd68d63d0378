#include "store/sql/cell_text.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace loch::sql {
namespace {

using int128 = __int128;
using uint128 = unsigned __int128;

std::string uint128_to_string(uint128 v) {
  if (v == 0) return "0";
  char buf[48];
  int pos = sizeof(buf);
  while (v > 0) {
    buf[--pos] = static_cast<char>('0' + static_cast<int>(v % 10));
    v /= 10;
  }
  return std::string(buf + pos, sizeof(buf) - pos);
}

std::string int128_to_string(int128 v) {
  if (v < 0) return "-" + uint128_to_string(static_cast<uint128>(0) - static_cast<uint128>(v));
  return uint128_to_string(static_cast<uint128>(v));
}

int128 read_hugeint(const VectorView& column, size_t row) {
  const duckdb_hugeint h = column.values<duckdb_hugeint>()[row];
  return (static_cast<int128>(h.upper) << 64) | static_cast<int128>(h.lower);
}

uint128 read_uhugeint(const VectorView& column, size_t row) {
  const duckdb_uhugeint h = column.values<duckdb_uhugeint>()[row];
  return (static_cast<uint128>(h.upper) << 64) | static_cast<uint128>(h.lower);
}

template <typename T>
void append_integer(T value, std::string& out) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  out.append(buf, end);
}

// Shortest text that reads back to the same value, as DuckDB prints floats.
template <typename T>
void append_float(T value, CellStyle style, std::string& out) {
  if (std::isnan(value)) {
    out += style == CellStyle::kJson ? "null" : "nan";
    return;
  }
  if (std::isinf(value)) {
    out += style == CellStyle::kJson ? "null" : (value > 0 ? "inf" : "-inf");
    return;
  }
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  out.append(buf, end);
}

void append_decimal(int128 unscaled, uint8_t scale, std::string& out) {
  bool negative = unscaled < 0;
  uint128 magnitude = negative ? static_cast<uint128>(0) - static_cast<uint128>(unscaled)
                               : static_cast<uint128>(unscaled);
  std::string digits = uint128_to_string(magnitude);
  if (scale > 0) {
    if (digits.size() <= scale) digits.insert(0, scale - digits.size() + 1, '0');
    digits.insert(digits.size() - scale, 1, '.');
  }
  if (negative) out += '-';
  out += digits;
}

void append_two(int value, std::string& out) {
  out += static_cast<char>('0' + value / 10);
  out += static_cast<char>('0' + value % 10);
}

void append_date(duckdb_date date, std::string& out) {
  if (!duckdb_is_finite_date(date)) {
    out += date.days > 0 ? "infinity" : "-infinity";
    return;
  }
  duckdb_date_struct d = duckdb_from_date(date);
  int32_t year = d.year;
  bool bc = year <= 0;
  if (bc) year = 1 - year;
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02d", year, d.month, d.day);
  out += buf;
  if (bc) out += " (BC)";
}

// HH:MM:SS[.ffffff] with trailing zeros of the fraction trimmed, as DuckDB does.
void append_time_of_day(int64_t hour, int64_t minute, int64_t second, int64_t micros, std::string& out) {
  append_two(static_cast<int>(hour), out);
  out += ':';
  append_two(static_cast<int>(minute), out);
  out += ':';
  append_two(static_cast<int>(second), out);
  if (micros > 0) {
    char buf[24];
    std::snprintf(buf, sizeof(buf), "%06lld", static_cast<long long>(micros));
    std::string fraction(buf);
    while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
    out += '.';
    out += fraction;
  }
}

void append_time(duckdb_time time, std::string& out) {
  duckdb_time_struct t = duckdb_from_time(time);
  append_time_of_day(t.hour, t.min, t.sec, t.micros, out);
}

void append_timestamp_micros(int64_t micros, std::string& out) {
  duckdb_timestamp ts{micros};
  if (!duckdb_is_finite_timestamp(ts)) {
    out += micros > 0 ? "infinity" : "-infinity";
    return;
  }
  duckdb_timestamp_struct s = duckdb_from_timestamp(ts);
  append_date(duckdb_to_date(s.date), out);
  out += ' ';
  append_time_of_day(s.time.hour, s.time.min, s.time.sec, s.time.micros, out);
}

void append_interval(duckdb_interval iv, std::string& out) {
  bool wrote = false;
  auto part = [&](int64_t n, const char* unit) {
    if (n == 0) return;
    if (wrote) out += ' ';
    append_integer(n, out);
    out += ' ';
    out += unit;
    if (n != 1 && n != -1) out += 's';
    wrote = true;
  };
  part(iv.months / 12, "year");
  part(iv.months % 12, "month");
  part(iv.days, "day");
  if (iv.micros != 0 || !wrote) {
    if (wrote) out += ' ';
    int64_t micros = iv.micros;
    if (micros < 0) {
      out += '-';
      micros = -micros;
    }
    int64_t seconds = micros / 1000000;
    append_time_of_day(seconds / 3600, (seconds / 60) % 60, seconds % 60, micros % 1000000, out);
  }
}

void append_uuid(const VectorView& column, size_t row, std::string& out) {
  // DuckDB stores a UUID as a hugeint with the top bit flipped, so that
  // signed comparison orders UUIDs as their bytes do.
  int128 v = read_hugeint(column, row);
  uint128 bits = static_cast<uint128>(v) ^ (static_cast<uint128>(1) << 127);
  char hex[33];
  for (int i = 31; i >= 0; --i) {
    hex[i] = "0123456789abcdef"[static_cast<int>(bits & 0xF)];
    bits >>= 4;
  }
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) out += '-';
    out += hex[i];
  }
}

void append_blob(std::string_view bytes, std::string& out) {
  for (unsigned char c : bytes) {
    if (c >= 32 && c < 127 && c != '\\' && c != '\'' && c != '"') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02X", c);
      out += buf;
    }
  }
}

uint64_t enum_index(const VectorView& column, const LogicalType& type, size_t row) {
  switch (type.enum_storage()) {
    case DUCKDB_TYPE_UTINYINT: return column.values<uint8_t>()[row];
    case DUCKDB_TYPE_USMALLINT: return column.values<uint16_t>()[row];
    default: return column.values<uint32_t>()[row];
  }
}

int128 decimal_unscaled(const VectorView& column, const LogicalType& type, size_t row) {
  switch (type.decimal_storage()) {
    case DUCKDB_TYPE_SMALLINT: return column.values<int16_t>()[row];
    case DUCKDB_TYPE_INTEGER: return column.values<int32_t>()[row];
    case DUCKDB_TYPE_BIGINT: return column.values<int64_t>()[row];
    default: return read_hugeint(column, row);
  }
}

// A string inside a nested value: quoted in display so that [a, b] and
// ['a, b'] differ, as DuckDB prints them.
void append_nested_string(std::string_view text, CellStyle style, std::string& out) {
  if (style == CellStyle::kJson) {
    append_json_string(text, out);
    return;
  }
  out += '\'';
  for (char c : text) {
    if (c == '\'') out += '\\';
    out += c;
  }
  out += '\'';
}

void append_child(const VectorView& child, const LogicalType& type, size_t row, CellStyle style,
                  std::string& out) {
  if (style == CellStyle::kDisplay && child.is_valid(row) &&
      (type.id() == DUCKDB_TYPE_VARCHAR || type.id() == DUCKDB_TYPE_ENUM)) {
    std::string text;
    append_cell_text(child, type, row, style, text);
    append_nested_string(text, style, out);
    return;
  }
  append_cell_text(child, type, row, style, out);
}

void append_list_items(const VectorView& child, const LogicalType& child_type, uint64_t offset, uint64_t length,
                       CellStyle style, std::string& out) {
  out += '[';
  for (uint64_t i = 0; i < length; ++i) {
    if (i) out += ", ";
    append_child(child, child_type, offset + i, style, out);
  }
  out += ']';
}

void append_struct(const VectorView& column, const LogicalType& type, size_t row, CellStyle style,
                   std::string& out) {
  out += '{';
  for (size_t i = 0; i < type.struct_child_count(); ++i) {
    if (i) out += ", ";
    std::string name = type.struct_child_name(i);
    if (style == CellStyle::kJson) {
      append_json_string(name, out);
      out += ':';
    } else {
      append_nested_string(name, style, out);
      out += ": ";
    }
    append_child(column.struct_child(i), type.struct_child(i), row, style, out);
  }
  out += '}';
}

// A MAP is a LIST of STRUCT(key, value).
void append_map(const VectorView& column, const LogicalType& type, size_t row, CellStyle style, std::string& out) {
  duckdb_list_entry entry = column.list_entry(row);
  VectorView entries = column.list_child();
  LogicalType entry_type = type.list_child();
  VectorView keys = entries.struct_child(0);
  VectorView values = entries.struct_child(1);
  LogicalType key_type = entry_type.struct_child(0);
  LogicalType value_type = entry_type.struct_child(1);
  out += '{';
  for (uint64_t i = 0; i < entry.length; ++i) {
    if (i) out += ", ";
    size_t at = entry.offset + i;
    if (style == CellStyle::kJson) {
      std::string key;
      append_cell_text(keys, key_type, at, CellStyle::kDisplay, key);
      append_json_string(key, out);
      out += ':';
    } else {
      append_cell_text(keys, key_type, at, style, out);
      out += '=';
    }
    append_cell_text(values, value_type, at, style, out);
  }
  out += '}';
}

void append_quoted_if_json(CellStyle style, std::string& out, const std::string& text) {
  if (style == CellStyle::kJson) {
    append_json_string(text, out);
  } else {
    out += text;
  }
}

}  // namespace

void append_json_string(std::string_view text, std::string& out) {
  out += '"';
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

void append_cell_text(const VectorView& column, const LogicalType& type, size_t row, CellStyle style,
                      std::string& out) {
  if (!column.is_valid(row)) {
    out += style == CellStyle::kJson ? "null" : "NULL";
    return;
  }
  switch (type.id()) {
    case DUCKDB_TYPE_BOOLEAN: out += column.values<bool>()[row] ? "true" : "false"; return;
    case DUCKDB_TYPE_TINYINT: append_integer(column.values<int8_t>()[row], out); return;
    case DUCKDB_TYPE_SMALLINT: append_integer(column.values<int16_t>()[row], out); return;
    case DUCKDB_TYPE_INTEGER: append_integer(column.values<int32_t>()[row], out); return;
    case DUCKDB_TYPE_BIGINT: append_integer(column.values<int64_t>()[row], out); return;
    case DUCKDB_TYPE_UTINYINT: append_integer(column.values<uint8_t>()[row], out); return;
    case DUCKDB_TYPE_USMALLINT: append_integer(column.values<uint16_t>()[row], out); return;
    case DUCKDB_TYPE_UINTEGER: append_integer(column.values<uint32_t>()[row], out); return;
    case DUCKDB_TYPE_UBIGINT: append_integer(column.values<uint64_t>()[row], out); return;
    case DUCKDB_TYPE_HUGEINT: out += int128_to_string(read_hugeint(column, row)); return;
    case DUCKDB_TYPE_UHUGEINT: out += uint128_to_string(read_uhugeint(column, row)); return;
    case DUCKDB_TYPE_FLOAT: append_float(column.values<float>()[row], style, out); return;
    case DUCKDB_TYPE_DOUBLE: append_float(column.values<double>()[row], style, out); return;
    case DUCKDB_TYPE_DECIMAL:
      append_decimal(decimal_unscaled(column, type, row), type.decimal_scale(), out);
      return;
    case DUCKDB_TYPE_VARCHAR: {
      std::string_view text = column.string_at(row);
      if (style == CellStyle::kJson) {
        append_json_string(text, out);
      } else {
        out += text;
      }
      return;
    }
    case DUCKDB_TYPE_BLOB: {
      std::string text;
      append_blob(column.string_at(row), text);
      append_quoted_if_json(style, out, text);
      return;
    }
    case DUCKDB_TYPE_ENUM:
      append_quoted_if_json(style, out, type.enum_member(enum_index(column, type, row)));
      return;
    case DUCKDB_TYPE_UUID: {
      std::string text;
      append_uuid(column, row, text);
      append_quoted_if_json(style, out, text);
      return;
    }
    case DUCKDB_TYPE_DATE: {
      std::string text;
      append_date(column.values<duckdb_date>()[row], text);
      append_quoted_if_json(style, out, text);
      return;
    }
    case DUCKDB_TYPE_TIME: {
      std::string text;
      append_time(column.values<duckdb_time>()[row], text);
      append_quoted_if_json(style, out, text);
      return;
    }
    case DUCKDB_TYPE_TIME_TZ: {
      duckdb_time_tz_struct t = duckdb_from_time_tz(column.values<duckdb_time_tz>()[row]);
      std::string text;
      append_time_of_day(t.time.hour, t.time.min, t.time.sec, t.time.micros, text);
      int offset = t.offset;
      text += offset < 0 ? '-' : '+';
      offset = offset < 0 ? -offset : offset;
      append_two(offset / 3600, text);
      if (offset % 3600) {
        text += ':';
        append_two((offset / 60) % 60, text);
      }
      append_quoted_if_json(style, out, text);
      return;
    }
    case DUCKDB_TYPE_TIMESTAMP:
    case DUCKDB_TYPE_TIMESTAMP_TZ:
    case DUCKDB_TYPE_TIMESTAMP_S:
    case DUCKDB_TYPE_TIMESTAMP_MS:
    case DUCKDB_TYPE_TIMESTAMP_NS: {
      int64_t raw = column.values<int64_t>()[row];
      int64_t micros = raw;
      if (type.id() == DUCKDB_TYPE_TIMESTAMP_S) micros = raw * 1000000;
      if (type.id() == DUCKDB_TYPE_TIMESTAMP_MS) micros = raw * 1000;
      if (type.id() == DUCKDB_TYPE_TIMESTAMP_NS) micros = raw / 1000 - (raw % 1000 < 0 ? 1 : 0);
      std::string text;
      append_timestamp_micros(micros, text);
      int64_t sub_micro_nanos = type.id() == DUCKDB_TYPE_TIMESTAMP_NS ? ((raw % 1000) + 1000) % 1000 : 0;
      if (sub_micro_nanos != 0) {
        // Keep the nanoseconds that the microsecond rendering dropped.
        size_t dot = text.find('.');
        if (dot == std::string::npos) {
          dot = text.size();
          text += '.';
        }
        while (text.size() - dot - 1 < 6) text += '0';
        char buf[24];
        std::snprintf(buf, sizeof(buf), "%03lld", static_cast<long long>(sub_micro_nanos));
        text += buf;
        while (text.back() == '0') text.pop_back();
      }
      if (type.id() == DUCKDB_TYPE_TIMESTAMP_TZ) text += "+00";
      append_quoted_if_json(style, out, text);
      return;
    }
    case DUCKDB_TYPE_INTERVAL: {
      std::string text;
      append_interval(column.values<duckdb_interval>()[row], text);
      append_quoted_if_json(style, out, text);
      return;
    }
    case DUCKDB_TYPE_LIST: {
      duckdb_list_entry entry = column.list_entry(row);
      append_list_items(column.list_child(), type.list_child(), entry.offset, entry.length, style, out);
      return;
    }
    case DUCKDB_TYPE_ARRAY: {
      size_t size = duckdb_array_type_array_size(type.handle());
      append_list_items(column.array_child(size), type.array_child(), row * size, size, style, out);
      return;
    }
    case DUCKDB_TYPE_STRUCT: append_struct(column, type, row, style, out); return;
    case DUCKDB_TYPE_MAP: append_map(column, type, row, style, out); return;
    default:
      append_quoted_if_json(style, out, "<" + type.to_sql() + " value>");
      return;
  }
}

}  // namespace loch::sql
