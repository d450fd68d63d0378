#include "process/runner/delta_append_sink.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "common/ascii.h"
#include "process/pipeline/txn_offsets.h"
#include "store/delta/data_writer.h"
#include "store/delta/file_paths.h"
#include "store/delta/maintenance.h"
#include "store/delta/schema_writer.h"
#include "store/delta/snapshot.h"
#include "store/delta/write_statement_steps.h"
#include "store/delta/writer_protocol.h"
#include "store/sql/database.h"

namespace loch::runner {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using delta::sql_identifier;

// A table exists once its log holds a commit (or a checkpoint). A process
// killed during the very first commit leaves _delta_log with at most a
// temporary file: that is still no table, and the next append creates it.
bool table_exists(const fs::path& root) {
  std::error_code ec;
  for (fs::directory_iterator it(root / "_delta_log", ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() >= 25 && name[0] != '.' && (name.ends_with(".json") || name.ends_with(".parquet")) &&
        std::isdigit(static_cast<unsigned char>(name[0]))) {
      return true;
    }
  }
  return false;
}

Result<Offsets> offsets_of(const delta::Snapshot& snapshot, const std::string& pipeline) {
  std::map<std::string, int64_t> versions;
  for (const auto& [app_id, txn] : snapshot.transactions()) versions[app_id] = txn.version;
  return pipeline::next_offsets_from_txns(versions, pipeline);
}

// `query` with JSON and UUID columns cast to VARCHAR (Delta has no such
// types), and, when `committed` is given, without the rows before it.
Result<std::string> storable_query(sql::Connection& connection, const std::string& query, const Offsets* committed,
                                   std::vector<std::pair<std::string, std::string>>& columns) {
  LOCH_ASSIGN_OR_RETURN(columns, delta::describe_query(connection, query));
  std::string select;
  for (auto& [name, type] : columns) {
    if (!select.empty()) select += ", ";
    if (type == "JSON" || type == "UUID") {
      select += "CAST(" + sql_identifier(name) + " AS VARCHAR) AS " + sql_identifier(name);
      type = "VARCHAR";
    } else {
      select += sql_identifier(name);
    }
  }
  std::string out = "SELECT " + select + " FROM (" + query + ") AS sink_input";
  if (committed != nullptr && !committed->empty()) {
    std::string condition = "CASE";
    for (const auto& [partition, next] : *committed) {
      condition += " WHEN _topic = " + delta::sql_string_literal(partition.topic) + " AND _partition = " +
                   std::to_string(partition.partition) + " THEN _offset >= " + std::to_string(next);
    }
    out += " WHERE " + condition + " ELSE TRUE END";
  }
  return out;
}

Result<delta::Metadata> new_table_metadata(const SinkTable& table,
                                           const std::vector<std::pair<std::string, std::string>>& columns) {
  std::vector<delta::ColumnDefinition> definitions;
  for (const auto& [name, type] : columns) {
    // A DuckDB TIMESTAMP has no zone: it is Delta's timestamp_ntz.
    definitions.push_back({name, type == "TIMESTAMP" ? "TIMESTAMP WITHOUT TIME ZONE" : type, false, std::nullopt});
  }
  LOCH_ASSIGN_OR_RETURN(auto fields, delta::fields_from_definitions(definitions));
  delta::Metadata metadata;
  metadata.id = delta::new_uuid();
  metadata.created_time = delta::now_ms();
  for (const std::string& column : table.partition_by) {
    auto field = std::find_if(fields.begin(), fields.end(),
                              [&](const delta::StructField& f) { return ascii_lower(f.name) == ascii_lower(column); });
    if (field == fields.end()) {
      return Status::invalid_argument("sink " + table.display_name + ": partition column " + column +
                                      " is not a column of the pipeline's output");
    }
    metadata.partition_columns.push_back(field->name);
  }
  if (table.target_file_size_bytes) {
    metadata.configuration["delta.targetFileSize"] = std::to_string(*table.target_file_size_bytes);
  }
  metadata.schema_string = delta::schema_string(delta::TableSchema{fields});
  return metadata;
}

}  // namespace

