#include "process/source/text_values.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>

#include "collect/decode/text_encoding.h"

namespace loch::source {
namespace {

using decode::ColumnType;

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::toupper(c); });
  return text;
}

Status bad_value(const decode::Column& column, std::string_view what) {
  return Status::corruption("column '" + column.spec().name + "' (" + std::string(decode::column_type_name(column.spec().type)) +
                            "): " + std::string(what));
}

bool parse_int(std::string_view text, int64_t& out) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size() && !text.empty();
}

}  // namespace

Result<decode::ColumnSpec> column_spec(const std::string& name, const std::string& duckdb_type) {
  decode::ColumnSpec spec;
  spec.name = name;
  std::string t = upper(duckdb_type);
  if (t == "BOOLEAN" || t == "BOOL") spec.type = ColumnType::kBoolean;
  else if (t == "INTEGER" || t == "INT" || t == "INT4") spec.type = ColumnType::kInt32;
  else if (t == "BIGINT" || t == "INT8" || t == "LONG") spec.type = ColumnType::kInt64;
  else if (t == "FLOAT" || t == "REAL" || t == "FLOAT4") spec.type = ColumnType::kFloat;
  else if (t == "DOUBLE" || t == "FLOAT8") spec.type = ColumnType::kDouble;
  else if (t == "VARCHAR" || t == "TEXT" || t == "STRING") spec.type = ColumnType::kString;
  else if (t == "JSON") spec.type = ColumnType::kJson;
  else if (t == "UUID") spec.type = ColumnType::kUuid;
  else if (t == "DATE") spec.type = ColumnType::kDate;
  else if (t == "TIMESTAMP") spec.type = ColumnType::kTimestampNtzMicros;
  else if (t == "TIMESTAMPTZ" || t == "TIMESTAMP WITH TIME ZONE") spec.type = ColumnType::kTimestampMicros;
  else {
    return Status::not_supported("column '" + name + "': type '" + duckdb_type +
                                 "' is not decoded from text formats (use VARCHAR or DOUBLE and cast in the SQL)");
  }
  return spec;
}

