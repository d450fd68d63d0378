#include "store/delta/table_check.h"

#include <fstream>
#include <map>
#include <set>

#include "store/delta/file_paths.h"
#include "store/delta/log_segment.h"
#include "store/delta/snapshot.h"
#include "store/delta/table_schema.h"
#include "store/delta/writer_protocol.h"

namespace loch::delta {

namespace fs = std::filesystem;
using nlohmann::json;

std::string TableProblem::to_string() const {
  return file + (version ? " (version " + std::to_string(*version) + ")" : std::string()) + ": " + message;
}

namespace {

std::string log_name(const fs::path& path) { return "_delta_log/" + path.filename().string(); }

bool has(const std::optional<std::vector<std::string>>& list, const std::string& item) {
  return list && std::find(list->begin(), list->end(), item) != list->end();
}

bool uses_ntz(const DataType& type) {
  if (type.kind == DataType::Kind::kPrimitive) return type.primitive == "timestamp_ntz";
  for (const auto& field : type.fields) {
    if (uses_ntz(field.type)) return true;
  }
  return (type.element && uses_ntz(*type.element)) || (type.key && uses_ntz(*type.key)) ||
         (type.value && uses_ntz(*type.value));
}

// Features the metadata uses that the protocol does not declare.
std::vector<std::string> undeclared_features(const Protocol& protocol, const Metadata& metadata) {
  std::vector<std::string> missing;
  const auto& config = metadata.configuration;
  auto is_true = [&](const char* key) {
    auto it = config.find(key);
    return it != config.end() && it->second == "true";
  };
  const bool features = protocol.min_writer_version == 7;
  if (is_true("delta.enableDeletionVectors") &&
      !(has(protocol.reader_features, "deletionVectors") && has(protocol.writer_features, "deletionVectors"))) {
    missing.push_back("deletion vectors are enabled but deletionVectors is not a reader and writer feature");
  }
  const bool constraints = std::any_of(config.begin(), config.end(),
                                       [](const auto& e) { return e.first.starts_with("delta.constraints."); });
  if (constraints && (features ? !has(protocol.writer_features, "checkConstraints") : protocol.min_writer_version < 3)) {
    missing.push_back("CHECK constraints need writer version 3 or the checkConstraints writer feature");
  }
  auto mode = config.find("delta.columnMapping.mode");
  if (mode != config.end() && mode->second != "none" &&
      (features ? !has(protocol.writer_features, "columnMapping")
                : (protocol.min_reader_version < 2 || protocol.min_writer_version < 5))) {
    missing.push_back("column mapping needs reader 2 / writer 5 or the columnMapping feature");
  }
  auto schema = parse_schema(metadata.schema_string);
  if (schema.is_ok()) {
    bool ntz = false;
    for (const auto& field : schema->fields) ntz = ntz || uses_ntz(field.type);
    if (ntz && !(has(protocol.reader_features, "timestampNtz") && has(protocol.writer_features, "timestampNtz"))) {
      missing.push_back("timestamp_ntz columns need the timestampNtz reader and writer feature");
    }
  }
  return missing;
}

class Checker {
 public:
  Checker(const fs::path& root, sql::Connection& connection) : root_(root), connection_(connection) {}

  TableCheckReport run() {
    std::error_code ec;
    if (!fs::is_directory(root_ / "_delta_log", ec)) {
      problem("_delta_log", std::nullopt, "missing: not a Delta table");
      return std::move(report_);
    }
    auto listing = list_log(root_);
    if (!listing.is_ok()) {
      problem("_delta_log", std::nullopt, listing.status().message());
      return std::move(report_);
    }
    check_versions(*listing);
    check_commits(*listing);
    check_snapshot(*listing);
    return std::move(report_);
  }

 private:
  void problem(std::string file, std::optional<int64_t> version, std::string message) {
    report_.problems.push_back({std::move(file), version, std::move(message)});
  }

  void check_versions(const LogListing& listing) {
    if (listing.commits.empty() && listing.checkpoints.empty()) {
      problem("_delta_log", std::nullopt, "no commits and no checkpoint");
      return;
    }
    int64_t first = listing.commits.empty() ? 0 : listing.commits.begin()->first;
    if (first > 0) {
      // A log that was cleaned up starts right after a checkpoint.
      auto checkpoint = listing.checkpoints.find(first - 1);
      bool covered = checkpoint != listing.checkpoints.end();
      for (const auto& [version, files] : listing.checkpoints) covered = covered || version >= first - 1;
      if (!covered) {
        problem("_delta_log/" + commit_file_name(TableVersion(0)), 0,
                "missing: the log starts at version " + std::to_string(first) + " without a checkpoint before it");
      }
    }
    // Cleanup only removes a prefix of the log, so a gap anywhere after
    // the first commit is a lost commit.
    std::optional<int64_t> previous;
    for (const auto& [version, path] : listing.commits) {
      if (previous && version != *previous + 1) {
        const std::string range = version - *previous == 2 ? std::to_string(*previous + 1)
                                                            : std::to_string(*previous + 1) + " to " + std::to_string(version - 1);
        problem("_delta_log/" + commit_file_name(TableVersion(*previous + 1)), *previous + 1,
                "missing: versions jump from " + std::to_string(*previous) + " to " + std::to_string(version) +
                    " (no commit " + range + ")");
      }
      previous = version;
    }
    if (listing.last_checkpoint_hint && !listing.checkpoints.count(*listing.last_checkpoint_hint)) {
      problem("_delta_log/_last_checkpoint", *listing.last_checkpoint_hint,
              "points at checkpoint version " + std::to_string(*listing.last_checkpoint_hint) + ", which does not exist");
    }
    report_.latest_version = listing.latest_version() ? std::optional<int64_t>(listing.latest_version()->value())
                                                      : std::nullopt;
  }