DeltaAppendSink::DeltaAppendSink(SinkTable table, std::string pipeline)
    : table_(std::move(table)), pipeline_(std::move(pipeline)) {}

Result<Offsets> DeltaAppendSink::committed_offsets(sql::Connection& connection) const {
  if (!table_exists(table_.root)) return Offsets{};
  LOCH_ASSIGN_OR_RETURN(auto snapshot, delta::Snapshot::load(table_.root, connection));
  return offsets_of(snapshot, pipeline_);
}

Result<int64_t> DeltaAppendSink::version(sql::Connection& connection) const {
  if (!table_exists(table_.root)) return int64_t{-1};
  LOCH_ASSIGN_OR_RETURN(auto snapshot, delta::Snapshot::load(table_.root, connection));
  return snapshot.version().value();
}

Result<AppendOutcome> DeltaAppendSink::append(sql::Connection& connection, const std::string& query,
                                              const Offsets& next_offsets, bool skip_committed_rows,
                                              bool rows_materialized) {
  return write_and_commit(connection, query, [&] { return next_offsets; }, true, skip_committed_rows, rows_materialized);
}

Result<AppendOutcome> DeltaAppendSink::append_streamed(sql::Connection& connection, const std::string& query,
                                                       const std::function<Offsets()>& next_offsets,
                                                       const std::map<std::string, std::string>& partition_values) {
  return write_and_commit(connection, query, next_offsets, false, false, false, partition_values);
}

