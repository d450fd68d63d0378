// Data skipping: which live files a query's filter cannot match.
//
// Predicates are simple conjuncts of a WHERE clause: `column op literal`
// (=, <>, <, <=, >, >=, either side), `column IS [NOT] NULL`,
// `column BETWEEN a AND b`, `column IN (a, b, ...)`. A file is
// skipped when its partition values make a conjunct false, or when its
// statistics (PROTOCOL.md "Per-file Statistics": minValues, maxValues,
// nullCount, numRecords, from `stats` JSON or checkpoint `stats_parsed`)
// prove no row can satisfy it. Anything loch cannot evaluate exactly keeps
// the file: skipping is an optimisation and must never change an answer.
// Timestamp statistics are truncated to milliseconds, so each bound is
// widened by 999 us; a literal without a zone compared with a `timestamp`
// (an instant) may be read in any session time zone, so it is widened to
// UTC-12..UTC+14. String maxima that may have been truncated are not used.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "store/delta/snapshot.h"
#include "store/delta/sql_lexer.h"

namespace loch::delta {

struct ColumnPredicate {
  enum class Op { kEq, kNe, kLt, kLe, kGt, kGe, kIsNull, kIsNotNull } op;
  std::string column;  // logical name, as written
  enum class LiteralKind { kNone, kNumber, kString, kBoolean } literal_kind = LiteralKind::kNone;
  std::string literal;  // unquoted text
  // `column IN (a, b, ...)`: op is kEq and each of these is a literal of
  // literal_kind; the conjunct holds when any equality does.
  std::vector<std::string> any_of;
  std::string text;  // the conjunct as written, for EXPLAIN
};

// The conjuncts of the WHERE clause that belongs to the same SELECT as the
// table reference spanning tokens [first, last]; empty when that SELECT
// reads more than one table (a join could turn skipping into a wrong
// answer) or the WHERE clause is not a conjunction.
std::vector<ColumnPredicate> predicates_for_reference(const std::vector<SqlToken>& tokens, size_t first, size_t last,
                                                      const std::string& alias);

struct SkippingResult {
  std::vector<const LiveFile*> files;
  std::map<std::string, size_t> skipped_by_reason;  // "partition letter = 'a'" -> files
};

SkippingResult skip_files(const Snapshot& snapshot, const std::vector<ColumnPredicate>& predicates);

}  // namespace loch::delta