  void check_commits(const LogListing& listing) {
    std::optional<Metadata> metadata;
    std::optional<Protocol> protocol;
    for (const auto& [version, path] : listing.commits) {
      const std::string file = log_name(path);
      std::ifstream in(path, std::ios::binary);
      if (!in) {
        problem(file, version, "cannot be read");
        continue;
      }
      std::string line;
      size_t number = 0;
      bool has_protocol = false, has_metadata = false;
      while (std::getline(in, line)) {
        ++number;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        json object = json::parse(line, nullptr, false);
        if (object.is_discarded() || !object.is_object()) {
          problem(file, version, "line " + std::to_string(number) + " is not a JSON object");
          continue;
        }
        auto action = parse_action(object);
        if (!action.is_ok()) {
          problem(file, version, "line " + std::to_string(number) + ": " + action.status().message());
          continue;
        }
        if (action->protocol) {
          has_protocol = true;
          protocol = action->protocol;
        }
        if (action->metadata) {
          has_metadata = true;
          metadata = action->metadata;
        }
        if (action->add) check_add(*action->add, metadata, file, version, number);
      }
      if (version == 0 && (!has_protocol || !has_metadata)) {
        problem(file, version, std::string("version 0 has no ") + (!has_protocol ? "protocol" : "metaData") + " action");
      }
    }
  }

  void check_add(const FileAction& add, const std::optional<Metadata>& metadata, const std::string& file,
                 int64_t version, size_t line) {
    const std::string where = "line " + std::to_string(line) + ": add " + add.path;
    if (add.path.empty()) problem(file, version, "line " + std::to_string(line) + ": add with an empty path");
    if (add.size < 0) problem(file, version, where + " has a negative size");
    if (!metadata) return;
    const bool mapped = metadata->configuration.count("delta.columnMapping.mode") &&
                        metadata->configuration.at("delta.columnMapping.mode") != "none";
    std::set<std::string> expected;
    auto schema = parse_schema(metadata->schema_string);
    for (const auto& column : metadata->partition_columns) {
      const StructField* field = schema.is_ok() ? schema->find(column) : nullptr;
      expected.insert(field ? field->physical_name(mapped) : column);
    }
    std::set<std::string> present;
    for (const auto& [key, value] : add.partition_values) present.insert(key);
    if (present != expected) problem(file, version, where + ": partitionValues do not name exactly the partition columns");
  }

  void check_snapshot(const LogListing& listing) {
    if (!listing.latest_version()) return;
    auto snapshot = Snapshot::load(root_, connection_);
    if (!snapshot.is_ok()) {
      problem("_delta_log", report_.latest_version, "the latest snapshot does not load: " + snapshot.status().message());
      return;
    }
    const int64_t version = snapshot->version().value();
    const Protocol& protocol = snapshot->protocol();
    Status writable = check_writer_protocol(protocol, snapshot->metadata());
    if (!writable.is_ok()) problem("_delta_log", version, "protocol: " + writable.message());
    for (const auto& missing : undeclared_features(protocol, snapshot->metadata())) {
      problem("_delta_log", version, "protocol: " + missing);
    }
    report_.live_files = snapshot->files().size();
    for (const auto& file : snapshot->files()) {
      std::error_code ec;
      const auto size = fs::file_size(file.absolute_path, ec);
      if (ec) {
        problem(file.add.path, version, "data file is missing (live in the latest version)");
      } else if (file.add.size > 0 && static_cast<int64_t>(size) != file.add.size) {
        problem(file.add.path, version,
                "data file has " + std::to_string(size) + " bytes, the log says " + std::to_string(file.add.size));
      }
      if (file.add.deletion_vector && file.add.deletion_vector->storage_type != 'i') {
        auto dv = file.add.deletion_vector->absolute_path(root_);
        if (!dv.is_ok() || !fs::exists(*dv, ec)) {
          problem(file.add.path, version, "deletion vector file " + (dv.is_ok() ? dv->filename().string() : "?") +
                                              " is missing");
        }
      }
    }
  }

  fs::path root_;
  sql::Connection& connection_;
  TableCheckReport report_;
};

}  // namespace

TableCheckReport check_table(const fs::path& table_root, sql::Connection& connection) {
  return Checker(table_root, connection).run();
}

}  // namespace loch::delta
