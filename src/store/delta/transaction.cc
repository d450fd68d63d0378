#include "store/delta/transaction.h"

#include <chrono>
#include <fstream>
#include <random>
#include <sstream>

#include "common/version.h"
#include "store/delta/action_json.h"
#include "store/delta/commit_file.h"
#include "store/delta/conflict_checker.h"
#include "store/delta/file_paths.h"
#include "store/delta/log_segment.h"
#include "store/delta/post_commit.h"
#include "store/delta/writer_protocol.h"

namespace loch::delta {

namespace fs = std::filesystem;
using nlohmann::json;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

FileAction remove_for(const FileAction& add, bool data_change) {
  FileAction remove = add;
  remove.deletion_timestamp = now_ms();
  remove.data_change = data_change;
  remove.stats_parsed.reset();
  return remove;
}

namespace {

std::string random_uuid() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  const uint64_t high = (random() & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // version 4
  const uint64_t low = (random() & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;   // variant 1
  char text[37];
  std::snprintf(text, sizeof text, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(high >> 32),
                static_cast<unsigned>((high >> 16) & 0xFFFF), static_cast<unsigned>(high & 0xFFFF),
                static_cast<unsigned>(low >> 48), static_cast<unsigned long long>(low & 0xFFFFFFFFFFFFULL));
  return text;
}

fs::path absolute_root(const fs::path& table_root) {
  std::error_code ec;
  return fs::absolute(table_root, ec).lexically_normal();
}

}  // namespace

struct Transaction::State {
  fs::path root;
  sql::Connection* connection = nullptr;
  std::optional<Snapshot> snapshot;
  ReadSet read;
  std::vector<FileAction> adds;
  std::vector<FileAction> removes;
  std::optional<Metadata> metadata;
  std::optional<Protocol> protocol;
  std::vector<Txn> txns;
  std::vector<DomainMetadata> domains;
  CommitOperation operation;
  bool committed = false;
  const std::string txn_id = random_uuid();
};

Transaction::Transaction(std::unique_ptr<State> state) : state_(std::move(state)) {}
Transaction::Transaction(Transaction&&) noexcept = default;
Transaction& Transaction::operator=(Transaction&&) noexcept = default;
Transaction::~Transaction() = default;

Result<Transaction> Transaction::begin(const fs::path& table_root, sql::Connection& connection) {
  auto state = std::make_unique<State>();
  state->root = absolute_root(table_root);
  state->connection = &connection;
  LOCH_ASSIGN_OR_RETURN(Snapshot snapshot, Snapshot::load(state->root, connection));
  state->snapshot = std::move(snapshot);
  return Transaction(std::move(state));
}

Transaction Transaction::begin_create(const fs::path& table_root, sql::Connection& connection) {
  auto state = std::make_unique<State>();
  state->root = absolute_root(table_root);
  state->connection = &connection;
  return Transaction(std::move(state));
}

Result<Transaction> Transaction::begin_or_create(const fs::path& table_root, sql::Connection& connection) {
  std::error_code ec;
  if (!fs::is_directory(table_root / "_delta_log", ec)) return begin_create(table_root, connection);
  return begin(table_root, connection);
}

const fs::path& Transaction::table_root() const { return state_->root; }
const Snapshot* Transaction::read_snapshot() const { return state_->snapshot ? &*state_->snapshot : nullptr; }
int64_t Transaction::read_version() const { return state_->snapshot ? state_->snapshot->version().value() : -1; }

const Metadata& Transaction::metadata() const {
  static const Metadata empty;
  if (state_->metadata) return *state_->metadata;
  return state_->snapshot ? state_->snapshot->metadata() : empty;
}

const Protocol& Transaction::protocol() const {
  static const Protocol empty;
  if (state_->protocol) return *state_->protocol;
  return state_->snapshot ? state_->snapshot->protocol() : empty;
}

void Transaction::record_read_files(const std::vector<const LiveFile*>& files) {
  for (const LiveFile* file : files) state_->read.files.insert(file->absolute_path.string());
}

void Transaction::record_read_file(const std::string& log_path) {
  auto path = resolve_data_path(state_->root, log_path);
  state_->read.files.insert(path.is_ok() ? path->string() : log_path);
}

void Transaction::record_read_predicate(const std::string& predicate) { state_->read.predicates.push_back(predicate); }

void Transaction::add_file(FileAction add) { state_->adds.push_back(std::move(add)); }
void Transaction::remove_file(FileAction remove) { state_->removes.push_back(std::move(remove)); }
void Transaction::set_metadata(Metadata metadata) { state_->metadata = std::move(metadata); }
void Transaction::set_protocol(Protocol protocol) { state_->protocol = std::move(protocol); }
void Transaction::set_transaction_id(const std::string& app_id, int64_t version) {
  state_->txns.push_back({app_id, version, now_ms()});
}
void Transaction::set_domain_metadata(DomainMetadata domain) { state_->domains.push_back(std::move(domain)); }
void Transaction::set_operation(CommitOperation operation) { state_->operation = std::move(operation); }
const std::vector<FileAction>& Transaction::staged_adds() const { return state_->adds; }
const std::vector<FileAction>& Transaction::staged_removes() const { return state_->removes; }

Result<CommitResult> Transaction::commit(const CommitOptions& options) {
  State& s = *state_;
  if (s.committed) return Status::internal("a Delta transaction commits at most once");
  const bool creating = !s.snapshot;
  if (creating && (!s.metadata || !s.protocol)) {
    return Status::internal("creating a Delta table needs its metaData and protocol actions");
  }
  for (const auto& add : s.adds) {
    if (!add.stats) return Status::internal("add " + add.path + " has no stats (loch writes stats for every file)");
  }
  LOCH_RETURN_IF_ERROR(check_writer_protocol(protocol(), metadata()));
  if (!s.domains.empty() && !has_writer_feature(protocol(), "domainMetadata")) {
    return Status::invalid_argument("domainMetadata actions need the domainMetadata writer feature (writer version 7); "
                                    "stage a protocol that lists it");
  }
  if (!s.removes.empty() && metadata().configuration.contains("delta.appendOnly") &&
      metadata().configuration.at("delta.appendOnly") == "true") {
    for (const auto& remove : s.removes) {
      if (remove.data_change) {
        return Status::invalid_argument("table " + s.root.string() +
                                        " is append-only (delta.appendOnly=true): rows cannot be deleted or updated");
      }
    }
  }
  std::error_code ec;
  fs::create_directories(s.root / "_delta_log", ec);
  if (ec) return Status::io_error("cannot create " + (s.root / "_delta_log").string() + ": " + ec.message());

  // A transaction that only adds new data without reading the table is a
  // blind append: such commits commute with each other (Delta's
  // isBlindAppend).
  bool blind_append = s.removes.empty() && !s.metadata && !s.protocol && s.read.files.empty() &&
                      s.read.predicates.empty();
  for (const auto& add : s.adds) blind_append = blind_append && add.data_change;
  // Actions after commitInfo, in the order Delta writers use.
  std::string body;
  if (s.protocol) body += protocol_json(*s.protocol).dump() + "\n";
  if (s.metadata) body += metadata_json(*s.metadata).dump() + "\n";
  for (const auto& txn : s.txns) body += txn_json(txn).dump() + "\n";
  for (const auto& domain : s.domains) body += domain_metadata_json(domain).dump() + "\n";
  for (const auto& remove : s.removes) body += remove_json(remove).dump() + "\n";
  for (const auto& add : s.adds) body += add_json(add).dump() + "\n";

  int64_t version = read_version() + 1;
  for (int attempt = 1; attempt <= options.max_attempts; ++attempt) {
    json info = {{"timestamp", now_ms()},
                 {"operation", s.operation.name},
                 {"operationParameters", s.operation.parameters},
                 {"operationMetrics", s.operation.metrics},
                 {"isolationLevel", "WriteSerializable"},
                 {"isBlindAppend", blind_append},
                 {"engineInfo", std::string("loch/") + kVersion},
                 {"txnId", s.txn_id}};
    if (!creating) info["readVersion"] = read_version();
    if (!s.read.predicates.empty()) info["readPredicates"] = s.read.predicates;
    const std::string contents = json{{"commitInfo", info}}.dump() + "\n" + body;
    const fs::path path = s.root / "_delta_log" / commit_file_name(TableVersion(version));
    Status put = put_if_absent(path, contents);
    if (put.is_ok()) {
      s.committed = true;
      CommitResult result{TableVersion(version), attempt, false};
      if (options.post_commit_hooks) {
        // The commit stands whatever the hooks do: a failed checkpoint only
        // costs readers time, so its error is not the commit's.
        auto hooks = run_post_commit_hooks(s.root, *s.connection, TableVersion(version), metadata());
        if (hooks.is_ok()) result.checkpoint_written = hooks->checkpoint_written;
      }
      return result;
    }
    if (put.code() != StatusCode::kAlreadyExists) return put.with_context("commit of version " + std::to_string(version));
    if (creating) return Status::already_exists("Delta table " + s.root.string() + " already exists");
    // Another writer took this version: is what we did still valid after it?
    LOCH_ASSIGN_OR_RETURN(WinningCommit winner, read_winning_commit(s.root, TableVersion(version)));
    StagedChanges mine{&s.read, &s.adds, &s.removes, s.metadata.has_value() || s.protocol.has_value(), &s.txns,
                       &s.domains};
    LOCH_RETURN_IF_ERROR(check_conflict(mine, winner, s.root));
    ++version;
  }
  return Status::conflict("gave up after " + std::to_string(options.max_attempts) +
                          " attempts to commit to " + s.root.string() + ": other writers kept winning");
}

}  // namespace loch::delta
