// Text renderings of result cells, for the CLI and other text outputs.
//
// display: the way DuckDB's own CLI shows a value (42, 3.5, hello,
// 2024-01-02 03:04:05, [1, 2], {'a': 1}). json: a JSON value (numbers and
// booleans bare, strings quoted and escaped, LIST as array, STRUCT and MAP as
// object). NULL is "NULL" in display and null in JSON.
#pragma once

#include <string>

#include "store/sql/data_chunk.h"
#include "store/sql/logical_type.h"

namespace loch::sql {

enum class CellStyle { kDisplay, kJson };

// Appends the text of `row` of `column` (whose type is `type`) to `out`.
void append_cell_text(const VectorView& column, const LogicalType& type, size_t row, CellStyle style,
                      std::string& out);

// Appends `text` as a JSON string literal, escaping as RFC 8259 requires.
void append_json_string(std::string_view text, std::string& out);

}  // namespace loch::sql
