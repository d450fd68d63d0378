// loch: a whole Big Data platform in one binary. This is the command line.
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/dlq_command.h"
#include "cli/generate_command.h"
#include "cli/kafka_commands.h"
#include "cli/pipeline_command.h"
#include "cli/schema_command.h"
#include "cli/serve_command.h"
#include "cli/sql_command.h"
#include "cli/table_command.h"
#include "common/settings.h"
#include "common/shutdown.h"
#include "common/version.h"
#include "duckdb.h"

int main(int argc, char** argv) {
  loch::ShutdownSignal::install();

  CLI::App app{"loch: Kafka-compatible streams, a Delta Lake lakehouse, pipelines and SQL serving in one binary"};
  app.set_version_flag("--version", std::string("loch ") + loch::kVersion + " (DuckDB " + duckdb_library_version() + ")");
  app.require_subcommand(1);
  app.footer("Run 'loch COMMAND --help' for a command's options and their defaults.\n"
             "Options come from flags, then LOCH_* environment variables, then loch.yaml.");

  loch::Settings settings;
  int exit_code = 0;
  loch::cli::register_serve_command(app, settings, &exit_code);
  loch::cli::register_sql_command(app, settings, &exit_code);
  loch::cli::register_table_command(app, settings, &exit_code);
  loch::cli::register_schema_command(app, settings, &exit_code);
  loch::cli::register_topic_command(app, settings, &exit_code);
  loch::cli::register_produce_command(app, settings, &exit_code);
  loch::cli::register_consume_command(app, settings, &exit_code);
  loch::cli::register_generate_command(app, settings, &exit_code);
  loch::cli::register_pipeline_command(app, settings, &exit_code);
  loch::cli::register_dlq_command(app, settings, &exit_code);
  loch::cli::register_group_command(app, settings, &exit_code);
  loch::cli::register_txn_command(app, settings, &exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return exit_code;
}