Result<AppendOutcome> DeltaAppendSink::write_and_commit(sql::Connection& connection, const std::string& query,
                                                        const std::function<Offsets()>& next_offsets_of,
                                                        bool offsets_known, bool skip_committed_rows,
                                                        bool rows_materialized,
                                                        const std::map<std::string, std::string>& partition_values) {
  // Every offset committed already (a batch written twice): nothing to do.
  auto all_committed = [](const Offsets& committed, const Offsets& next) {
    if (next.empty()) return false;
    for (const auto& [partition, offset] : next) {
      auto it = committed.find(partition);
      if (it == committed.end() || it->second < offset) return false;
    }
    return true;
  };
  Offsets next_offsets;
  if (offsets_known) next_offsets = next_offsets_of();
  std::error_code ec;
  fs::create_directories(table_.root, ec);
  if (ec) return Status::io_error("sink " + table_.display_name + ": cannot create " + table_.root.string() + ": " + ec.message());
  LOCH_ASSIGN_OR_RETURN(auto txn, table_exists(table_.root) ? delta::Transaction::begin(table_.root, connection)
                                                              : Result<delta::Transaction>(delta::Transaction::begin_create(
                                                                    table_.root, connection)));
  Offsets committed;
  if (const delta::Snapshot* snapshot = txn.read_snapshot()) {
    LOCH_ASSIGN_OR_RETURN(committed, offsets_of(*snapshot, pipeline_));
    if (offsets_known && all_committed(committed, next_offsets)) return AppendOutcome{true, txn.read_version(), 0, 0};
  }
  std::vector<std::pair<std::string, std::string>> columns;
  LOCH_ASSIGN_OR_RETURN(std::string rows_query,
                        storable_query(connection, query, skip_committed_rows ? &committed : nullptr, columns));
  delta::Metadata metadata;
  if (txn.read_snapshot() == nullptr) {
    LOCH_ASSIGN_OR_RETURN(metadata, new_table_metadata(table_, columns));
    LOCH_ASSIGN_OR_RETURN(delta::Protocol protocol, delta::required_protocol(metadata, std::nullopt));
    txn.set_metadata(metadata);
    txn.set_protocol(protocol);
  } else {
    metadata = txn.metadata();
  }
  delta::DataWriteOptions write_options;
  write_options.probe_single_partition = rows_materialized;
  write_options.partition_values = partition_values;
  write_options.dictionary_size_limit = table_.dictionary_size_limit;
  auto adds = delta::write_data_files(connection, table_.root, metadata, rows_query, write_options);
  if (!adds.is_ok()) return adds.status().with_context("sink " + table_.display_name);
  if (!offsets_known) {
    // Streamed rows have ended: their offsets are known now. Files written
    // for offsets committed already stay out of the log (VACUUM removes them).
    next_offsets = next_offsets_of();
    if (all_committed(committed, next_offsets)) return AppendOutcome{true, txn.read_version(), 0, 0};
  }
  AppendOutcome outcome;
  LOCH_ASSIGN_OR_RETURN(int64_t target, delta::target_file_size(metadata));
  // Small files per partition after this commit (the same notion of small as
  // delta::compact_small_files: under half the target).
  std::map<std::map<std::string, std::optional<std::string>>, int64_t> small_per_partition;
  if (const delta::Snapshot* snapshot = txn.read_snapshot()) {
    for (const auto& file : snapshot->files()) {
      if (file.add.size < target / 2) ++small_per_partition[file.add.partition_values];
    }
  }
  for (auto& add : *adds) {
    if (add.size < target / 2) ++small_per_partition[add.partition_values];
    outcome.rows += json::parse(*add.stats)["numRecords"].get<int64_t>();
    outcome.bytes += add.size;
    ++outcome.files;
    txn.add_file(std::move(add));
  }
  // The offsets only move forward: a partition this batch did not advance
  // keeps its committed offset.
  for (const auto& [partition, next] : next_offsets) {
    auto it = committed.find(partition);
    if (it != committed.end() && it->second >= next) continue;
    txn.set_transaction_id(pipeline::txn_app_id(pipeline_, partition), next);
  }
  delta::CommitOperation operation;
  operation.name = "STREAMING UPDATE";
  operation.parameters = {{"outputMode", "Append"}, {"queryId", pipeline_}};
  operation.metrics = {{"numFiles", std::to_string(outcome.files)},
                       {"numOutputRows", std::to_string(outcome.rows)},
                       {"numOutputBytes", std::to_string(outcome.bytes)}};
  txn.set_operation(std::move(operation));
  auto committed_version = txn.commit();
  if (!committed_version.is_ok()) return committed_version.status().with_context("sink " + table_.display_name);
  outcome.version = committed_version->version.value();
  for (const auto& [partition, count] : small_per_partition) {
    outcome.most_small_files_in_a_partition = std::max(outcome.most_small_files_in_a_partition, count);
  }
  return outcome;
}

Result<bool> DeltaAppendSink::has_small_files_to_compact(sql::Connection& connection, int64_t min_small_files) const {
  if (min_small_files < 2 || !table_exists(table_.root)) return false;
  LOCH_ASSIGN_OR_RETURN(auto snapshot, delta::Snapshot::load(table_.root, connection));
  LOCH_ASSIGN_OR_RETURN(int64_t target, delta::target_file_size(snapshot.metadata()));
  // The same notion of small as delta::compact_small_files: under half the target.
  std::map<std::map<std::string, std::optional<std::string>>, int64_t> small_per_partition;
  for (const auto& file : snapshot.files()) {
    if (file.add.size >= target / 2) continue;
    if (++small_per_partition[file.add.partition_values] >= min_small_files) return true;
  }
  return false;
}

Result<std::optional<int64_t>> DeltaAppendSink::compact_small_files(sql::Connection& connection,
                                                                    int64_t min_small_files) {
  auto outcome =
      delta::compact_small_files(table_.root, table_.display_name, static_cast<size_t>(min_small_files), connection);
  if (!outcome.is_ok()) return outcome.status().with_context("sink " + table_.display_name + ": compaction");
  return outcome->version;
}

}  // namespace loch::runner
