#include "process/source/record_format.h"

#include <nlohmann/json.hpp>

#include "collect/decode/text_encoding.h"
#include "process/source/text_values.h"

namespace loch::source {
namespace {

using decode::ColumnType;
using nlohmann::json;

// Appends the metadata columns of `record` (the first kMetadataColumnCount).
void append_metadata(const SourceRecord& record, decode::ColumnBatch& out) {
  out.column(0).append_text(record.source.topic);
  out.column(1).append_int(record.source.partition);
  out.column(2).append_int(record.offset);
  out.column(3).append_int(record.timestamp_ms * 1000);
  if (record.key) out.column(4).append_text(*record.key);
  else out.column(4).append_null();
  if (record.headers.empty()) out.column(5).append_null();
  else out.column(5).append_text(headers_json(record));
}

Result<std::vector<decode::ColumnSpec>> declared_columns(const pipeline::FormatDefinition& format) {
  std::vector<decode::ColumnSpec> out;
  for (const auto& [name, type] : format.columns) {
    LOCH_ASSIGN_OR_RETURN(decode::ColumnSpec spec, column_spec(name, type));
    out.push_back(spec);
  }
  return out;
}

// Decodes the rest of a row (after the metadata) or rolls the whole row back.
template <typename DecodeValue>
Status decode_row(const SourceRecord& record, decode::ColumnBatch& out, DecodeValue&& decode_value) {
  append_metadata(record, out);
  Status status = decode_value();
  if (!status.is_ok()) {
    out.rollback_row();
    return status.with_context(record.source.topic + "/" + std::to_string(record.source.partition) + " offset " +
                               std::to_string(record.offset));
  }
  out.finish_row();
  return Status::ok();
}

Result<json> parse_json(std::string_view text) {
  json document = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return Status::corruption("not valid JSON");
  return document;
}

class JsonLinesFormat final : public RecordFormat {
 public:
  explicit JsonLinesFormat(std::vector<decode::ColumnSpec> declared) : declared_(!declared.empty()) {
    columns_ = metadata_columns();
    if (declared.empty()) declared.push_back({"value", ColumnType::kJson});
    columns_.insert(columns_.end(), declared.begin(), declared.end());
  }

  Status decode(const SourceRecord& record, decode::ColumnBatch& out) override {
    if (out.column_count() == 0) out = decode::ColumnBatch(columns_);
    return decode_row(record, out, [&]() -> Status {
      if (!record.value) return Status::corruption("tombstone (null value) in a jsonl topic");
      LOCH_ASSIGN_OR_RETURN(json document, parse_json(*record.value));
      if (!declared_) return append_json_value(document, out.column(kMetadataColumnCount));
      if (!document.is_object()) return Status::corruption("expected a JSON object, got " + std::string(document.type_name()));
      for (size_t i = kMetadataColumnCount; i < columns_.size(); ++i) {
        auto field = document.find(columns_[i].name);
        LOCH_RETURN_IF_ERROR(append_json_value(field == document.end() ? json() : *field, out.column(i)));
      }
      return Status::ok();
    });
  }

 private:
  bool declared_;
};

class CsvFormat final : public RecordFormat {
 public:
  CsvFormat(std::vector<decode::ColumnSpec> declared, char delimiter, bool skip_header)
      : delimiter_(delimiter), skip_header_(skip_header) {
    columns_ = metadata_columns();
    columns_.insert(columns_.end(), declared.begin(), declared.end());
  }