bool parse_iso_timestamp(std::string_view t, int64_t& micros) {
  if (t.size() < 19 || (t[10] != 'T' && t[10] != ' ')) return false;
  int64_t days = 0;
  if (!decode::parse_iso_date(t.substr(0, 10), days)) return false;
  if (t[13] != ':' || t[16] != ':') return false;
  int64_t h = 0, m = 0, s = 0;
  if (!parse_int(t.substr(11, 2), h) || !parse_int(t.substr(14, 2), m) || !parse_int(t.substr(17, 2), s)) return false;
  if (h > 23 || m > 59 || s > 60 || h < 0 || m < 0 || s < 0) return false;
  size_t pos = 19;
  int64_t fraction = 0;
  if (pos < t.size() && t[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < t.size() && std::isdigit(static_cast<unsigned char>(t[pos]))) {
      if (digits < 6) fraction = fraction * 10 + (t[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return false;
    for (int d = digits; d < 6; ++d) fraction *= 10;
  }
  int64_t offset_seconds = 0;
  if (pos < t.size()) {
    if (t[pos] == 'Z' && pos + 1 == t.size()) {
      pos = t.size();
    } else if ((t[pos] == '+' || t[pos] == '-') && t.size() - pos == 6 && t[pos + 3] == ':') {
      int64_t oh = 0, om = 0;
      if (!parse_int(t.substr(pos + 1, 2), oh) || !parse_int(t.substr(pos + 4, 2), om)) return false;
      offset_seconds = (oh * 3600 + om * 60) * (t[pos] == '+' ? 1 : -1);
    } else {
      return false;
    }
  }
  micros = ((days * 86400 + h * 3600 + m * 60 + s) - offset_seconds) * 1'000'000 + fraction;
  return true;
}

Status append_json_value(const nlohmann::json& value, decode::Column& column) {
  if (value.is_null()) {
    column.append_null();
    return Status::ok();
  }
  switch (column.spec().type) {
    case ColumnType::kBoolean:
      if (!value.is_boolean()) return bad_value(column, "expected true or false, got " + value.dump());
      column.append_int(value.get<bool>() ? 1 : 0);
      return Status::ok();
    case ColumnType::kInt32:
    case ColumnType::kInt64: {
      if (!value.is_number_integer()) return bad_value(column, "expected a whole number, got " + value.dump());
      if (value.is_number_unsigned() && value.get<uint64_t>() > INT64_MAX) return bad_value(column, value.dump() + " is out of range");
      int64_t v = value.get<int64_t>();
      if (column.spec().type == ColumnType::kInt32 && (v < INT32_MIN || v > INT32_MAX)) {
        return bad_value(column, std::to_string(v) + " is out of range");
      }
      column.append_int(v);
      return Status::ok();
    }
    case ColumnType::kFloat:
    case ColumnType::kDouble:
      if (!value.is_number()) return bad_value(column, "expected a number, got " + value.dump());
      column.append_real(value.get<double>());
      return Status::ok();
    case ColumnType::kString:
    case ColumnType::kUuid:
      if (value.is_string()) return append_text_value(value.get_ref<const std::string&>(), true, column);
      if (value.is_number() || value.is_boolean()) {
        column.append_text(value.dump());
        return Status::ok();
      }
      return bad_value(column, "expected a text value, got " + value.dump());
    case ColumnType::kJson:
      column.append_text(value.dump());
      return Status::ok();
    case ColumnType::kDate:
    case ColumnType::kTimestampMicros:
    case ColumnType::kTimestampNtzMicros:
      if (value.is_number_integer()) {
        int64_t n = value.get<int64_t>();
        if (column.spec().type == ColumnType::kDate) {
          column.append_int(n);  // days since 1970-01-01
        } else {
          column.append_int(n * 1000);  // milliseconds
        }
        return Status::ok();
      }
      if (value.is_string()) return append_text_value(value.get_ref<const std::string&>(), true, column);
      return bad_value(column, "expected an ISO-8601 text or epoch milliseconds, got " + value.dump());
    default:
      return bad_value(column, "type not decoded from JSON");
  }
}

Status append_text_value(std::string_view text, bool quoted, decode::Column& column) {
  if (text.empty() && !quoted) {
    column.append_null();
    return Status::ok();
  }
  switch (column.spec().type) {
    case ColumnType::kBoolean:
      if (text == "true" || text == "TRUE" || text == "1") column.append_int(1);
      else if (text == "false" || text == "FALSE" || text == "0") column.append_int(0);
      else return bad_value(column, "'" + std::string(text) + "' is not a boolean");
      return Status::ok();
    case ColumnType::kInt32:
    case ColumnType::kInt64: {
      int64_t v = 0;
      if (!parse_int(text, v)) return bad_value(column, "'" + std::string(text) + "' is not a whole number");
      if (column.spec().type == ColumnType::kInt32 && (v < INT32_MIN || v > INT32_MAX)) {
        return bad_value(column, std::string(text) + " is out of range");
      }
      column.append_int(v);
      return Status::ok();
    }
    case ColumnType::kFloat:
    case ColumnType::kDouble: {
      std::string copy(text);
      char* end = nullptr;
      double v = std::strtod(copy.c_str(), &end);
      if (copy.empty() || end != copy.c_str() + copy.size()) {
        return bad_value(column, "'" + copy + "' is not a number");
      }
      column.append_real(v);
      return Status::ok();
    }
    case ColumnType::kString:
    case ColumnType::kJson:
      if (decode::find_invalid_utf8(text) != std::string_view::npos) return bad_value(column, "invalid UTF-8");
      column.append_text(std::string(text));
      return Status::ok();
    case ColumnType::kUuid:
      if (!decode::is_uuid_text(text)) return bad_value(column, "'" + std::string(text) + "' is not a UUID");
      {
        std::string lower(text);
        std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
        column.append_text(std::move(lower));
      }
      return Status::ok();
    case ColumnType::kDate: {
      int64_t days = 0;
      if (!decode::parse_iso_date(text, days)) return bad_value(column, "'" + std::string(text) + "' is not YYYY-MM-DD");
      column.append_int(days);
      return Status::ok();
    }
    case ColumnType::kTimestampMicros:
    case ColumnType::kTimestampNtzMicros: {
      int64_t micros = 0;
      int64_t millis = 0;
      if (parse_iso_timestamp(text, micros)) {
        column.append_int(micros);
      } else if (parse_int(text, millis)) {
        column.append_int(millis * 1000);
      } else {
        return bad_value(column, "'" + std::string(text) + "' is not an ISO-8601 timestamp or epoch milliseconds");
      }
      return Status::ok();
    }
    default:
      return bad_value(column, "type not decoded from text");
  }
}

}  // namespace loch::source
