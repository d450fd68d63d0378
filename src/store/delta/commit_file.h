// Put-if-absent of a file in _delta_log: the atomic step of a Delta commit
// (PROTOCOL.md "Delta Log Entries": "writers must ensure that a commit file
// is created only once"; doc/delta-writer.md "Put-if-absent").
//
// The contents go to a uniquely named temporary file in the same directory,
// which is fsynced; link(2) then gives it its final name, failing with EEXIST
// when another writer created that name first; the directory is fsynced so
// the new name survives a crash; the temporary name is unlinked. A crash at
// any step leaves either no commit file (only a harmless "._loch_tmp" file)
// or the complete one, never a partial commit.
#pragma once

#include <filesystem>
#include <string_view>

#include "common/result.h"

namespace loch::delta {

// Creates `path` with `contents` only if it does not exist. AlreadyExists
// when it does (the caller lost the race); IOError for other failures.
Status put_if_absent(const std::filesystem::path& path, std::string_view contents);

// Replaces `path` atomically (temporary file, fsync, rename, fsync of the
// directory): for _last_checkpoint and checkpoint files, which may be
// rewritten with the same contents by racing writers.
Status write_atomically(const std::filesystem::path& path, std::string_view contents);

// fsyncs a directory so that names created in it are durable.
Status sync_directory(const std::filesystem::path& directory);

}  // namespace loch::delta