  Status decode(const SourceRecord& record, decode::ColumnBatch& out) override {
    if (out.column_count() == 0) out = decode::ColumnBatch(columns_);
    if (skip_header_ && record.value && is_header(*record.value)) return Status::ok();
    return decode_row(record, out, [&]() -> Status {
      if (!record.value) return Status::corruption("tombstone (null value) in a csv topic");
      std::string_view line = *record.value;
      while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
      LOCH_RETURN_IF_ERROR(split_csv_line(line, delimiter_, fields_, quoted_));
      size_t expected = columns_.size() - kMetadataColumnCount;
      if (fields_.size() != expected) {
        return Status::corruption("CSV line has " + std::to_string(fields_.size()) + " fields, expected " +
                                  std::to_string(expected));
      }
      for (size_t i = 0; i < expected; ++i) {
        LOCH_RETURN_IF_ERROR(append_text_value(fields_[i], quoted_[i], out.column(kMetadataColumnCount + i)));
      }
      return Status::ok();
    });
  }

 private:
  // A record repeating the column names (a producer that sent the file's header line).
  bool is_header(std::string_view line) {
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    if (!split_csv_line(line, delimiter_, fields_, quoted_).is_ok()) return false;
    if (fields_.size() != columns_.size() - kMetadataColumnCount) return false;
    for (size_t i = 0; i < fields_.size(); ++i) {
      if (fields_[i] != columns_[kMetadataColumnCount + i].name) return false;
    }
    return true;
  }

  char delimiter_;
  bool skip_header_;
  std::vector<std::string> fields_;
  std::vector<bool> quoted_;
};

// Debezium change events: {"before", "after", "op", "source": {"ts_ms", "lsn", ...}, "ts_ms"}.
class DebeziumFormat final : public RecordFormat {
 public:
  explicit DebeziumFormat(std::vector<decode::ColumnSpec> declared) : declared_(!declared.empty()) {
    columns_ = metadata_columns();
    columns_.push_back({"_op", ColumnType::kString});
    columns_.push_back({"_source_ts_ms", ColumnType::kInt64});
    columns_.push_back({"_lsn", ColumnType::kInt64});
    if (declared.empty()) {
      declared.push_back({"before", ColumnType::kJson});
      declared.push_back({"after", ColumnType::kJson});
    }
    columns_.insert(columns_.end(), declared.begin(), declared.end());
  }

  Status decode(const SourceRecord& record, decode::ColumnBatch& out) override {
    if (out.column_count() == 0) out = decode::ColumnBatch(columns_);
    constexpr size_t kOp = kMetadataColumnCount, kSourceTs = kOp + 1, kLsn = kOp + 2, kFirst = kOp + 3;
    return decode_row(record, out, [&]() -> Status {
      if (!record.value) {
        // The tombstone Debezium sends after a delete, for log compaction: the key is the row's.
        out.column(kOp).append_text("t");
        for (size_t i = kSourceTs; i < columns_.size(); ++i) out.column(i).append_null();
        return Status::ok();
      }
      LOCH_ASSIGN_OR_RETURN(json document, parse_json(*record.value));
      if (document.is_object() && document.contains("payload") && document.contains("schema")) {
        document = std::move(document["payload"]);
      }
      if (!document.is_object()) return Status::corruption("a Debezium event is a JSON object");
      auto op = document.find("op");
      if (op == document.end() || !op->is_string()) return Status::corruption("Debezium event without \"op\"");
      std::string operation = op->get<std::string>();
      if (operation != "c" && operation != "u" && operation != "d" && operation != "r") {
        return Status::corruption("Debezium op '" + operation + "' is not c, u, d or r");
      }
      out.column(kOp).append_text(operation);
      json source = document.value("source", json::object());
      json source_ts = source.is_object() ? source.value("ts_ms", document.value("ts_ms", json())) : json();
      LOCH_RETURN_IF_ERROR(append_json_value(source_ts, out.column(kSourceTs)));
      LOCH_RETURN_IF_ERROR(append_json_value(source.is_object() ? source.value("lsn", json()) : json(), out.column(kLsn)));
      const json before = document.value("before", json());
      const json after = document.value("after", json());
      if (!declared_) {
        LOCH_RETURN_IF_ERROR(append_json_value(before, out.column(kFirst)));
        return append_json_value(after, out.column(kFirst + 1));
      }
      const json& row = operation == "d" ? before : after;
      if (!row.is_object()) {
        return Status::corruption(std::string("Debezium op '") + operation + "' without \"" +
                                  (operation == "d" ? "before" : "after") + "\"");
      }
      for (size_t i = kFirst; i < columns_.size(); ++i) {
        auto field = row.find(columns_[i].name);
        LOCH_RETURN_IF_ERROR(append_json_value(field == row.end() ? json() : *field, out.column(i)));
      }
      return Status::ok();
    });
  }

