#include "store/delta/merge_key_filter.h"

#include <charconv>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "common/ascii.h"
#include "store/delta/file_paths.h"
#include "store/delta/integer_key_set.h"
#include "store/delta/merge_pruning.h"
#include "store/sql/database.h"

namespace loch::delta {
namespace {

constexpr const char* kFunctionName = "loch_merge_key_in_set";
// Past this many source keys the set is not built (its memory would be
// 8 bytes a key while it is filled).
constexpr size_t kMaxKeys = size_t{16} << 20;

// The key sets of the MERGE statements running in this process, by id: the
// scalar function is registered once per DuckDB database and finds its set
// through its first argument, a constant.
struct KeySetRegistry {
  std::mutex mutex;
  std::unordered_map<int64_t, std::shared_ptr<const IntegerKeySet>> sets;
  int64_t next_id = 1;
};

KeySetRegistry& registry() {
  static KeySetRegistry instance;
  return instance;
}

std::shared_ptr<const IntegerKeySet> find_set(int64_t id) {
  KeySetRegistry& sets = registry();
  std::lock_guard lock(sets.mutex);
  auto it = sets.sets.find(id);
  return it == sets.sets.end() ? nullptr : it->second;
}

// loch_merge_key_in_set(set_id BIGINT, key BIGINT) -> BOOLEAN; a NULL key
// matches nothing. DuckDB hands the arguments flattened.
void key_in_set(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output) {
  const idx_t rows = duckdb_data_chunk_get_size(input);
  duckdb_vector ids = duckdb_data_chunk_get_vector(input, 0);
  duckdb_vector keys = duckdb_data_chunk_get_vector(input, 1);
  const int64_t* id_values = static_cast<const int64_t*>(duckdb_vector_get_data(ids));
  uint64_t* id_validity = duckdb_vector_get_validity(ids);
  const int64_t* key_values = static_cast<const int64_t*>(duckdb_vector_get_data(keys));
  uint64_t* key_validity = duckdb_vector_get_validity(keys);
  bool* result = static_cast<bool*>(duckdb_vector_get_data(output));
  std::shared_ptr<const IntegerKeySet> set;
  int64_t set_id = 0;
  for (idx_t row = 0; row < rows; ++row) {
    const bool valid = (!key_validity || duckdb_validity_row_is_valid(key_validity, row)) &&
                       (!id_validity || duckdb_validity_row_is_valid(id_validity, row));
    if (!valid) {
      result[row] = false;
      continue;
    }
    if (!set || id_values[row] != set_id) {
      set_id = id_values[row];
      set = find_set(set_id);
      if (!set) {
        const std::string message = std::string(kFunctionName) + ": no key set " + std::to_string(set_id) +
                                    " (it exists only while its MERGE runs)";
        duckdb_scalar_function_set_error(info, message.c_str());
        return;
      }
    }
    result[row] = set->may_contain(key_values[row]);
  }
}

// Registers the function in the connection's database unless it is there.
bool ensure_function(sql::Connection& connection) {
  duckdb_scalar_function function = duckdb_create_scalar_function();
  duckdb_scalar_function_set_name(function, kFunctionName);
  duckdb_logical_type bigint = duckdb_create_logical_type(DUCKDB_TYPE_BIGINT);
  duckdb_logical_type boolean = duckdb_create_logical_type(DUCKDB_TYPE_BOOLEAN);
  duckdb_scalar_function_add_parameter(function, bigint);
  duckdb_scalar_function_add_parameter(function, bigint);
  duckdb_scalar_function_set_return_type(function, boolean);
  duckdb_scalar_function_set_function(function, key_in_set);
  // NULLs are the function's to handle (a NULL key: false), so that DuckDB
  // may drop the row in the scan.
  duckdb_scalar_function_set_special_handling(function);
  const bool registered = duckdb_register_scalar_function(connection.handle(), function) == DuckDBSuccess;
  duckdb_destroy_scalar_function(&function);
  duckdb_destroy_logical_type(&bigint);
  duckdb_destroy_logical_type(&boolean);
  if (registered) return true;
  // Registration fails when the function exists (registered by an earlier
  // MERGE on this database): check that it answers.
  return connection.execute(std::string("SELECT ") + kFunctionName + "(0, NULL::BIGINT)").is_ok();
}

bool is_integer_type(const std::string& delta_type) {
  return delta_type == "long" || delta_type == "integer" || delta_type == "short" || delta_type == "byte";
}

bool is_duckdb_integer(std::string_view type) {
  for (const char* integer : {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
                              "UINTEGER", "UBIGINT", "UHUGEINT"}) {
    if (type == integer) return true;
  }
  return false;
}

std::optional<int64_t> parse_integer(const std::string& text) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [rest, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc() || rest != end) return std::nullopt;
  return value;
}

// The file's minValues/maxValues of a top-level integer column, when both
// are recorded (PROTOCOL.md "Per-file Statistics"; a deletion vector leaves
// them valid bounds of the remaining rows).
std::optional<std::pair<int64_t, int64_t>> integer_bounds(const FileAction& add, const std::string& physical) {
  nlohmann::json parsed;
  const nlohmann::json* stats = nullptr;
  if (add.stats_parsed && add.stats_parsed->is_object()) {
    stats = &*add.stats_parsed;
  } else if (add.stats) {
    parsed = nlohmann::json::parse(*add.stats, nullptr, false);
    if (parsed.is_object()) stats = &parsed;
  }
  if (!stats) return std::nullopt;
  auto bound = [&](const char* which) -> std::optional<int64_t> {
    auto values = stats->find(which);
    if (values == stats->end() || !values->is_object()) return std::nullopt;
    auto value = values->find(physical);
    if (value == values->end() || !value->is_number_integer()) return std::nullopt;
    return value->get<int64_t>();
  };
  auto low = bound("minValues"), high = bound("maxValues");
  if (!low || !high) return std::nullopt;
  return std::make_pair(*low, *high);
}

}  // namespace

