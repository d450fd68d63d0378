#include "cli/sql_shell.h"

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include <editline/readline.h>

#include "common/shutdown.h"
#include "store/sql/statement_splitter.h"

namespace loch::cli {
namespace {

std::string history_path() {
  const char* home = std::getenv("HOME");
  return std::string(home ? home : ".") + "/.loch_history";
}

constexpr const char* kHelp =
    ".help              this text\n"
    ".format FORMAT     table, csv, json or jsonl\n"
    ".quit / .exit      leave (or Ctrl-D)\n"
    "Statements end with ';' and may span lines. Ctrl-C stops a running query.\n";

// Handles a dot command; returns false when the shell should end.
bool run_dot_command(const std::string& line, OutputFormat& format) {
  if (line == ".quit" || line == ".exit") return false;
  if (line.rfind(".format", 0) == 0) {
    std::string name = line.size() > 8 ? line.substr(8) : "";
    auto parsed = parse_output_format(name);
    if (parsed.is_ok()) {
      format = *parsed;
    } else {
      std::cerr << parsed.status().message() << "\n";
    }
  } else {
    std::cout << kHelp;
  }
  return true;
}

}  // namespace

int run_shell(sql::SqlSession& session, OutputFormat format) {
  std::string history = history_path();
  using_history();
  read_history(history.c_str());
  std::cout << "loch sql shell: statements end with ';'; .help for commands.\n";

  // Ctrl-C interrupts the statement running now, and never ends the shell.
  int handler = ShutdownSignal::add_handler([&session](int signal_number) {
    session.interrupt();
    return signal_number == 2;  // SIGINT is handled; SIGTERM still shuts down
  });

  std::string buffer;
  int exit_code = 0;
  for (;;) {
    char* raw = readline(buffer.empty() ? "loch> " : "  ..> ");
    if (raw == nullptr) break;  // Ctrl-D
    std::string line(raw);
    std::free(raw);
    if (buffer.empty() && line.rfind('.', 0) == 0) {
      add_history(line.c_str());
      if (!run_dot_command(line, format)) break;
      continue;
    }
    buffer += line;
    buffer += '\n';
    if (sql::is_statement_incomplete(buffer)) continue;
    std::string script = buffer;
    buffer.clear();
    if (script.find_first_not_of(" \t\r\n") == std::string::npos) continue;
    std::string entry = script.substr(0, script.find_last_not_of(" \t\r\n") + 1);
    add_history(entry.c_str());
    for (const auto& statement : sql::split_statements(script)) {
      auto result = session.run(statement.text);
      Status status = result.status();
      if (status.is_ok()) status = print_result(*result, format, std::cout);
      std::cout.flush();
      if (!status.is_ok()) {
        std::cerr << "Error: " << status.message() << "\n";
        break;
      }
    }
    if (ShutdownSignal::requested()) {
      exit_code = 130;
      break;
    }
  }
  write_history(history.c_str());
  ShutdownSignal::remove_handler(handler);
  return exit_code;
}

}  // namespace loch::cli