 private:
  bool declared_;
};

// The value's bytes as they are (bronze): nothing can fail to decode.
class RawFormat final : public RecordFormat {
 public:
  RawFormat() {
    columns_ = metadata_columns();
    columns_.push_back({"value", ColumnType::kBinary});
  }

  Status decode(const SourceRecord& record, decode::ColumnBatch& out) override {
    if (out.column_count() == 0) out = decode::ColumnBatch(columns_);
    return decode_row(record, out, [&]() -> Status {
      if (record.value) out.column(kMetadataColumnCount).append_text(*record.value);
      else out.column(kMetadataColumnCount).append_null();
      return Status::ok();
    });
  }
};

// Confluent wire format: the value columns come from the record's schema.
class RegistryFormat final : public RecordFormat {
 public:
  explicit RegistryFormat(std::shared_ptr<decode::DecoderCache> registry) : registry_(std::move(registry)) {}

  Status decode(const SourceRecord& record, decode::ColumnBatch& out) override {
    if (!record.value) {
      return Status::corruption("tombstone (null value) in a registry-encoded topic")
          .with_context(record.source.topic + "/" + std::to_string(record.source.partition) + " offset " +
                        std::to_string(record.offset));
    }
    auto where = [&] {
      return record.source.topic + "/" + std::to_string(record.source.partition) + " offset " + std::to_string(record.offset);
    };
    Result<decode::WireRecord> wire = registry_->resolve(*record.value);
    if (!wire.is_ok()) return wire.status().with_context(where());
    std::vector<decode::ColumnSpec> columns = metadata_columns();
    columns.insert(columns.end(), wire->decoder->columns().begin(), wire->decoder->columns().end());
    if (columns_.empty()) {
      columns_ = columns;
    } else if (columns != columns_) {
      // A batch has one set of columns; a schema change starts the next batch.
      return Status::not_supported("schema id " + std::to_string(wire->schema_id) +
                                   " has other columns than the batch's first record")
          .with_context(where());
    }
    if (out.column_count() == 0) out = decode::ColumnBatch(columns_);
    decode::ColumnBatch value = wire->decoder->new_batch();
    Status decoded = wire->decoder->decode(wire->payload, value);
    if (!decoded.is_ok()) return decoded.with_context(where());
    return decode_row(record, out, [&]() -> Status {
      for (size_t i = 0; i < value.column_count(); ++i) append_copy(value.column(i), out.column(kMetadataColumnCount + i));
      return Status::ok();
    });
  }

 private:
  static void append_copy(const decode::Column& from, decode::Column& to) {
    if (from.is_null(0)) {
      to.append_null();
    } else if (!from.ints().empty()) {
      to.append_int(from.ints()[0]);
    } else if (!from.reals().empty()) {
      to.append_real(from.reals()[0]);
    } else if (!from.texts().empty()) {
      to.append_text(from.texts()[0]);
    } else if (!from.decimals().empty()) {
      to.append_decimal(from.decimals()[0]);
    } else {
      to.append_null();
    }
  }

