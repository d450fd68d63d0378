#include "process/pipeline/state_store.h"

#include <rocksdb/db.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <system_error>

namespace loch::pipeline {
namespace fs = std::filesystem;
namespace {

Status from_rocksdb(const rocksdb::Status& status, const std::string& what) {
  if (status.ok()) return Status::ok();
  if (status.IsCorruption()) return Status::corruption(what + ": " + status.ToString());
  return Status::io_error(what + ": " + status.ToString());
}

std::string version_name(TableVersion version) {
  char name[32];
  std::snprintf(name, sizeof name, "%020lld", static_cast<long long>(version.value()));
  return name;
}

// live/ is written (a synced batch and a memtable flush into a new L0 file
// at every checkpoint) and read back only on restore, never while running:
// its read amplification does not matter, its write amplification does.
// Dedup ids spread over the whole key space, so each L0 -> L1 compaction
// rewrites about the whole state; RocksDB's default of one every 4 L0 files
// made compaction a seventh of a pipeline process's CPU at 50,000 events/s
// (growing with the state). One every 32 flushes rewrites it 8 times less
// often; the stall thresholds move up with it.
rocksdb::Options store_options() {
  rocksdb::Options options;
  options.level0_file_num_compaction_trigger = 32;
  options.level0_slowdown_writes_trigger = 48;
  options.level0_stop_writes_trigger = 64;
  return options;
}

// Every entry key starts with a printable prefix byte (doc/pipelines.md, "Entry format"),
// so [0x00, 0xff) covers them all.
const std::string kFirstKey(1, '\0');
const std::string kPastLastKey(1, '\xff');
// Past every entry key: the version live/ was last written for.
const std::string kLiveVersionKey = std::string(1, '\xff') + "live-version";

}  // namespace

StateStore::StateStore(fs::path dir, StateStoreOptions options, rocksdb::DB* live)
    : dir_(std::move(dir)), options_(options), live_(live) {
  static std::atomic<uint64_t> next_id{1};
  id_ = next_id.fetch_add(1);
}

StateStore::~StateStore() = default;

Result<std::unique_ptr<StateStore>> StateStore::open(fs::path dir, StateStoreOptions options) {
  std::error_code ec;
  fs::create_directories(dir / "checkpoints", ec);
  if (ec) return Status::io_error("state directory " + dir.string() + ": " + ec.message());
  // Leftovers of a checkpoint interrupted before its rename.
  for (const auto& entry : fs::directory_iterator(dir / "checkpoints", ec)) {
    if (entry.path().filename().string().starts_with("tmp-")) fs::remove_all(entry.path(), ec);
  }
  rocksdb::Options db_options = store_options();
  db_options.create_if_missing = true;
  rocksdb::DB* db = nullptr;
  LOCH_RETURN_IF_ERROR(from_rocksdb(rocksdb::DB::Open(db_options, (dir / "live").string(), &db),
                                    "state store " + (dir / "live").string()));
  return std::unique_ptr<StateStore>(new StateStore(std::move(dir), options, db));
}

fs::path StateStore::checkpoint_dir(TableVersion version) const {
  return dir_ / "checkpoints" / version_name(version);
}

namespace {

Status check_entry_key(const std::string& key) {
  if (key.empty() || key[0] == '\0' || key[0] == '\xff') {
    return Status::internal("state entry key must start with a prefix byte in [0x01, 0xfe]");
  }
  return Status::ok();
}

}  // namespace

Status StateStore::checkpoint(TableVersion version, const StateEntries& entries) {
  rocksdb::WriteBatch batch;
  batch.DeleteRange(kFirstKey, kPastLastKey);
  for (const auto& [key, value] : entries) {
    LOCH_RETURN_IF_ERROR(check_entry_key(key));
    batch.Put(key, value);
  }
  return write_and_snapshot(version, batch);
}

Status StateStore::checkpoint_delta(TableVersion version, const StateDelta& delta) {
  rocksdb::WriteBatch batch;
  for (const std::string& key : delta.deletes) {
    LOCH_RETURN_IF_ERROR(check_entry_key(key));
    batch.Delete(key);
  }
  for (const auto& [key, value] : delta.puts) {
    LOCH_RETURN_IF_ERROR(check_entry_key(key));
    batch.Put(key, value);
  }
  return write_and_snapshot(version, batch);
}

Status StateStore::write_and_snapshot(TableVersion version, rocksdb::WriteBatch& batch) {
  batch.Put(kLiveVersionKey, std::to_string(version.value()));
  rocksdb::WriteOptions write_options;
  write_options.sync = true;  // the checkpoint below must hold what was written
  std::string what = "state checkpoint " + std::to_string(version.value()) + " in " + dir_.string();
  LOCH_RETURN_IF_ERROR(from_rocksdb(live_->Write(write_options, &batch), what));

  fs::path final_dir = checkpoint_dir(version);
  fs::path tmp_dir = dir_ / "checkpoints" / ("tmp-" + version_name(version));
  std::error_code ec;
  fs::remove_all(tmp_dir, ec);
  if (fs::exists(final_dir, ec)) fs::remove_all(final_dir, ec);  // re-checkpointing after a restore
  rocksdb::Checkpoint* raw = nullptr;
  LOCH_RETURN_IF_ERROR(from_rocksdb(rocksdb::Checkpoint::Create(live_.get(), &raw), what));
  std::unique_ptr<rocksdb::Checkpoint> checkpointer(raw);
  // Below wal_copy_limit_bytes of WAL, the checkpoint copies the (synced)
  // WAL instead of flushing the memtable into a new SST file at every
  // checkpoint; above it, RocksDB flushes and links SST files only.
  LOCH_RETURN_IF_ERROR(
      from_rocksdb(checkpointer->CreateCheckpoint(tmp_dir.string(), options_.wal_copy_limit_bytes), what));
  fs::rename(tmp_dir, final_dir, ec);
  if (ec) return Status::io_error(what + ": rename " + tmp_dir.string() + ": " + ec.message());
  return prune_older_checkpoints();
}

Result<std::vector<TableVersion>> StateStore::checkpoints() const {
  std::vector<TableVersion> versions;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_ / "checkpoints", ec)) {
    std::string name = entry.path().filename().string();
    if (name.size() != 20 || !std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      continue;
    }
    versions.emplace_back(std::stoll(name));
  }
  if (ec) return Status::io_error("state checkpoints in " + dir_.string() + ": " + ec.message());
  std::sort(versions.begin(), versions.end());
  return versions;
}

