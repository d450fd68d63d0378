#include "store/delta/data_skipping.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "store/delta/timestamp_text.h"

namespace loch::delta {
namespace {

using nlohmann::json;

bool is_clause_end(const SqlToken& token) {
  for (const char* word : {"GROUP", "ORDER", "LIMIT", "OFFSET", "HAVING", "WINDOW", "QUALIFY", "UNION", "EXCEPT",
                           "INTERSECT", "RETURNING", "FETCH"}) {
    if (token.is_word(word)) return true;
  }
  return token.is_symbol(";");
}

std::optional<ColumnPredicate::Op> comparison(const SqlToken& token) {
  using Op = ColumnPredicate::Op;
  if (token.kind != SqlToken::Kind::kSymbol) return std::nullopt;
  if (token.text == "=") return Op::kEq;
  if (token.text == "<>" || token.text == "!=") return Op::kNe;
  if (token.text == "<") return Op::kLt;
  if (token.text == "<=") return Op::kLe;
  if (token.text == ">") return Op::kGt;
  if (token.text == ">=") return Op::kGe;
  return std::nullopt;
}

ColumnPredicate::Op flipped(ColumnPredicate::Op op) {
  using Op = ColumnPredicate::Op;
  switch (op) {
    case Op::kLt: return Op::kGt;
    case Op::kLe: return Op::kGe;
    case Op::kGt: return Op::kLt;
    case Op::kGe: return Op::kLe;
    default: return op;
  }
}

// A column reference: name, or qualifier.name where the qualifier is the
// reference's alias. Returns the token count consumed, 0 if not a column.
size_t parse_column(const std::vector<SqlToken>& t, size_t i, size_t end, const std::string& alias, std::string& name) {
  if (i >= end || !t[i].is_identifier()) return 0;
  if (i + 2 < end && t[i + 1].is_symbol(".") && t[i + 2].is_identifier()) {
    if (t[i].text != alias) return 0;
    name = t[i + 2].text;
    return 3;
  }
  if (t[i].kind == SqlToken::Kind::kWord &&
      (t[i].is_word("TRUE") || t[i].is_word("FALSE") || t[i].is_word("NULL") || t[i].is_word("DATE") ||
       t[i].is_word("TIMESTAMP") || t[i].is_word("TIMESTAMPTZ"))) {
    return 0;
  }
  name = t[i].text;
  return 1;
}

size_t parse_literal(const std::vector<SqlToken>& t, size_t i, size_t end, ColumnPredicate& predicate) {
  using Kind = ColumnPredicate::LiteralKind;
  if (i >= end) return 0;
  if (t[i].kind == SqlToken::Kind::kNumber) {
    predicate.literal_kind = Kind::kNumber;
    predicate.literal = t[i].text;
    return 1;
  }
  if (t[i].is_symbol("-") && i + 1 < end && t[i + 1].kind == SqlToken::Kind::kNumber) {
    predicate.literal_kind = Kind::kNumber;
    predicate.literal = "-" + t[i + 1].text;
    return 2;
  }
  if (t[i].kind == SqlToken::Kind::kString) {
    predicate.literal_kind = Kind::kString;
    predicate.literal = t[i].text;
    return 1;
  }
  if ((t[i].is_word("DATE") || t[i].is_word("TIMESTAMP") || t[i].is_word("TIMESTAMPTZ")) && i + 1 < end &&
      t[i + 1].kind == SqlToken::Kind::kString) {
    predicate.literal_kind = Kind::kString;
    predicate.literal = t[i + 1].text;
    return 2;
  }
  if (t[i].is_word("TRUE") || t[i].is_word("FALSE")) {
    predicate.literal_kind = Kind::kBoolean;
    predicate.literal = t[i].is_word("TRUE") ? "true" : "false";
    return 1;
  }
  return 0;
}

// One conjunct spanning tokens [begin, end), or nothing if it is not simple.
std::optional<ColumnPredicate> parse_conjunct(const std::vector<SqlToken>& t, size_t begin, size_t end,
                                              const std::string& statement_alias) {
  ColumnPredicate predicate{};
  std::string name;
  size_t used = parse_column(t, begin, end, statement_alias, name);
  if (used > 0) {
    size_t i = begin + used;
    if (i + 1 < end + 1 && i < end && t[i].is_word("IS")) {
      if (i + 1 < end && t[i + 1].is_word("NULL") && i + 2 == end) {
        predicate.op = ColumnPredicate::Op::kIsNull;
      } else if (i + 2 < end && t[i + 1].is_word("NOT") && t[i + 2].is_word("NULL") && i + 3 == end) {
        predicate.op = ColumnPredicate::Op::kIsNotNull;
      } else {
        return std::nullopt;
      }
      predicate.column = name;
      return predicate;
    }
    if (i < end) {
      auto op = comparison(t[i]);
      if (!op) return std::nullopt;
      size_t literal = parse_literal(t, i + 1, end, predicate);
      if (literal == 0 || i + 1 + literal != end) return std::nullopt;
      predicate.op = *op;
      predicate.column = name;
      return predicate;
    }
    return std::nullopt;
  }
  size_t literal = parse_literal(t, begin, end, predicate);
  if (literal == 0 || begin + literal >= end) return std::nullopt;
  auto op = comparison(t[begin + literal]);
  if (!op) return std::nullopt;
  used = parse_column(t, begin + literal + 1, end, statement_alias, name);
  if (used == 0 || begin + literal + 1 + used != end) return std::nullopt;
  predicate.op = flipped(*op);
  predicate.column = name;
  return predicate;
}

// A conjunct as zero, one or two predicates: BETWEEN is two bounds, IN a
// set of equalities.
std::vector<ColumnPredicate> parse_conjuncts(const std::vector<SqlToken>& t, size_t begin, size_t end,
                                             const std::string& statement_alias) {
  std::string name;
  const size_t used = parse_column(t, begin, end, statement_alias, name);
  if (used > 0 && begin + used < end && t[begin + used].is_word("BETWEEN")) {
    ColumnPredicate low{}, high{};
    size_t i = begin + used + 1;
    const size_t low_length = parse_literal(t, i, end, low);
    if (low_length == 0 || i + low_length >= end || !t[i + low_length].is_word("AND")) return {};
    i += low_length + 1;
    const size_t high_length = parse_literal(t, i, end, high);
    if (high_length == 0 || i + high_length != end) return {};
    low.column = high.column = name;
    low.op = ColumnPredicate::Op::kGe;
    high.op = ColumnPredicate::Op::kLe;
    return {low, high};
  }
  if (used > 0 && begin + used + 1 < end && t[begin + used].is_word("IN") && t[begin + used + 1].is_symbol("(") &&
      t[end - 1].is_symbol(")")) {
    ColumnPredicate in{};
    in.column = name;
    in.op = ColumnPredicate::Op::kEq;
    for (size_t i = begin + used + 2; i < end - 1;) {
      ColumnPredicate value{};
      const size_t length = parse_literal(t, i, end - 1, value);
      if (length == 0) return {};
      if (!in.any_of.empty() && value.literal_kind != in.literal_kind) return {};
      in.literal_kind = value.literal_kind;
      in.any_of.push_back(value.literal);
      i += length;
      if (i < end - 1) {
        if (!t[i].is_symbol(",")) return {};
        ++i;
      }
    }
    if (in.any_of.empty()) return {};
    in.literal = in.any_of.front();
    return {in};
  }
  auto single = parse_conjunct(t, begin, end, statement_alias);
  if (!single) return {};
  return {*single};
}

// --- evaluation ---------------------------------------------------------

enum class Category { kNumber, kString, kDate, kBoolean, kTimestamp, kTimestampNtz, kUnsupported };

// Where a stored value comes from: partition values are exact, statistics
// of timestamps are truncated to milliseconds (PROTOCOL.md, footnote of
// "Per-file Statistics").
enum class ValueSource { kPartition, kStatistic };

Category category_of(const DataType& type) {
  if (type.kind != DataType::Kind::kPrimitive) return Category::kUnsupported;
  const std::string& p = type.primitive;
  if (p == "long" || p == "integer" || p == "short" || p == "byte" || p == "double" || p == "float") {
    return Category::kNumber;
  }
  if (p.starts_with("decimal")) {
    // Compared as long double: exact only up to 18 significant digits.
    size_t open = p.find('(');
    if (open == std::string::npos) return Category::kNumber;
    return std::stoi(p.substr(open + 1)) <= 18 ? Category::kNumber : Category::kUnsupported;
  }
  if (p == "string") return Category::kString;
  if (p == "date") return Category::kDate;
  if (p == "boolean") return Category::kBoolean;
  if (p == "timestamp") return Category::kTimestamp;
  if (p == "timestamp_ntz") return Category::kTimestampNtz;
  return Category::kUnsupported;
}

std::optional<long double> to_number(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  long double value = std::strtold(text.c_str(), &end);
  if (end != text.c_str() + text.size() || std::isnan(value)) return std::nullopt;
  return value;
}

bool is_iso_date(const std::string& text) {
  return text.size() == 10 && text[4] == '-' && text[7] == '-' &&
         std::all_of(text.begin(), text.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '-'; });
}

// -1, 0, 1 comparing a stored value with the literal; nullopt if loch
// cannot compare them exactly.
std::optional<int> compare_timestamps(Category category, const std::string& stored, const std::string& literal,
                                      ValueSource source) {
  auto value = parse_timestamp_text(stored);
  auto bound = parse_timestamp_text(literal);
  if (!value || !bound) return std::nullopt;
  if (category == Category::kTimestampNtz && (value->has_zone || bound->has_zone)) return std::nullopt;
  // A zoneless statistic of an instant is ambiguous.
  if (category == Category::kTimestamp && !value->has_zone && source == ValueSource::kStatistic) return std::nullopt;
  // A value or literal without a zone compared with an instant is read in
  // the session's time zone (table_scan.cc), which may be anywhere from
  // UTC-12 to UTC+14: the instant lies in [wall - 14 h, wall + 12 h]. A
  // statistic is also up to 999 us off (truncated to milliseconds).
  constexpr int64_t kHour = 3'600'000'000LL;
  auto low = [](const TimestampText& t, bool zone_unknown) { return t.micros - (zone_unknown ? 14 * kHour : 0); };
  auto high = [](const TimestampText& t, bool zone_unknown) { return t.micros + (zone_unknown ? 12 * kHour : 0); };
  const bool value_zone_unknown = category == Category::kTimestamp && !value->has_zone;
  const bool literal_zone_unknown = category == Category::kTimestamp && !bound->has_zone;
  const int64_t value_slack = source == ValueSource::kStatistic ? 999 : 0;
  if (value_zone_unknown && literal_zone_unknown) {
    // Both wall clocks of the one session zone: equal walls are one instant,
    // and order holds except across a daylight-saving shift (at most a few
    // hours anywhere), so a closer pair is left undecided.
    constexpr int64_t kShift = 3 * kHour;
    const int64_t difference = value->micros - bound->micros;
    if (difference == 0 && value_slack == 0) return 0;
    if (difference + value_slack < -kShift) return -1;
    if (difference - value_slack > kShift) return 1;
    return std::nullopt;
  }
  const int64_t value_low = low(*value, value_zone_unknown) - value_slack;
  const int64_t value_high = high(*value, value_zone_unknown) + value_slack;
  const int64_t literal_low = low(*bound, literal_zone_unknown);
  const int64_t literal_high = high(*bound, literal_zone_unknown);
  if (value_high < literal_low) return -1;
  if (value_low > literal_high) return 1;
  if (value_low == value_high && literal_low == literal_high && value_low == literal_low) return 0;
  return std::nullopt;
}

std::optional<int> compare(Category category, const std::string& stored, const ColumnPredicate& predicate,
                           ValueSource source) {
  using Kind = ColumnPredicate::LiteralKind;
  switch (category) {
    case Category::kTimestamp:
    case Category::kTimestampNtz:
      if (predicate.literal_kind != Kind::kString) return std::nullopt;
      return compare_timestamps(category, stored, predicate.literal, source);
    case Category::kNumber: {
      if (predicate.literal_kind != Kind::kNumber) return std::nullopt;
      auto a = to_number(stored);
      auto b = to_number(predicate.literal);
      if (!a || !b) return std::nullopt;
      const bool integral = stored.find_first_of(".eE") == std::string::npos &&
                            predicate.literal.find_first_of(".eE") == std::string::npos;
      if (!integral) {
        // Floating and decimal statistics pass through binary doubles (JSON)
        // and DuckDB may compare in another type: near-ties are unknown.
        const long double scale = std::max(std::fabs(*a), std::fabs(*b));
        if (std::fabs(*a - *b) <= 1e-6L * scale + 1e-12L) return std::nullopt;
      }
      return *a < *b ? -1 : (*a > *b ? 1 : 0);
    }
    case Category::kString:
      if (predicate.literal_kind != Kind::kString) return std::nullopt;
      return stored < predicate.literal ? -1 : (stored > predicate.literal ? 1 : 0);
    case Category::kDate:
      if (predicate.literal_kind != Kind::kString || !is_iso_date(predicate.literal) || !is_iso_date(stored)) {
        return std::nullopt;
      }
      return stored < predicate.literal ? -1 : (stored > predicate.literal ? 1 : 0);
    case Category::kBoolean:
      if (predicate.literal_kind != Kind::kBoolean || (stored != "true" && stored != "false")) return std::nullopt;
      return stored == predicate.literal ? 0 : (stored == "false" ? -1 : 1);
    case Category::kUnsupported:
      return std::nullopt;
  }
  return std::nullopt;
}

bool comparison_can_hold(ColumnPredicate::Op op, int c) {
  using Op = ColumnPredicate::Op;
  switch (op) {
    case Op::kEq: return c == 0;
    case Op::kNe: return c != 0;
    case Op::kLt: return c < 0;
    case Op::kLe: return c <= 0;
    case Op::kGt: return c > 0;
    case Op::kGe: return c >= 0;
    default: return true;
  }
}

std::optional<std::string> stat_text(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_integer()) return std::to_string(value.get<int64_t>());
  if (value.is_number()) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.17g", value.get<double>());
    return std::string(buffer);
  }
  if (value.is_boolean()) return std::string(value.get<bool>() ? "true" : "false");
  return std::nullopt;
}

