// The interactive SQL shell of `loch sql` on a terminal (libedit).
#pragma once

#include "cli/result_printer.h"
#include "store/sql/sql_session.h"

namespace loch::cli {

// Reads statements until .quit or end of input; returns the exit code.
int run_shell(sql::SqlSession& session, OutputFormat format);

}  // namespace loch::cli