Result<std::unique_ptr<MergeKeyFilter>> MergeKeyFilter::build(const TableSchema& schema, sql::Connection& connection,
                                                              const MergeStatement& statement,
                                                              const std::string& source_table) {
  for (const auto& clause : statement.clauses) {
    if (clause.match == MergeClause::Match::kNotMatchedBySource) return std::unique_ptr<MergeKeyFilter>();
  }
  if (ascii_lower(statement.target.alias) == ascii_lower(statement.source_alias)) {
    return std::unique_ptr<MergeKeyFilter>();
  }
  for (const KeyEquality& key : key_equalities(statement.on, statement.target.alias, statement.source_alias)) {
    const StructField* field = nullptr;
    for (const auto& candidate : schema.fields) {
      if (ascii_lower(candidate.name) == ascii_lower(key.target_column)) field = &candidate;
    }
    if (!field || field->type.kind != DataType::Kind::kPrimitive || !is_integer_type(field->type.primitive)) continue;
    const std::string column = "loch_s." + sql_identifier(key.source_column);
    const std::string from = " FROM " + source_table + " AS loch_s";
    LOCH_ASSIGN_OR_RETURN(auto typed, connection.query("SELECT typeof(" + column + ")" + from + " LIMIT 1"));
    LOCH_ASSIGN_OR_RETURN(auto type_chunk, typed.next_chunk());
    if (!type_chunk || type_chunk->size() == 0) return std::unique_ptr<MergeKeyFilter>();  // no source rows
    if (!is_duckdb_integer(type_chunk->column(0).string_at(0))) continue;
    // A source key outside BIGINT (UBIGINT, HUGEINT) equals no key of a
    // Delta integer column: TRY_CAST drops it.
    LOCH_ASSIGN_OR_RETURN(auto result, connection.query("SELECT TRY_CAST(" + column + " AS BIGINT)" + from));
    std::vector<int64_t> keys;
    bool too_many = false;
    while (true) {
      LOCH_ASSIGN_OR_RETURN(auto chunk, result.next_chunk());
      if (!chunk) break;
      const auto values = chunk->column(0);
      const int64_t* data = values.values<int64_t>();
      for (size_t row = 0; row < chunk->size(); ++row) {
        if (values.is_valid(row)) keys.push_back(data[row]);
      }
      if (keys.size() > kMaxKeys) {
        too_many = true;
        break;
      }
    }
    if (too_many) return std::unique_ptr<MergeKeyFilter>();
    if (!ensure_function(connection)) return std::unique_ptr<MergeKeyFilter>();
    auto set = std::make_shared<const IntegerKeySet>(keys);
    KeySetRegistry& sets = registry();
    std::lock_guard lock(sets.mutex);
    const int64_t id = sets.next_id++;
    sets.sets.emplace(id, set);
    return std::unique_ptr<MergeKeyFilter>(new MergeKeyFilter(id, std::move(set), field->name));
  }
  return std::unique_ptr<MergeKeyFilter>();
}

MergeKeyFilter::~MergeKeyFilter() {
  KeySetRegistry& sets = registry();
  std::lock_guard lock(sets.mutex);
  sets.sets.erase(set_id_);
}

std::vector<const LiveFile*> MergeKeyFilter::files_that_may_match(const Snapshot& snapshot,
                                                                  const std::vector<const LiveFile*>& files) const {
  const StructField* field = nullptr;
  for (const auto& candidate : snapshot.schema().fields) {
    if (candidate.name == target_column_) field = &candidate;
  }
  if (!field) return files;
  const bool column_mapping = snapshot.column_mapping() != ColumnMappingMode::kNone;
  const std::string physical = field->physical_name(column_mapping);
  bool is_partition = false;
  for (const auto& column : snapshot.metadata().partition_columns) {
    if (ascii_lower(column) == ascii_lower(field->name)) is_partition = true;
  }
  std::vector<const LiveFile*> kept;
  for (const LiveFile* file : files) {
    if (is_partition) {
      auto value = file->add.partition_values.find(physical);
      if (value == file->add.partition_values.end()) value = file->add.partition_values.find(field->name);
      // A null partition value (absent or empty) matches no key.
      if (value == file->add.partition_values.end() || !value->second || value->second->empty()) continue;
      const std::optional<int64_t> key = parse_integer(*value->second);
      if (!key || set_->may_contain(*key)) kept.push_back(file);
      continue;
    }
    const std::optional<std::pair<int64_t, int64_t>> bounds = integer_bounds(file->add, physical);
    if (!bounds || set_->any_in_range(bounds->first, bounds->second)) kept.push_back(file);
  }
  return kept;
}

std::string MergeKeyFilter::predicate(const std::string& row_alias) const {
  return std::string(kFunctionName) + "(" + std::to_string(set_id_) + ", " + row_alias + "." +
         sql_identifier(target_column_) + ")";
}

}  // namespace loch::delta