struct FileStats {
  std::optional<int64_t> num_records;
  const json* min = nullptr;
  const json* max = nullptr;
  const json* null_count = nullptr;
};

// True when no row of the file can satisfy the predicate, judging by stats.
bool stats_exclude(const FileStats& stats, const std::string& physical, Category category,
                   const ColumnPredicate& predicate) {
  using Op = ColumnPredicate::Op;
  std::optional<int64_t> nulls;
  if (stats.null_count && stats.null_count->is_object() && stats.null_count->contains(physical) &&
      (*stats.null_count)[physical].is_number_integer()) {
    nulls = (*stats.null_count)[physical].get<int64_t>();
  }
  const bool all_null = nulls && stats.num_records && *nulls == *stats.num_records;
  if (predicate.op == Op::kIsNull) return nulls && *nulls == 0;
  if (predicate.op == Op::kIsNotNull) return all_null;
  if (all_null && *stats.num_records > 0) return true;  // a comparison with NULL is never true
  auto bound = [&](const json* values) -> std::optional<std::string> {
    if (!values || !values->is_object() || !values->contains(physical)) return std::nullopt;
    return stat_text((*values)[physical]);
  };
  auto min = bound(stats.min);
  auto max = bound(stats.max);
  // Writers truncate long string maxima (and mark them); not a safe bound.
  if (category == Category::kString && max && max->size() >= 32) max.reset();
  // Comparisons as plain ints (2 = unknown) keep g++'s flow analysis quiet.
  constexpr int kUnknown = 2;
  const int lo = min ? compare(category, *min, predicate, ValueSource::kStatistic).value_or(kUnknown) : kUnknown;
  const int hi = max ? compare(category, *max, predicate, ValueSource::kStatistic).value_or(kUnknown) : kUnknown;
  switch (predicate.op) {
    case Op::kEq:
      return (lo != kUnknown && lo > 0) || (hi != kUnknown && hi < 0);
    case Op::kNe:
      return lo == 0 && hi == 0;
    case Op::kLt:
      return lo != kUnknown && lo >= 0;
    case Op::kLe:
      return lo != kUnknown && lo > 0;
    case Op::kGt:
      return hi != kUnknown && hi <= 0;
    case Op::kGe:
      return hi != kUnknown && hi < 0;
    default:
      return false;
  }
}

