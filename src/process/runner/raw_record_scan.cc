#include "process/runner/raw_record_scan.h"

#include <duckdb.h>

#include <algorithm>
#include <unordered_map>

#include "process/source/record_format.h"

namespace loch::runner {
namespace {

constexpr const char* kFunctionName = "loch_raw_records";

// The open streams of this process, by id: the function is registered once
// per DuckDB database and finds its stream through its argument.
struct Registry {
  std::mutex mutex;
  std::unordered_map<int64_t, std::weak_ptr<RecordStream>> streams;
  int64_t next_id = 1;
};

Registry& registry() {
  static Registry instance;
  return instance;
}

std::shared_ptr<RecordStream> find_stream(int64_t id) {
  Registry& open = registry();
  std::lock_guard lock(open.mutex);
  auto it = open.streams.find(id);
  return it == open.streams.end() ? nullptr : it->second.lock();
}

struct BindData {
  std::shared_ptr<RecordStream> stream;
};

// The columns, in the order bind declares them.
enum Column : idx_t { kTopic, kPartition, kOffset, kTimestamp, kKey, kHeaders, kValue, kIngestedAt, kIngestedDate };

struct ScanState {
  std::vector<idx_t> columns;  // the columns the query reads (projection pushdown)
  size_t batch_index = 0;      // the batch being read
  std::shared_ptr<const RecordStream::Batch> batch;
  size_t next = 0;             // its first record not read yet
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
  auto stream = find_stream(id);
  if (!stream) {
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
  if (stream->ingestion_columns()) {
    add_column(info, "_ingested_at", DUCKDB_TYPE_TIMESTAMP_TZ);
    add_column(info, "_ingested_date", DUCKDB_TYPE_DATE);
  }
  duckdb_bind_set_bind_data(info, new BindData{std::move(stream)}, destroy<BindData>);
}

void init(duckdb_init_info info) {
  // One thread, which reads the batches in order as they come.
  duckdb_init_set_max_threads(info, 1);
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

// Fills `vector` with `column` of the batch's records [first, first + count).
void fill(duckdb_vector vector, idx_t column, const RecordStream::Batch& batch, size_t first, size_t count) {
  void* data = duckdb_vector_get_data(vector);
  uint64_t* validity = nullptr;
  for (size_t row = 0; row < count; ++row) {
    const source::SourceRecord& record = batch.records[first + row];
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
      case kIngestedAt: static_cast<int64_t*>(data)[row] = batch.read_at_ms * 1000; break;
      case kIngestedDate:
        static_cast<int32_t*>(data)[row] = static_cast<int32_t>(ingestion_day(batch.read_at_ms));
        break;
    }
  }
}

void scan(duckdb_function_info info, duckdb_data_chunk output) {
  RecordStream& stream = *static_cast<BindData*>(duckdb_function_get_bind_data(info))->stream;
  ScanState& state = *static_cast<ScanState*>(duckdb_function_get_init_data(info));
  // The next batch with records left, waiting for it if need be.
  while (!state.batch || state.next == state.batch->records.size()) {
    if (state.batch) ++state.batch_index;
    std::string reason;
    state.batch = stream.wait_for(state.batch_index, reason);
    state.next = 0;
    if (!reason.empty()) {
      duckdb_function_set_error(info, reason.c_str());
      return;
    }
    if (!state.batch) {  // the stream has ended
      duckdb_data_chunk_set_size(output, 0);
      return;
    }
  }
  const size_t count = std::min<size_t>(duckdb_vector_size(), state.batch->records.size() - state.next);
  for (size_t i = 0; i < state.columns.size(); ++i) {
    fill(duckdb_data_chunk_get_vector(output, i), state.columns[i], *state.batch, state.next, count);
  }
  state.next += count;
  duckdb_data_chunk_set_size(output, count);
}

}  // namespace

int64_t ingestion_day(int64_t ms) {
  constexpr int64_t kMsPerDay = 86'400'000;
  return ms / kMsPerDay - (ms % kMsPerDay < 0 ? 1 : 0);
}

std::shared_ptr<RecordStream> RecordStream::open(bool ingestion_columns) {
  Registry& open = registry();
  std::lock_guard lock(open.mutex);
  std::shared_ptr<RecordStream> stream(new RecordStream(open.next_id++, ingestion_columns));
  open.streams.emplace(stream->id(), stream);
  return stream;
}

RecordStream::~RecordStream() {
  Registry& open = registry();
  std::lock_guard lock(open.mutex);
  open.streams.erase(id_);
}

std::string RecordStream::rows_query() const {
  return "SELECT _topic, _partition, _offset, _timestamp, _key, CAST(_headers AS JSON) AS _headers, value" +
         std::string(ingestion_columns_ ? ", _ingested_at, _ingested_date" : "") + " FROM " + kFunctionName + "(" +
         std::to_string(id_) + ")";
}

void RecordStream::push(std::vector<source::SourceRecord> records, int64_t read_at_ms) {
  auto batch = std::make_shared<const Batch>(Batch{std::move(records), read_at_ms});
  {
    std::lock_guard lock(mutex_);
    batches_.push_back(std::move(batch));
  }
  changed_.notify_all();
}

void RecordStream::end() {
  {
    std::lock_guard lock(mutex_);
    ended_ = true;
  }
  changed_.notify_all();
}

void RecordStream::abort(std::string reason) {
  {
    std::lock_guard lock(mutex_);
    aborted_ = std::move(reason);
  }
  changed_.notify_all();
}

std::shared_ptr<const RecordStream::Batch> RecordStream::wait_for(size_t index, std::string& reason) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return aborted_ || ended_ || index < batches_.size(); });
  if (aborted_) {
    reason = *aborted_;
    return nullptr;
  }
  return index < batches_.size() ? batches_[index] : nullptr;
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