Status StateStore::prune_older_checkpoints() {
  LOCH_ASSIGN_OR_RETURN(std::vector<TableVersion> versions, checkpoints());
  size_t keep = static_cast<size_t>(options_.keep_older_checkpoints) + 1;
  if (versions.size() <= keep) return Status::ok();
  std::error_code ec;
  for (size_t i = 0; i + keep < versions.size(); ++i) {
    fs::remove_all(checkpoint_dir(versions[i]), ec);
    if (ec) return Status::io_error("removing state checkpoint " + checkpoint_dir(versions[i]).string() + ": " + ec.message());
  }
  return Status::ok();
}

Result<StateEntries> StateStore::restore(TableVersion version) {
  fs::path dir = checkpoint_dir(version);
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    return Status::not_found("no state checkpoint for version " + std::to_string(version.value()) + " in " +
                             (dir_ / "checkpoints").string());
  }
  rocksdb::Options db_options = store_options();
  rocksdb::DB* raw = nullptr;
  std::string what = "state checkpoint " + dir.string();
  LOCH_RETURN_IF_ERROR(from_rocksdb(rocksdb::DB::OpenForReadOnly(db_options, dir.string(), &raw), what));
  std::unique_ptr<rocksdb::DB> db(raw);
  StateEntries entries;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
  for (it->SeekToFirst(); it->Valid() && it->key().compare(kPastLastKey) < 0; it->Next()) {
    entries.emplace_back(it->key().ToString(), it->value().ToString());
  }
  LOCH_RETURN_IF_ERROR(from_rocksdb(it->status(), what));
  it.reset();
  db.reset();

  LOCH_ASSIGN_OR_RETURN(std::vector<TableVersion> versions, checkpoints());
  for (TableVersion v : versions) {
    if (v > version) {
      fs::remove_all(checkpoint_dir(v), ec);
      if (ec) return Status::io_error("removing state checkpoint " + checkpoint_dir(v).string() + ": " + ec.message());
    }
  }
  return entries;
}

bool StateStore::live_holds(TableVersion version) const {
  std::string value;
  if (!live_->Get(rocksdb::ReadOptions(), kLiveVersionKey, &value).ok()) return false;
  return value == std::to_string(version.value());
}

}  // namespace loch::pipeline
