// `loch table check`: verifies a Delta table's log and data files and lists
// every problem with the file and version it concerns. The checks:
//   - _delta_log exists and holds commits or a checkpoint;
//   - commit versions are contiguous from 0 or from the oldest checkpoint
//     (a gap is named by the missing file);
//   - every commit line is a JSON object that parses as an action;
//   - version 0 (when present) has protocol and metaData;
//   - every add has a path, a non-negative size and partition values for
//     exactly the partition columns;
//   - the protocol is one loch can read and write, and it names the
//     features the metadata uses (deletion vectors, CHECK constraints,
//     column mapping, timestamp_ntz);
//   - _last_checkpoint points at a checkpoint that exists;
//   - the latest snapshot loads, and each live data file and deletion
//     vector file exists with the size the log records.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace loch::sql {
class Connection;
}

namespace loch::delta {

struct TableProblem {
  std::string file;  // relative to the table root, e.g. _delta_log/00000000000000000003.json
  std::optional<int64_t> version;
  std::string message;

  // "<file> (version N): <message>"
  std::string to_string() const;
};

struct TableCheckReport {
  std::optional<int64_t> latest_version;
  size_t live_files = 0;
  std::vector<TableProblem> problems;
};

TableCheckReport check_table(const std::filesystem::path& table_root, sql::Connection& connection);

}  // namespace loch::delta
