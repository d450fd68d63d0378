#include "store/delta/log_segment.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

namespace loch::delta {
namespace {

// Parses exactly `width` decimal digits at the front of `text`.
std::optional<int64_t> parse_digits(std::string_view text, size_t width) {
  if (text.size() < width) return std::nullopt;
  int64_t value = 0;
  for (size_t i = 0; i < width; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

struct MultiPartKey {
  int64_t parts;
  auto operator<=>(const MultiPartKey&) const = default;
};

}  // namespace

std::string commit_file_name(TableVersion version) {
  std::string digits = std::to_string(version.value());
  return std::string(20 - std::min<size_t>(20, digits.size()), '0') + digits + ".json";
}

std::optional<TableVersion> LogListing::latest_version() const {
  std::optional<int64_t> latest;
  if (!commits.empty()) latest = commits.rbegin()->first;
  if (!checkpoints.empty()) latest = std::max(latest.value_or(-1), checkpoints.rbegin()->first);
  if (!latest) return std::nullopt;
  return TableVersion(*latest);
}

Result<LogListing> list_log(const std::filesystem::path& table_root) {
  LogListing listing;
  listing.log_dir = table_root / "_delta_log";
  std::error_code ec;
  if (!std::filesystem::is_directory(listing.log_dir, ec)) {
    return Status::not_found("not a Delta table: " + listing.log_dir.string() + " does not exist");
  }
  // Multi-part checkpoints are complete only when every part is present.
  std::map<std::pair<int64_t, int64_t>, std::map<int64_t, std::filesystem::path>> multi_parts;
  for (const auto& entry : std::filesystem::directory_iterator(listing.log_dir, ec)) {
    if (!entry.is_regular_file()) continue;
    const std::string name = entry.path().filename().string();
    if (name == "_last_checkpoint") {
      std::ifstream in(entry.path());
      std::stringstream text;
      text << in.rdbuf();
      // A corrupt hint is not an error: the listing is authoritative.
      auto parsed = nlohmann::json::parse(text.str(), nullptr, false);
      if (!parsed.is_discarded() && parsed.is_object() && parsed.contains("version") &&
          parsed["version"].is_number_integer()) {
        listing.last_checkpoint_hint = parsed["version"].get<int64_t>();
      }
      continue;
    }
    auto version = parse_digits(name, 20);
    if (!version || name.size() < 21 || name[20] != '.') continue;
    std::string_view rest = std::string_view(name).substr(21);
    if (rest == "json") {
      listing.commits[*version] = entry.path();
    } else if (rest == "checkpoint.parquet") {
      listing.checkpoints[*version].push_back({TableVersion(*version), CheckpointFiles::Kind::kClassic, {entry.path()}});
    } else if (rest.starts_with("checkpoint.")) {
      std::string_view tail = rest.substr(11);
      auto part = parse_digits(tail, 10);
      auto parts = tail.size() > 11 ? parse_digits(tail.substr(11), 10) : std::nullopt;
      if (part && parts && tail.size() == 29 && tail.substr(21) == ".parquet") {
        multi_parts[{*version, *parts}][*part] = entry.path();
      } else if (tail.ends_with(".json")) {
        listing.checkpoints[*version].push_back({TableVersion(*version), CheckpointFiles::Kind::kV2Json, {entry.path()}});
      } else if (tail.ends_with(".parquet")) {
        listing.checkpoints[*version].push_back(
            {TableVersion(*version), CheckpointFiles::Kind::kV2Parquet, {entry.path()}});
      }
    } else if (rest.size() == 20 + 15 && rest.substr(20) == ".compacted.json") {
      if (auto last = parse_digits(rest, 20)) {
        listing.compactions.push_back({TableVersion(*version), TableVersion(*last), entry.path()});
      }
    }
  }
  if (ec) return Status::io_error("cannot list " + listing.log_dir.string() + ": " + ec.message());
  for (const auto& [key, parts] : multi_parts) {
    const auto [version, count] = key;
    if (static_cast<int64_t>(parts.size()) != count) continue;
    CheckpointFiles files{TableVersion(version), CheckpointFiles::Kind::kMultiPart, {}};
    for (const auto& [part, path] : parts) files.parts.push_back(path);
    listing.checkpoints[version].push_back(std::move(files));
  }
  return listing;
}

Result<LogSegment> build_segment(const LogListing& listing, std::optional<TableVersion> version) {
  auto latest = listing.latest_version();
  if (!latest) return Status::not_found("no commits or checkpoints in " + listing.log_dir.string());
  const TableVersion target = version.value_or(*latest);
  if (target > *latest) {
    return Status::not_found("version " + std::to_string(target.value()) + " does not exist: the latest is " +
                             std::to_string(latest->value()));
  }
  if (target.value() < 0) return Status::invalid_argument("a table version is never negative");
  LogSegment segment;
  segment.version = target;
  auto checkpoint = listing.checkpoints.upper_bound(target.value());
  int64_t first_commit = 0;
  if (checkpoint != listing.checkpoints.begin()) {
    --checkpoint;
    // Prefer v2 (UUID) checkpoints, then single files, then multi-part.
    const auto& candidates = checkpoint->second;
    const CheckpointFiles* best = &candidates.front();
    for (const auto& candidate : candidates) {
      if (candidate.kind == CheckpointFiles::Kind::kV2Json || candidate.kind == CheckpointFiles::Kind::kV2Parquet) {
        best = &candidate;
      } else if (candidate.kind == CheckpointFiles::Kind::kClassic && best->kind == CheckpointFiles::Kind::kMultiPart) {
        best = &candidate;
      }
    }
    segment.checkpoint = *best;
    first_commit = checkpoint->first + 1;
  }
  for (int64_t v = target.value(); v >= first_commit; --v) {
    const CompactionFile* widest = nullptr;
    for (const auto& compaction : listing.compactions) {
      if (compaction.last.value() == v && compaction.first.value() >= first_commit &&
          compaction.first < compaction.last && (!widest || compaction.first < widest->first)) {
        widest = &compaction;
      }
    }
    if (widest) {
      segment.commits_newest_first.push_back({TableVersion(v), widest->path, widest->first});
      v = widest->first.value();
      continue;
    }
    auto commit = listing.commits.find(v);
    if (commit == listing.commits.end()) {
      if (listing.commits.empty() || v < listing.commits.begin()->first) {
        return Status::not_found("version " + std::to_string(target.value()) + " cannot be reconstructed: commit " +
                                 commit_file_name(TableVersion(v)) + " was removed and no checkpoint covers it");
      }
      return Status::corruption("_delta_log: commit " + commit_file_name(TableVersion(v)) + " (version " +
                                std::to_string(v) + ") is missing: versions are not contiguous");
    }
    segment.commits_newest_first.push_back({TableVersion(v), commit->second, TableVersion(v)});
  }
  return segment;
}

}  // namespace loch::delta
