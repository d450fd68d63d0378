#include "store/delta/row_changes.h"

#include <map>

#include "store/delta/data_writer.h"
#include "store/delta/deletion_vector_writer.h"
#include "store/delta/file_paths.h"
#include "store/delta/table_scan.h"
#include "store/delta/writer_protocol.h"
#include "store/sql/database.h"

namespace loch::delta {
namespace {

using nlohmann::json;

Result<int64_t> query_count(sql::Connection& connection, const std::string& sql) {
  LOCH_ASSIGN_OR_RETURN(auto result, connection.query(sql));
  LOCH_ASSIGN_OR_RETURN(auto chunk, result.next_chunk());
  if (!chunk || chunk->size() == 0 || !chunk->column(0).is_valid(0)) return int64_t{0};
  return chunk->column(0).values<int64_t>()[0];
}

// What the changes table holds, read in one pass in file and row order
// (a few milliseconds for 100,000 changes, where separate count, duplicate
// and distinct queries took several times that).
struct ChangeSummary {
  int64_t deleted = 0;
  int64_t updated = 0;
  int64_t inserted = 0;
  std::map<int64_t, std::vector<uint64_t>> touched;  // file index -> its changed rows, sorted, unique
  int64_t updated_twice = 0;  // target rows with several changes, one of them an update
};

Result<ChangeSummary> summarize_changes(sql::Connection& connection, const std::string& changes_table) {
  LOCH_ASSIGN_OR_RETURN(auto result,
                        connection.query("SELECT loch_file_index, loch_row_number, CAST(CASE loch_action WHEN 'D' THEN 0 "
                                         "WHEN 'U' THEN 1 ELSE 2 END AS INTEGER) FROM " + changes_table +
                                         " ORDER BY loch_file_index NULLS LAST, loch_row_number"));
  ChangeSummary summary;
  // The group of changes naming one target row, closed when the next row starts.
  int64_t group_file = -1, group_row = -1, group_size = 0;
  bool group_updates = false;
  auto close_group = [&] {
    if (group_size == 0) return;
    if (group_size > 1 && group_updates) ++summary.updated_twice;
    // Several deletes of one row (a MERGE whose source matches it twice) delete it once.
    ++(group_updates ? summary.updated : summary.deleted);
    summary.touched[group_file].push_back(static_cast<uint64_t>(group_row));
  };
  while (true) {
    LOCH_ASSIGN_OR_RETURN(auto chunk, result.next_chunk());
    if (!chunk) break;
    const auto files = chunk->column(0);
    const int64_t* file_values = files.values<int64_t>();
    const int64_t* row_values = chunk->column(1).values<int64_t>();
    const int32_t* actions = chunk->column(2).values<int32_t>();
    for (size_t i = 0; i < chunk->size(); ++i) {
      if (!files.is_valid(i)) {  // an inserted row
        ++summary.inserted;
        continue;
      }
      if (group_size == 0 || file_values[i] != group_file || row_values[i] != group_row) {
        close_group();
        group_file = file_values[i];
        group_row = row_values[i];
        group_size = 0;
        group_updates = false;
      }
      ++group_size;
      group_updates = group_updates || actions[i] == 1;
    }
  }
  close_group();
  return summary;
}

// numRecords of a file: from its stats, else from the Parquet footer.
Result<int64_t> physical_row_count(sql::Connection& connection, const LiveFile& file) {
  if (file.add.stats) {
    json stats = json::parse(*file.add.stats, nullptr, false);
    if (stats.is_object() && stats.contains("numRecords") && stats["numRecords"].is_number_integer()) {
      return stats["numRecords"].get<int64_t>();
    }
  }
  return query_count(connection, "SELECT count(*)::BIGINT FROM read_parquet(" +
                                     sql_string_literal(file.absolute_path.string()) + ")");
}

std::string table_columns_sql(const Metadata& metadata) {
  auto schema = parse_schema(metadata.schema_string);
  std::string columns;
  if (!schema.is_ok()) return "*";
  for (const auto& field : schema->fields) columns += (columns.empty() ? "" : ", ") + sql_identifier(field.name);
  return columns;
}

}  // namespace

bool deletion_vectors_enabled(const Metadata& metadata) {
  auto it = metadata.configuration.find("delta.enableDeletionVectors");
  if (it == metadata.configuration.end()) return false;
  std::string value = it->second;
  for (char& c : value) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return value == "true";
}

Result<RowChangeCounts> apply_row_changes(Transaction& txn, sql::Connection& connection,
                                          const std::vector<const LiveFile*>& files,
                                          const std::string& changes_table) {
  RowChangeCounts counts;
  const Metadata& metadata = txn.metadata();
  const std::string columns = table_columns_sql(metadata);
  LOCH_ASSIGN_OR_RETURN(ChangeSummary summary, summarize_changes(connection, changes_table));
  // Spark's rule: a target row that several source rows match may not be
  // updated (the result would depend on their order); deleting it is fine.
  if (summary.updated_twice > 0) {
    return Status::invalid_argument(std::to_string(summary.updated_twice) +
                                    " target rows are matched by more than one source row and would be updated; "
                                    "a MERGE must match each target row at most once (deduplicate the source)");
  }
  counts.deleted = summary.deleted;
  counts.updated = summary.updated;
  counts.inserted = summary.inserted;
  // Every file the statement read decided its outcome: a concurrent remove
  // of any of them invalidates this commit.
  txn.record_read_files(files);
  const auto& touched = summary.touched;
  for (const auto& [index, rows] : touched) {
    if (index < 0 || static_cast<size_t>(index) >= files.size()) {
      return Status::internal("row change names file index " + std::to_string(index) + " of " +
                              std::to_string(files.size()));
    }
  }
  const std::string new_rows = "SELECT " + columns + " FROM " + changes_table + " WHERE loch_action IN ('U', 'I')";

  if (deletion_vectors_enabled(metadata)) {
    if (!has_writer_feature(txn.protocol(), "deletionVectors")) {
      LOCH_ASSIGN_OR_RETURN(Protocol protocol, required_protocol(metadata, txn.protocol()));
      txn.set_protocol(protocol);
    }
    DeletionVectorFileWriter dv_file(txn.table_root());
    for (const auto& [index, rows] : touched) {
      const LiveFile& file = *files[static_cast<size_t>(index)];
      std::vector<uint64_t> deleted = rows;
      if (file.add.deletion_vector) {
        auto old_rows = load_deletion_vector(*file.add.deletion_vector, txn.table_root());
        if (!old_rows.is_ok()) return old_rows.status().with_context("deletion vector of " + file.add.path);
        deleted = union_sorted_rows(*old_rows, rows);
        ++counts.deletion_vectors_removed;
      }
      LOCH_ASSIGN_OR_RETURN(int64_t physical_rows, physical_row_count(connection, file));
      txn.remove_file(remove_for(file.add));
      ++counts.files_removed;
      if (static_cast<int64_t>(deleted.size()) >= physical_rows) continue;  // nothing left: remove only
      FileAction add = file.add;
      add.deletion_vector = dv_file.add(deleted);
      add.data_change = true;
      add.modification_time = now_ms();
      add.stats_parsed.reset();
      // Bounds still hold for the remaining rows but may be wide (PROTOCOL.md
      // "Per-file Statistics": tightBounds).
      json stats = add.stats ? json::parse(*add.stats, nullptr, false) : json::object();
      if (!stats.is_object()) stats = json::object();
      stats["numRecords"] = physical_rows;
      stats["tightBounds"] = false;
      add.stats = stats.dump();
      txn.add_file(std::move(add));
      ++counts.files_added;
      ++counts.deletion_vectors_added;
    }
    LOCH_RETURN_IF_ERROR(dv_file.finish());
    if (counts.updated + counts.inserted > 0) {
      LOCH_ASSIGN_OR_RETURN(auto adds, write_data_files(connection, txn.table_root(), metadata, new_rows));
      counts.files_added += static_cast<int64_t>(adds.size());
      for (auto& add : adds) txn.add_file(std::move(add));
    }
    return counts;
  }

  // Copy-on-write: the touched files' other rows are written again, with
  // the new rows, and the touched files removed.
  std::string rewrite = new_rows;
  if (!touched.empty()) {
    std::vector<const LiveFile*> touched_files;
    std::string index_map;
    for (const auto& [index, rows] : touched) {
      index_map += (index_map.empty() ? "(" : ", (") + std::to_string(index) + ", " +
                   std::to_string(touched_files.size()) + ")";
      touched_files.push_back(files[static_cast<size_t>(index)]);
    }
    const Snapshot* snapshot = txn.read_snapshot();
    if (!snapshot) return Status::internal("a DML statement needs the table's snapshot");
    LOCH_ASSIGN_OR_RETURN(std::string touched_scan, build_located_scan_sql(*snapshot, connection, touched_files));
    const std::string kept = "SELECT " + columns + " FROM (" + touched_scan +
                             ") AS loch_x ANTI JOIN (SELECT loch_m.loch_new AS loch_f, loch_c.loch_row_number AS loch_r FROM " +
                             changes_table + " AS loch_c JOIN (VALUES " + index_map +
                             ") AS loch_m(loch_old, loch_new) ON loch_c.loch_file_index = loch_m.loch_old) AS loch_c "
                             "ON loch_x.loch_file_index = loch_c.loch_f AND loch_x.loch_row_number = loch_c.loch_r";
    LOCH_ASSIGN_OR_RETURN(counts.copied, query_count(connection, "SELECT count(*)::BIGINT FROM (" + kept + ")"));
    rewrite = counts.updated + counts.inserted > 0 ? kept + " UNION ALL " + new_rows : kept;
    for (const LiveFile* file : touched_files) {
      txn.remove_file(remove_for(file->add));
      ++counts.files_removed;
    }
  }
  if (counts.copied + counts.updated + counts.inserted > 0) {
    LOCH_ASSIGN_OR_RETURN(auto adds, write_data_files(connection, txn.table_root(), metadata, rewrite));
    counts.files_added += static_cast<int64_t>(adds.size());
    for (auto& add : adds) txn.add_file(std::move(add));
  }
  return counts;
}

json change_metrics(const RowChangeCounts& counts) {
  return json{{"numRemovedFiles", std::to_string(counts.files_removed)},
              {"numAddedFiles", std::to_string(counts.files_added)},
              {"numDeletedRows", std::to_string(counts.deleted)},
              {"numUpdatedRows", std::to_string(counts.updated)},
              {"numInsertedRows", std::to_string(counts.inserted)},
              {"numCopiedRows", std::to_string(counts.copied)},
              {"numDeletionVectorsAdded", std::to_string(counts.deletion_vectors_added)},
              {"numDeletionVectorsRemoved", std::to_string(counts.deletion_vectors_removed)}};
}

}  // namespace loch::delta
