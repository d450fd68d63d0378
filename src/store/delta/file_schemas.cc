#include "store/delta/file_schemas.h"

#include <sys/stat.h>

#include <map>
#include <mutex>
#include <unordered_map>

#include "store/delta/file_paths.h"
#include "store/delta/parquet_footer.h"
#include "store/sql/database.h"

namespace loch::delta {
namespace {

// Beyond this many remembered files the memory is given back and files are
// read again: a long-lived server scanning many tables stays bounded.
constexpr size_t kMaxRememberedFiles = 1'000'000;

struct Memory {
  std::mutex mutex;
  std::unordered_map<std::string, uint32_t> schema_of_file;  // file_key -> schema number
  std::unordered_map<std::string, uint32_t> schema_numbers;  // schema text -> number
  std::map<std::pair<uint32_t, std::string>, std::vector<PhysicalColumn>> columns;  // (schema, read options)
  std::unordered_map<uint32_t, std::vector<ParquetColumn>> plain_columns;  // schema -> ParquetSchema::plain_columns
};

Memory& memory() {
  static Memory instance;
  return instance;
}

std::string file_key(const DataFileIdentity& file) {
  return file.path + '\0' + std::to_string(file.size) + '/' + std::to_string(file.modified_ns) + '/' +
         std::to_string(file.inode);
}

Result<std::vector<PhysicalColumn>> describe(sql::Connection& connection, const std::string& path,
                                             const std::string& read_options) {
  LOCH_ASSIGN_OR_RETURN(auto described, connection.query("DESCRIBE SELECT * FROM read_parquet(" +
                                                         sql_string_literal(path) + ", " + read_options + ")"));
  std::vector<PhysicalColumn> columns;
  while (true) {
    LOCH_ASSIGN_OR_RETURN(auto chunk, described.next_chunk());
    if (!chunk) break;
    for (size_t row = 0; row < chunk->size(); ++row) {
      columns.push_back({std::string(chunk->column(0).string_at(row)), std::string(chunk->column(1).string_at(row))});
    }
  }
  return columns;
}

}  // namespace

std::optional<DataFileIdentity> identify_data_file(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return std::nullopt;
  return DataFileIdentity{path, static_cast<int64_t>(info.st_size),
                          static_cast<int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec,
                          static_cast<uint64_t>(info.st_ino)};
}

std::optional<std::vector<PhysicalColumn>> shared_physical_schema(sql::Connection& connection,
                                                                  const std::vector<DataFileIdentity>& files,
                                                                  const std::string& read_options) {
  if (files.empty()) return std::nullopt;
  Memory& m = memory();
  std::vector<std::string> unknown;
  std::optional<uint32_t> shared;
  {
    std::lock_guard lock(m.mutex);
    for (const auto& file : files) {
      auto it = m.schema_of_file.find(file_key(file));
      if (it == m.schema_of_file.end()) {
        unknown.push_back(file.path);
      } else if (shared && *shared != it->second) {
        return std::nullopt;
      } else {
        shared = it->second;
      }
    }
  }
  if (!unknown.empty()) {
    // Footers read directly (parquet_footer.h): DuckDB's parquet_schema
    // took ~10 ms for 64 files in a new process.
    std::vector<ParquetSchema> schemas;
    schemas.reserve(unknown.size());
    for (const auto& path : unknown) {
      auto schema = read_parquet_schema(path);
      if (!schema) return std::nullopt;  // not read: let union_by_name report it
      schemas.push_back(std::move(*schema));
    }
    std::lock_guard lock(m.mutex);
    if (m.schema_of_file.size() + unknown.size() > kMaxRememberedFiles) {
      m.schema_of_file.clear();
      m.schema_numbers.clear();
      m.columns.clear();
      m.plain_columns.clear();
    }
    std::unordered_map<std::string, const DataFileIdentity*> identity_of;
    for (const auto& file : files) identity_of.emplace(file.path, &file);
    bool differ = false;
    for (size_t i = 0; i < unknown.size(); ++i) {
      auto [number, added] =
          m.schema_numbers.try_emplace(schemas[i].text, static_cast<uint32_t>(m.schema_numbers.size()));
      if (added && schemas[i].plain_columns) m.plain_columns[number->second] = *schemas[i].plain_columns;
      m.schema_of_file[file_key(*identity_of[unknown[i]])] = number->second;
      if (shared && *shared != number->second) differ = true;
      shared = number->second;
    }
    if (differ) return std::nullopt;
  }
  const auto key = std::make_pair(*shared, read_options);
  {
    std::lock_guard lock(m.mutex);
    auto it = m.columns.find(key);
    if (it != m.columns.end()) return it->second;
    // The footer told the names and that no column's conversion depends on
    // its type (no timestamps): no need to ask DuckDB (~0.8 ms in a new
    // process, a twentieth of a 6.4M-row scan).
    auto plain = m.plain_columns.find(*shared);
    if (plain != m.plain_columns.end()) {
      std::vector<PhysicalColumn> columns;
      for (const auto& column : plain->second) columns.push_back({column.name, column.duckdb_type});
      m.columns[key] = columns;
      return columns;
    }
  }
  auto columns = describe(connection, files.front().path, read_options);
  if (!columns.is_ok()) return std::nullopt;
  std::lock_guard lock(m.mutex);
  m.columns[key] = *columns;
  return std::move(columns).value();
}

void forget_file_schemas() {
  Memory& m = memory();
  std::lock_guard lock(m.mutex);
  m.schema_of_file.clear();
  m.schema_numbers.clear();
  m.columns.clear();
  m.plain_columns.clear();
}

}  // namespace loch::delta
