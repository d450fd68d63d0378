#include "store/delta/timestamp_text.h"

#include <chrono>

namespace loch::delta {
namespace {

// Reads exactly `digits` decimal digits at `pos`.
std::optional<int> read_digits(std::string_view text, size_t& pos, size_t digits) {
  if (pos + digits > text.size()) return std::nullopt;
  int value = 0;
  for (size_t i = 0; i < digits; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  pos += digits;
  return value;
}

bool expect(std::string_view text, size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c) return false;
  ++pos;
  return true;
}

}  // namespace

std::optional<TimestampText> parse_timestamp_text(std::string_view text) {
  using namespace std::chrono;
  size_t pos = 0;
  auto year = read_digits(text, pos, 4);
  if (!year || !expect(text, pos, '-')) return std::nullopt;
  auto month = read_digits(text, pos, 2);
  if (!month || !expect(text, pos, '-')) return std::nullopt;
  auto day = read_digits(text, pos, 2);
  if (!day) return std::nullopt;
  const year_month_day date{std::chrono::year{*year}, std::chrono::month{static_cast<unsigned>(*month)},
                            std::chrono::day{static_cast<unsigned>(*day)}};
  if (!date.ok()) return std::nullopt;
  int64_t micros = duration_cast<microseconds>(sys_days{date}.time_since_epoch()).count();
  TimestampText result;
  if (pos < text.size() && (text[pos] == ' ' || text[pos] == 'T')) {
    ++pos;
    auto hour = read_digits(text, pos, 2);
    if (!hour || *hour > 23 || !expect(text, pos, ':')) return std::nullopt;
    auto minute = read_digits(text, pos, 2);
    if (!minute || *minute > 59) return std::nullopt;
    int second = 0;
    if (expect(text, pos, ':')) {
      auto s = read_digits(text, pos, 2);
      if (!s || *s > 59) return std::nullopt;
      second = *s;
    }
    int64_t fraction = 0;
    if (expect(text, pos, '.')) {
      size_t digits = 0;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
        if (digits < 6) fraction = fraction * 10 + (text[pos] - '0');
        ++digits;
        ++pos;
      }
      if (digits == 0 || digits > 9) return std::nullopt;
      for (size_t d = digits; d < 6; ++d) fraction *= 10;
    }
    micros += ((*hour * 60LL + *minute) * 60LL + second) * 1'000'000LL + fraction;
    if (pos < text.size() && text[pos] == 'Z') {
      ++pos;
      result.has_zone = true;
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
      const int sign = text[pos] == '-' ? -1 : 1;
      ++pos;
      auto offset_hours = read_digits(text, pos, 2);
      if (!offset_hours || *offset_hours > 18) return std::nullopt;
      int offset_minutes = 0;
      const bool colon = expect(text, pos, ':');
      if (colon || (pos < text.size() && text[pos] >= '0' && text[pos] <= '9')) {
        auto m = read_digits(text, pos, 2);
        if (!m || *m > 59) return std::nullopt;
        offset_minutes = *m;
      }
      // Local time = UTC + offset, so UTC = local - offset.
      micros -= sign * (*offset_hours * 60LL + offset_minutes) * 60'000'000LL;
      result.has_zone = true;
    }
  }
  if (pos != text.size()) return std::nullopt;
  result.micros = micros;
  return result;
}

}  // namespace loch::delta