  std::shared_ptr<decode::DecoderCache> registry_;
};

}  // namespace

bool is_registry_format(pipeline::RecordFormat format) {
  return format == pipeline::RecordFormat::kAvro || format == pipeline::RecordFormat::kJsonSchema ||
         format == pipeline::RecordFormat::kProtobuf;
}

std::string headers_json(const SourceRecord& record) {
  std::string text = "{";
  for (size_t i = 0; i < record.headers.size(); ++i) {
    if (i > 0) text += ',';
    decode::append_json_string(record.headers[i].first, text);
    text += ':';
    const auto& value = record.headers[i].second;
    if (!value) {
      text += "null";
    } else if (decode::find_invalid_utf8(*value) == std::string_view::npos) {
      decode::append_json_string(*value, text);
    } else {
      text += "{\"base64\":\"";
      decode::append_base64(*value, text);
      text += "\"}";
    }
  }
  return text + "}";
}

std::vector<decode::ColumnSpec> metadata_columns() {
  return {{"_topic", ColumnType::kString, 0, 0, false},   {"_partition", ColumnType::kInt32, 0, 0, false},
          {"_offset", ColumnType::kInt64, 0, 0, false},   {"_timestamp", ColumnType::kTimestampMicros, 0, 0, false},
          {"_key", ColumnType::kBinary, 0, 0, true},      {"_headers", ColumnType::kJson, 0, 0, true}};
}

Status split_csv_line(std::string_view line, char delimiter, std::vector<std::string>& fields,
                      std::vector<bool>& quoted) {
  fields.clear();
  quoted.clear();
  size_t pos = 0;
  while (true) {
    std::string field;
    bool is_quoted = pos < line.size() && line[pos] == '"';
    if (is_quoted) {
      ++pos;
      while (true) {
        if (pos >= line.size()) return Status::corruption("CSV field " + std::to_string(fields.size() + 1) + ": unclosed quote");
        if (line[pos] == '"') {
          if (pos + 1 < line.size() && line[pos + 1] == '"') {
            field += '"';
            pos += 2;
            continue;
          }
          ++pos;
          break;
        }
        field += line[pos++];
      }
      if (pos < line.size() && line[pos] != delimiter) {
        return Status::corruption("CSV field " + std::to_string(fields.size() + 1) + ": text after the closing quote");
      }
    } else {
      size_t end = line.find(delimiter, pos);
      if (end == std::string_view::npos) end = line.size();
      field.assign(line.substr(pos, end - pos));
      pos = end;
    }
    fields.push_back(std::move(field));
    quoted.push_back(is_quoted);
    if (pos >= line.size()) break;
    ++pos;  // the delimiter
    if (pos == line.size()) {  // a trailing delimiter: one more, empty field
      fields.emplace_back();
      quoted.push_back(false);
      break;
    }
  }
  return Status::ok();
}

Result<std::unique_ptr<RecordFormat>> make_record_format(const pipeline::FormatDefinition& format,
                                                         std::shared_ptr<decode::DecoderCache> registry) {
  LOCH_ASSIGN_OR_RETURN(std::vector<decode::ColumnSpec> declared, declared_columns(format));
  switch (format.type) {
    case pipeline::RecordFormat::kJsonLines: return std::unique_ptr<RecordFormat>(new JsonLinesFormat(declared));
    case pipeline::RecordFormat::kCsv:
      if (declared.empty()) return Status::invalid_argument("format csv needs its columns declared (format.columns)");
      return std::unique_ptr<RecordFormat>(new CsvFormat(declared, format.csv_delimiter, format.csv_header));
    case pipeline::RecordFormat::kDebezium: return std::unique_ptr<RecordFormat>(new DebeziumFormat(declared));
    case pipeline::RecordFormat::kRaw: return std::unique_ptr<RecordFormat>(new RawFormat());
    case pipeline::RecordFormat::kAvro:
    case pipeline::RecordFormat::kJsonSchema:
    case pipeline::RecordFormat::kProtobuf:
      if (!registry) {
        return Status::not_supported(std::string("format ") + std::string(pipeline::record_format_name(format.type)) +
                                     " needs a schema registry lookup (decode::DecoderCache)");
      }
      if (!declared.empty()) {
        return Status::invalid_argument("format.columns: registry formats take their columns from the schema");
      }
      return std::unique_ptr<RecordFormat>(new RegistryFormat(std::move(registry)));
  }
  return Status::internal("unknown record format");
}

}  // namespace loch::source
