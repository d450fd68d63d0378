#include "cli/table_command.h"

#include <iostream>
#include <memory>

#include "store/delta/table_check.h"
#include "store/sql/database.h"

namespace loch::cli {
namespace {

int run_check(const std::string& path) {
  auto database = sql::Database::open(":memory:", {{"autoinstall_known_extensions", "false"}});
  if (!database.is_ok()) {
    std::cerr << "loch table check: " << database.status().to_string() << "\n";
    return 2;
  }
  auto connection = (*database)->connect();
  if (!connection.is_ok()) {
    std::cerr << "loch table check: " << connection.status().to_string() << "\n";
    return 2;
  }
  const delta::TableCheckReport report = delta::check_table(path, *connection);
  for (const auto& problem : report.problems) std::cout << problem.to_string() << "\n";
  if (!report.problems.empty()) {
    std::cout << report.problems.size() << " problem" << (report.problems.size() == 1 ? "" : "s") << " in " << path
              << "\n";
    return 1;
  }
  std::cout << "ok: " << path << " is a valid Delta table at version " << report.latest_version.value_or(-1) << " with "
            << report.live_files << " live file" << (report.live_files == 1 ? "" : "s") << "\n";
  return 0;
}

}  // namespace

void register_table_command(CLI::App& app, Settings&, int* exit_code) {
  CLI::App* table = app.add_subcommand("table", "Delta table maintenance");
  table->require_subcommand(1);
  CLI::App* check = table->add_subcommand(
      "check", "Verify a Delta table's log and data files: one line per problem (file and version), exit code 1 if any");
  auto path = std::make_shared<std::string>();
  check->add_option("path", *path, "The table's directory (the one holding _delta_log)")->required();
  check->callback([path, exit_code] { *exit_code = run_check(*path); });
}

}  // namespace loch::cli
