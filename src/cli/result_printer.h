// Prints query results in the formats `loch sql --format` offers.
//
//   table  aligned boxes like DuckDB's CLI; at most 40 rows (the first and
//          last 20) with the row count below when there are more
//   csv    RFC 4180: a header line, then one line a row; NULL is empty
//   json   one JSON array of objects for the whole result
//   jsonl  one JSON object a line
#pragma once

#include <ostream>
#include <string>

#include "common/result.h"
#include "store/sql/query_result.h"

namespace loch::cli {

enum class OutputFormat { kTable, kCsv, kJson, kJsonLines };

Result<OutputFormat> parse_output_format(const std::string& name);

// Reads `result` to its end and prints it. Statements that return no rows
// print nothing.
Status print_result(sql::QueryResult& result, OutputFormat format, std::ostream& out);

}  // namespace loch::cli
