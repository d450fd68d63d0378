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

// The deleted or updated rows of each touched file (sorted), by file index.
Result<std::map<int64_t, std::vector<uint64_t>>> touched_rows(sql::Connection& connection,
                                                              const std::string& changes_table) {
  LOCH_ASSIGN_OR_RETURN(auto result,
                        connection.query("SELECT DISTINCT loch_file_index, loch_row_number FROM " + changes_table +
                                         " WHERE loch_file_index IS NOT NULL ORDER BY 1, 2"));
  std::map<int64_t, std::vector<uint64_t>> rows;
  while (true) {
    LOCH_ASSIGN_OR_RETURN(auto chunk, result.next_chunk());
    if (!chunk) break;
    const int64_t* files = chunk->column(0).values<int64_t>();
    const int64_t* row_numbers = chunk->column(1).values<int64_t>();
    for (size_t i = 0; i < chunk->size(); ++i) rows[files[i]].push_back(static_cast<uint64_t>(row_numbers[i]));
  }
  return rows;
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
  LOCH_ASSIGN_OR_RETURN(counts.deleted, query_count(connection, "SELECT count(*)::BIGINT FROM " + changes_table +
                                                                    " WHERE loch_action = 'D'"));
  LOCH_ASSIGN_OR_RETURN(counts.updated, query_count(connection, "SELECT count(*)::BIGINT FROM " + changes_table +
                                                                    " WHERE loch_action = 'U'"));
  LOCH_ASSIGN_OR_RETURN(counts.inserted, query_count(connection, "SELECT count(*)::BIGINT FROM " + changes_table +
                                                                     " WHERE loch_action = 'I'"));
  // Every file the statement read decided its outcome: a concurrent remove
  // of any of them invalidates this commit.
  txn.record_read_files(files);
  LOCH_ASSIGN_OR_RETURN(auto touched, touched_rows(connection, changes_table));
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
