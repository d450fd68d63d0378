#include "process/source/event_extractor.h"

#include <bit>
#include <cstring>

namespace loch::source {
namespace {

using decode::ColumnType;

Result<size_t> find_column(const pipeline::PipelineDefinition& definition,
                           const std::vector<decode::ColumnSpec>& columns, const std::string& name,
                           const std::string& option) {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == name) return i;
  }
  std::string have;
  for (const auto& c : columns) have += (have.empty() ? "" : ", ") + c.name;
  return Status::invalid_argument(definition.file.string() + ": " + option + ": no column '" + name +
                                  "' in the decoded records (columns: " + have + ")");
}

bool is_integer_type(ColumnType type) {
  return type == ColumnType::kBoolean || type == ColumnType::kInt32 || type == ColumnType::kInt64 ||
         type == ColumnType::kUint64 || type == ColumnType::kDate || type == ColumnType::kTimeMicros ||
         type == ColumnType::kTimestampMicros || type == ColumnType::kTimestampNtzMicros;
}

bool is_real_type(ColumnType type) { return type == ColumnType::kFloat || type == ColumnType::kDouble; }

// The value's canonical bytes, for keys and distinct hashes.
void append_value(const decode::Column& column, size_t row, std::string& out) {
  if (column.is_null(row)) {
    out += "\\N";
    return;
  }
  ColumnType type = column.spec().type;
  if (is_integer_type(type)) {
    out += std::to_string(column.ints()[row]);
  } else if (is_real_type(type)) {
    out += std::to_string(column.reals()[row]);
  } else if (type == ColumnType::kDecimal) {
    out += decode::decimal_to_string(column.decimals()[row], column.spec().scale);
  } else {
    out += column.texts()[row];
  }
}

}  // namespace

Result<EventExtractor> EventExtractor::create(const pipeline::PipelineDefinition& definition,
                                              const std::vector<decode::ColumnSpec>& columns) {
  const pipeline::EventTimeDefinition& options = definition.options;
  if (options.event_time_column.empty()) {
    return Status::invalid_argument(definition.file.string() + ": options.event_time: not set");
  }
  EventExtractor extractor;
  LOCH_ASSIGN_OR_RETURN(extractor.event_time_,
                        find_column(definition, columns, options.event_time_column, "options.event_time"));
  ColumnType time_type = columns[extractor.event_time_].type;
  if (time_type != ColumnType::kTimestampMicros && time_type != ColumnType::kTimestampNtzMicros &&
      time_type != ColumnType::kInt64) {
    return Status::invalid_argument(definition.file.string() + ": options.event_time: column '" +
                                    options.event_time_column + "' is " +
                                    std::string(decode::column_type_name(time_type)) +
                                    ", not a timestamp or BIGINT epoch milliseconds");
  }
  if (!options.dedup_key.empty()) {
    LOCH_ASSIGN_OR_RETURN(size_t dedup, find_column(definition, columns, options.dedup_key, "options.dedup.key"));
    extractor.dedup_ = dedup;
  }
  for (const std::string& name : options.group_by) {
    LOCH_ASSIGN_OR_RETURN(size_t index, find_column(definition, columns, name, "options.group_by"));
    extractor.group_by_.push_back(index);
  }
  for (const pipeline::AggregateDefinition& aggregate : options.aggregates) {
    if (aggregate.input_column.empty()) {
      extractor.aggregate_inputs_.push_back(std::nullopt);
      continue;
    }
    LOCH_ASSIGN_OR_RETURN(size_t index, find_column(definition, columns, aggregate.input_column,
                                                    "options.aggregates." + aggregate.output_column));
    ColumnType type = columns[index].type;
    bool numeric_needed = aggregate.kind != pipeline::AggregateKind::kCount &&
                          aggregate.kind != pipeline::AggregateKind::kCountDistinct;
    if (numeric_needed && !is_integer_type(type) && !is_real_type(type)) {
      return Status::invalid_argument(definition.file.string() + ": options.aggregates." + aggregate.output_column +
                                      ": " + std::string(pipeline::aggregate_kind_name(aggregate.kind)) + " of column '" +
                                      aggregate.input_column + "', which is " +
                                      std::string(decode::column_type_name(type)) + ", not a number");
    }
    extractor.aggregate_inputs_.push_back(index);
  }
  return extractor;
}

Status EventExtractor::extract(const decode::ColumnBatch& batch, size_t row, pipeline::Event& event) const {
  const decode::Column& time = batch.column(event_time_);
  if (time.is_null(row)) return Status::corruption("event time column '" + time.spec().name + "' is null");
  int64_t raw = time.ints()[row];
  // Timestamps are microseconds; a BIGINT event time is epoch milliseconds.
  event.event_time_ms = time.spec().type == ColumnType::kInt64 ? raw : (raw >= 0 ? raw / 1000 : -((-raw + 999) / 1000));
  event.source.topic = batch.column(0).texts()[row];
  event.source.partition = static_cast<int32_t>(batch.column(1).ints()[row]);
  event.dedup_id.clear();
  if (dedup_) append_value(batch.column(*dedup_), row, event.dedup_id);
  event.key.clear();
  for (size_t i = 0; i < group_by_.size(); ++i) {
    if (i > 0) event.key += '\x1f';  // unit separator: cannot clash with "a" + "b" vs "ab"
    append_value(batch.column(group_by_[i]), row, event.key);
  }
  event.inputs.resize(aggregate_inputs_.size());
  for (size_t i = 0; i < aggregate_inputs_.size(); ++i) {
    pipeline::AggregateInput& input = event.inputs[i];
    input = {};
    if (!aggregate_inputs_[i]) continue;  // count(*)
    const decode::Column& column = batch.column(*aggregate_inputs_[i]);
    if (column.is_null(row)) {
      input.is_null = true;
      continue;
    }
    ColumnType type = column.spec().type;
    if (is_integer_type(type)) input.number = static_cast<double>(column.ints()[row]);
    else if (is_real_type(type)) input.number = column.reals()[row];
    std::string canonical;
    append_value(column, row, canonical);
    input.distinct_hash = pipeline::stable_hash(canonical);
  }
  return Status::ok();
}

}  // namespace loch::source
