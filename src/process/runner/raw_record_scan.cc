#include "process/runner/raw_record_scan.h"

#include <duckdb.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <unordered_map>

#include "process/source/record_format.h"

namespace loch::runner {
namespace {

constexpr const char* kFunctionName = "loch_raw_records";
using Records = std::vector<source::SourceRecord>;

// The published batches of this process, by id: the function is registered
// once per DuckDB database and finds its records through its argument.
struct Registry {
  std::mutex mutex;
  std::unordered_map<int64_t, std::shared_ptr<const Records>> batches;
  int64_t next_id = 1;
};

Registry& registry() {
  static Registry instance;
  return instance;
}

std::shared_ptr<const Records> find_records(int64_t id) {
  Registry& published = registry();
  std::lock_guard lock(published.mutex);
  auto it = published.batches.find(id);
  return it == published.batches.end() ? nullptr : it->second;
}

struct BindData {
  std::shared_ptr<const Records> records;
};

// The columns, in the order bind declares them.
enum Column : idx_t { kTopic, kPartition, kOffset, kTimestamp, kKey, kHeaders, kValue };

struct ScanState {
  std::vector<idx_t> columns;  // the columns the query reads (projection pushdown)
  std::atomic<size_t> next{0};  // the first record no thread has taken yet
};

template <typename T>
void destroy(void* data) {
  delete static_cast<T*>(data);
}

void add_column(duckdb_bind_info info, const char* name, duckdb_type type) {
  duckdb_logical_type logical = duckdb_create_logical_type(type);
  duckdb_bind_add_result_column(info, name, logical);
  duckdb_destroy_logical_type(&logical);
}

void bind(duckdb_bind_info info) {
  duckdb_value argument = duckdb_bind_get_parameter(info, 0);
  const int64_t id = duckdb_get_int64(argument);
  duckdb_destroy_value(&argument);
  auto records = find_records(id);
  if (!records) {
    const std::string message =
        std::string(kFunctionName) + ": no records " + std::to_string(id) + " (they exist only until written)";
    duckdb_bind_set_error(info, message.c_str());
    return;
  }
  add_column(info, "_topic", DUCKDB_TYPE_VARCHAR);
  add_column(info, "_partition", DUCKDB_TYPE_INTEGER);
  add_column(info, "_offset", DUCKDB_TYPE_BIGINT);
  add_column(info, "_timestamp", DUCKDB_TYPE_TIMESTAMP_TZ);
  add_column(info, "_key", DUCKDB_TYPE_BLOB);
  add_column(info, "_headers", DUCKDB_TYPE_VARCHAR);
  add_column(info, "value", DUCKDB_TYPE_BLOB);
  duckdb_bind_set_cardinality(info, records->size(), true);
  duckdb_bind_set_bind_data(info, new BindData{std::move(records)}, destroy<BindData>);
}

void init(duckdb_init_info info) {
  // Threads take a vector's worth of records at a time: a big batch is read
  // by as many threads as the writer is given (the rows of a Delta file have
  // no order; each thread's rows stay in record order).
  const Records& records = *static_cast<BindData*>(duckdb_init_get_bind_data(info))->records;
  duckdb_init_set_max_threads(info, std::max<idx_t>(1, records.size() / (duckdb_vector_size() * 16)));
  auto* state = new ScanState;
  for (idx_t i = 0; i < duckdb_init_get_column_count(info); ++i) state->columns.push_back(duckdb_init_get_column_index(info, i));
  duckdb_init_set_init_data(info, state, destroy<ScanState>);
}

// A BLOB cell, or NULL.
void set_bytes(duckdb_vector vector, uint64_t*& validity, size_t row, const std::optional<std::string>& bytes) {
  if (bytes) {
    duckdb_vector_assign_string_element_len(vector, row, bytes->data(), bytes->size());
    return;
  }
  if (validity == nullptr) {
    duckdb_vector_ensure_validity_writable(vector);
    validity = duckdb_vector_get_validity(vector);
  }
  duckdb_validity_set_row_invalid(validity, row);
}

// Fills `vector` with `column` of records [first, first + count).
void fill(duckdb_vector vector, idx_t column, const Records& records, size_t first, size_t count) {
  void* data = duckdb_vector_get_data(vector);
  uint64_t* validity = nullptr;
  for (size_t row = 0; row < count; ++row) {
    const source::SourceRecord& record = records[first + row];
    switch (column) {
      case kTopic:
        duckdb_vector_assign_string_element_len(vector, row, record.source.topic.data(), record.source.topic.size());
        break;
      case kPartition: static_cast<int32_t*>(data)[row] = record.source.partition; break;
      case kOffset: static_cast<int64_t*>(data)[row] = record.offset; break;
      case kTimestamp: static_cast<int64_t*>(data)[row] = record.timestamp_ms * 1000; break;
      case kKey: set_bytes(vector, validity, row, record.key); break;
      case kHeaders:
        set_bytes(vector, validity, row,
                  record.headers.empty() ? std::nullopt : std::optional<std::string>(source::headers_json(record)));
        break;
      case kValue: set_bytes(vector, validity, row, record.value); break;
    }
  }
}

void scan(duckdb_function_info info, duckdb_data_chunk output) {
  const Records& records = *static_cast<BindData*>(duckdb_function_get_bind_data(info))->records;
  ScanState& state = *static_cast<ScanState*>(duckdb_function_get_init_data(info));
  const size_t first = std::min(state.next.fetch_add(duckdb_vector_size()), records.size());
  const size_t count = std::min<size_t>(duckdb_vector_size(), records.size() - first);
  for (size_t i = 0; i < state.columns.size(); ++i) {
    fill(duckdb_data_chunk_get_vector(output, i), state.columns[i], records, first, count);
  }
  duckdb_data_chunk_set_size(output, count);
}

}  // namespace

PublishedRecords::~PublishedRecords() {
  Registry& published = registry();
  std::lock_guard lock(published.mutex);
  published.batches.erase(id_);
}

std::string PublishedRecords::rows_query() const {
  return "SELECT _topic, _partition, _offset, _timestamp, _key, CAST(_headers AS JSON) AS _headers, value FROM " +
         std::string(kFunctionName) + "(" + std::to_string(id_) + ")";
}

std::shared_ptr<PublishedRecords> publish_records(std::vector<source::SourceRecord> records) {
  Registry& published = registry();
  std::lock_guard lock(published.mutex);
  const int64_t id = published.next_id++;
  published.batches.emplace(id, std::make_shared<const Records>(std::move(records)));
  return std::shared_ptr<PublishedRecords>(new PublishedRecords(id));
}

Status register_raw_record_scan(sql::Connection& connection) {
  duckdb_table_function function = duckdb_create_table_function();
  duckdb_table_function_set_name(function, kFunctionName);
  duckdb_logical_type bigint = duckdb_create_logical_type(DUCKDB_TYPE_BIGINT);
  duckdb_table_function_add_parameter(function, bigint);
  duckdb_destroy_logical_type(&bigint);
  duckdb_table_function_set_bind(function, bind);
  duckdb_table_function_set_init(function, init);
  duckdb_table_function_set_function(function, scan);
  // A query that reads a few columns (the partition probe of the Delta
  // writer) does not copy the values.
  duckdb_table_function_supports_projection_pushdown(function, true);
  const bool registered = duckdb_register_table_function(connection.handle(), function) == DuckDBSuccess;
  duckdb_destroy_table_function(&function);
  if (registered) return Status::ok();
  // Registration fails when the function exists: check that it answers.
  auto probe = connection.execute(std::string("SELECT * FROM ") + kFunctionName + "(0)");
  if (probe.message().find("no records 0") != std::string::npos) return Status::ok();
  return Status::internal(std::string("cannot register ") + kFunctionName + ": " + probe.message());
}

}  // namespace loch::runner
