#include "cli/sql_command.h"

#include <unistd.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/common_options.h"
#include "cli/result_printer.h"
#include "cli/sql_shell.h"
#include "common/shutdown.h"
#include "store/sql/sql_session.h"
#include "store/sql/statement_splitter.h"

namespace loch::cli {
namespace {

struct SqlOptions {
  CommonOptions common;
  std::string command;
  std::string file;
  std::string format = "table";
};

// Runs each statement of `script` in order, printing results; stops at the
// first error, which names `source` and the statement's line.
int run_script(sql::SqlSession& session, const std::string& script, const std::string& source,
               OutputFormat format) {
  for (const auto& statement : sql::split_statements(script)) {
    auto result = session.run(statement.text);
    Status status = result.status();
    if (status.is_ok()) status = print_result(*result, format, std::cout);
    std::cout.flush();
    if (!status.is_ok()) {
      std::cerr << "Error: " << source << ":" << statement.line << ": " << status.message() << "\n";
      return ShutdownSignal::requested() ? 130 : 1;
    }
    if (ShutdownSignal::requested()) return 130;
  }
  return 0;
}

std::string read_all(std::istream& in) {
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

int run_sql(SqlOptions& options, Settings& settings) {
  Status status = finish_common_options(settings, options.common);
  auto format = parse_output_format(options.format);
  if (status.is_ok()) status = format.status();
  if (!status.is_ok()) {
    std::cerr << "loch sql: " << status.message() << "\n";
    return 2;
  }
  auto session = sql::SqlSession::open(options.common.data_dir);
  if (!session.is_ok()) {
    std::cerr << "loch sql: " << session.status().message() << "\n";
    return 1;
  }
  sql::SqlSession& s = **session;
  int handler = ShutdownSignal::add_handler([&s](int) {
    s.interrupt();
    return false;
  });

  int code = 0;
  if (!options.command.empty()) {
    code = run_script(s, options.command, "-c", *format);
  } else if (!options.file.empty()) {
    std::ifstream in(options.file);
    if (!in) {
      std::cerr << "loch sql: cannot read " << options.file << "\n";
      code = 1;
    } else {
      code = run_script(s, read_all(in), options.file, *format);
    }
  } else if (isatty(STDIN_FILENO)) {
    ShutdownSignal::remove_handler(handler);
    handler = -1;
    code = run_shell(s, *format);
  } else {
    code = run_script(s, read_all(std::cin), "stdin", *format);
  }
  if (handler >= 0) ShutdownSignal::remove_handler(handler);
  return code;
}

}  // namespace

void register_sql_command(CLI::App& app, Settings& settings, int* exit_code) {
  auto options = std::make_shared<SqlOptions>();
  CLI::App* command = app.add_subcommand("sql", "Run SQL on the lake (DuckDB dialect): -c, -f, stdin or a shell");
  command->add_option("-c,--command", options->command, "SQL to run (one or more statements)");
  command->add_option("-f,--file", options->file, "File of SQL statements to run in order")->check(CLI::ExistingFile);
  settings.add(command, "--format", "sql.format", &options->format, "Output: table, csv, json or jsonl")
      ->check(CLI::IsMember({"table", "csv", "json", "jsonl"}));
  add_common_options(command, settings, options->common);
  command->footer(
      "With neither -c nor -f, statements are read from standard input, or from an\n"
      "interactive shell (line editing, history in ~/.loch_history) on a terminal.\n"
      "Errors print DuckDB's message with the statement's line and exit 1.");
  command->callback([options, &settings, exit_code] { *exit_code = run_sql(*options, settings); });
}

}  // namespace loch::cli
