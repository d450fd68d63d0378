// The lock that keeps one run of a pipeline at a time on a data directory:
// a flock on <data-dir>/state/<pipeline>.lock, held by an open descriptor
// and released by the kernel when it is closed or the process ends, however
// it ends. `loch pipeline run`, hosted runs and replays take it.
#pragma once

#include <filesystem>
#include <string>

#include "common/result.h"

namespace loch::runner {

// The open descriptor holding the lock (close it to release), or Aborted
// naming the lock file when another run holds it.
Result<int> acquire_pipeline_lock(const std::filesystem::path& data_dir, const std::string& pipeline);

}  // namespace loch::runner