std::string op_text(ColumnPredicate::Op op) {
  using Op = ColumnPredicate::Op;
  switch (op) {
    case Op::kEq: return "=";
    case Op::kNe: return "<>";
    case Op::kLt: return "<";
    case Op::kLe: return "<=";
    case Op::kGt: return ">";
    case Op::kGe: return ">=";
    case Op::kIsNull: return "IS NULL";
    case Op::kIsNotNull: return "IS NOT NULL";
  }
  return "?";
}

}  // namespace

std::vector<ColumnPredicate> predicates_for_reference(const std::vector<SqlToken>& t, size_t first, size_t last,
                                                      const std::string& alias) {
  std::vector<ColumnPredicate> out;
  // The reference must directly follow FROM, and the FROM clause must hold
  // nothing else up to WHERE at the same parenthesis depth.
  if (first == 0 || !t[first - 1].is_word("FROM")) return out;
  size_t i = last + 1;
  int depth = 0;
  size_t where = 0;
  for (; i < t.size(); ++i) {
    if (t[i].is_symbol("(")) ++depth;
    if (t[i].is_symbol(")")) {
      if (depth == 0) return out;
      --depth;
    }
    if (depth > 0) continue;
    if (t[i].is_word("WHERE")) {
      where = i;
      break;
    }
    if (t[i].is_symbol(",") || t[i].is_word("JOIN") || is_clause_end(t[i])) return out;
  }
  if (where == 0) return out;
  // The conjuncts, split at top-level AND (but not BETWEEN's); a top-level
  // OR makes the clause more than a conjunction.
  size_t begin = where + 1;
  depth = 0;
  bool in_between = false;
  std::vector<std::pair<size_t, size_t>> conjuncts;
  for (i = where + 1; i <= t.size(); ++i) {
    const bool at_end = i == t.size() || (depth == 0 && (t[i].is_symbol(")") || is_clause_end(t[i])));
    if (!at_end) {
      if (t[i].is_symbol("(")) ++depth;
      if (t[i].is_symbol(")")) --depth;
      if (depth == 0 && t[i].is_word("OR")) return {};
      if (depth == 0 && t[i].is_word("BETWEEN")) in_between = true;
      if (depth == 0 && in_between && t[i].is_word("AND")) {
        in_between = false;
        continue;
      }
    }
    if (at_end || (depth == 0 && t[i].is_word("AND"))) {
      conjuncts.emplace_back(begin, i);
      begin = i + 1;
      if (at_end) break;
    }
  }
  for (const auto& [b, e] : conjuncts) {
    if (b >= e) continue;
    for (auto& predicate : parse_conjuncts(t, b, e, alias)) {
      if (!predicate.any_of.empty()) {
        predicate.text = predicate.column + " IN (";
        for (size_t k = 0; k < predicate.any_of.size(); ++k) predicate.text += (k ? ", " : "") + predicate.any_of[k];
        predicate.text += ")";
      } else {
        predicate.text = predicate.column + " " + op_text(predicate.op) +
                         (predicate.literal_kind == ColumnPredicate::LiteralKind::kNone ? "" : " " + predicate.literal);
      }
      out.push_back(std::move(predicate));
    }
  }
  return out;
}

SkippingResult skip_files(const Snapshot& snapshot, const std::vector<ColumnPredicate>& predicates) {
  SkippingResult result;
  const bool column_mapping = snapshot.column_mapping() != ColumnMappingMode::kNone;
  struct Resolved {
    const ColumnPredicate* predicate;
    const StructField* field;
    bool is_partition;
    Category category;
    std::string physical;
  };
  std::vector<Resolved> resolved;
  for (const auto& predicate : predicates) {
    const StructField* field = snapshot.schema().find(predicate.column);
    if (!field) continue;
    bool is_partition = false;
    for (const auto& column : snapshot.metadata().partition_columns) {
      if (snapshot.schema().find(column) == field) is_partition = true;
    }
    Category category = category_of(field->type);
    if (category == Category::kUnsupported) continue;
    resolved.push_back({&predicate, field, is_partition, category, field->physical_name(column_mapping)});
  }
  for (const auto& file : snapshot.files()) {
    std::optional<json> parsed_stats;
    FileStats stats;
    bool stats_loaded = false;
    std::string skipped_because;
    for (const auto& r : resolved) {
      if (r.is_partition) {
        auto value = file.add.partition_values.find(r.physical);
        if (value == file.add.partition_values.end()) value = file.add.partition_values.find(r.field->name);
        const bool is_null = value == file.add.partition_values.end() || !value->second || value->second->empty();
        bool excluded;
        if (r.predicate->op == ColumnPredicate::Op::kIsNull) {
          excluded = !is_null;
        } else if (r.predicate->op == ColumnPredicate::Op::kIsNotNull) {
          excluded = is_null;
        } else if (is_null) {
          excluded = true;
        } else if (!r.predicate->any_of.empty()) {
          excluded = true;  // unless some value of the list may equal it
          for (const auto& literal : r.predicate->any_of) {
            ColumnPredicate one = *r.predicate;
            one.literal = literal;
            auto c = compare(r.category, *value->second, one, ValueSource::kPartition);
            if (!c || *c == 0) excluded = false;
          }
        } else {
          auto c = compare(r.category, *value->second, *r.predicate, ValueSource::kPartition);
          excluded = c && !comparison_can_hold(r.predicate->op, *c);
        }
        if (excluded) {
          skipped_because = "partition filter " + r.predicate->text;
          break;
        }
        continue;
      }
      if (!stats_loaded) {
        stats_loaded = true;
        if (file.add.stats_parsed && file.add.stats_parsed->is_object()) {
          parsed_stats = *file.add.stats_parsed;
        } else if (file.add.stats) {
          json j = json::parse(*file.add.stats, nullptr, false);
          if (!j.is_discarded() && j.is_object()) parsed_stats = std::move(j);
        }
        if (parsed_stats) {
          if (parsed_stats->contains("numRecords") && (*parsed_stats)["numRecords"].is_number_integer()) {
            stats.num_records = (*parsed_stats)["numRecords"].get<int64_t>();
          }
          auto member = [&](const char* key) -> const json* {
            auto it = parsed_stats->find(key);
            return it == parsed_stats->end() ? nullptr : &*it;
          };
          stats.min = member("minValues");
          stats.max = member("maxValues");
          stats.null_count = member("nullCount");
        }
      }
      if (!parsed_stats) continue;
      // Rows a deletion vector removed are still counted in the stats, which
      // stay valid bounds for the remaining rows.
      bool excluded_by_stats;
      if (r.predicate->any_of.empty()) {
        excluded_by_stats = stats_exclude(stats, r.physical, r.category, *r.predicate);
      } else {
        excluded_by_stats = true;
        for (const auto& literal : r.predicate->any_of) {
          ColumnPredicate one = *r.predicate;
          one.literal = literal;
          one.any_of.clear();
          if (!stats_exclude(stats, r.physical, r.category, one)) excluded_by_stats = false;
        }
      }
      if (excluded_by_stats) {
        skipped_because = (r.predicate->op == ColumnPredicate::Op::kIsNull || r.predicate->op == ColumnPredicate::Op::kIsNotNull
                               ? "null count, "
                               : "min/max, ") +
                          r.predicate->text;
        break;
      }
    }
    if (skipped_because.empty()) {
      result.files.push_back(&file);
    } else {
      result.skipped_by_reason[skipped_because]++;
    }
  }
  return result;
}

}  // namespace loch::delta
