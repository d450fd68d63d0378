// Protobuf payloads parsed as libprotobuf DynamicMessages built from the
// registry's descriptors; one column per field of the message the wire
// format's indexes designate.
#include <fmt/format.h>

#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/message.h>

#include "collect/decode/format_decoders.h"
#include "collect/decode/text_encoding.h"
#include "collect/registry/protobuf_schema.h"

namespace loch::decode {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

constexpr int kMaxNesting = 64;

bool is_timestamp(const Descriptor* d) { return d != nullptr && d->full_name() == "google.protobuf.Timestamp"; }
bool is_date(const Descriptor* d) { return d != nullptr && d->full_name() == "google.type.Date"; }
// google.protobuf.*Value: a nullable scalar in field 1.
bool is_wrapper(const Descriptor* d) {
  if (d == nullptr || d->file()->name() != "google/protobuf/wrappers.proto") return false;
  return d->field_count() == 1 && d->field(0)->number() == 1;
}

ColumnType scalar_column(const FieldDescriptor* f) {
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32: return ColumnType::kInt32;
    case FieldDescriptor::CPPTYPE_INT64: return ColumnType::kInt64;
    case FieldDescriptor::CPPTYPE_UINT32: return ColumnType::kInt64;
    case FieldDescriptor::CPPTYPE_UINT64: return ColumnType::kUint64;
    case FieldDescriptor::CPPTYPE_FLOAT: return ColumnType::kFloat;
    case FieldDescriptor::CPPTYPE_DOUBLE: return ColumnType::kDouble;
    case FieldDescriptor::CPPTYPE_BOOL: return ColumnType::kBoolean;
    case FieldDescriptor::CPPTYPE_ENUM: return ColumnType::kString;
    case FieldDescriptor::CPPTYPE_STRING:
      return f->type() == FieldDescriptor::TYPE_BYTES ? ColumnType::kBinary : ColumnType::kString;
    case FieldDescriptor::CPPTYPE_MESSAGE: return ColumnType::kJson;
  }
  return ColumnType::kJson;
}

ColumnSpec column_for(const FieldDescriptor* f) {
  ColumnSpec spec;
  spec.name = f->name();
  // Fields without presence (proto3 scalars) always have a value; the
  // others are NULL when unset.
  spec.nullable = f->has_presence() || f->is_repeated();
  if (f->is_repeated()) {
    spec.type = ColumnType::kJson;
  } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    const Descriptor* d = f->message_type();
    spec.type = is_timestamp(d) ? ColumnType::kTimestampMicros
                : is_date(d)    ? ColumnType::kDate
                : is_wrapper(d) ? scalar_column(d->field(0))
                                : ColumnType::kJson;
  } else {
    spec.type = scalar_column(f);
  }
  return spec;
}

void append_json_message(const Message& m, std::string& out, int depth);

void append_json_scalar(const Message& m, const Reflection& r, const FieldDescriptor* f, int index, std::string& out,
                        int depth) {
  bool repeated = index >= 0;
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32: out += std::to_string(repeated ? r.GetRepeatedInt32(m, f, index) : r.GetInt32(m, f)); break;
    case FieldDescriptor::CPPTYPE_INT64: out += std::to_string(repeated ? r.GetRepeatedInt64(m, f, index) : r.GetInt64(m, f)); break;
    case FieldDescriptor::CPPTYPE_UINT32: out += std::to_string(repeated ? r.GetRepeatedUInt32(m, f, index) : r.GetUInt32(m, f)); break;
    case FieldDescriptor::CPPTYPE_UINT64: out += std::to_string(repeated ? r.GetRepeatedUInt64(m, f, index) : r.GetUInt64(m, f)); break;
    case FieldDescriptor::CPPTYPE_FLOAT:
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      double v = f->cpp_type() == FieldDescriptor::CPPTYPE_FLOAT
                     ? (repeated ? r.GetRepeatedFloat(m, f, index) : r.GetFloat(m, f))
                     : (repeated ? r.GetRepeatedDouble(m, f, index) : r.GetDouble(m, f));
      out += std::isfinite(v) ? fmt::format("{}", v) : "null";
      break;
    }
    case FieldDescriptor::CPPTYPE_BOOL: out += (repeated ? r.GetRepeatedBool(m, f, index) : r.GetBool(m, f)) ? "true" : "false"; break;
    case FieldDescriptor::CPPTYPE_ENUM: {
      int number = repeated ? r.GetRepeatedEnumValue(m, f, index) : r.GetEnumValue(m, f);
      const auto* value = f->enum_type()->FindValueByNumber(number);
      if (value != nullptr) {
        append_json_string(value->name(), out);
      } else {
        out += std::to_string(number);  // an open enum's unknown number
      }
      break;
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;
      const std::string& s = repeated ? r.GetRepeatedStringReference(m, f, index, &scratch) : r.GetStringReference(m, f, &scratch);
      if (f->type() == FieldDescriptor::TYPE_BYTES) {
        out.push_back('"');
        append_base64(s, out);
        out.push_back('"');
      } else {
        append_json_string(s, out);
      }
      break;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      append_json_message(repeated ? r.GetRepeatedMessage(m, f, index) : r.GetMessage(m, f), out, depth + 1);
      break;
  }
}

// Messages as JSON objects keyed by field name, with only the fields that
// are set (proto3 defaults omitted as in proto3's JSON mapping); maps are
// repeated entries {key, value}, written as JSON objects.
void append_json_message(const Message& m, std::string& out, int depth) {
  if (depth > kMaxNesting) {
    out += "null";
    return;
  }
  const Reflection& r = *m.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r.ListFields(m, &fields);
  out.push_back('{');
  bool first = true;
  for (const FieldDescriptor* f : fields) {
    if (!first) out.push_back(',');
    first = false;
    append_json_string(f->name(), out);
    out.push_back(':');
    if (f->is_map()) {
      const FieldDescriptor* key = f->message_type()->map_key();
      const FieldDescriptor* value = f->message_type()->map_value();
      out.push_back('{');
      for (int i = 0; i < r.FieldSize(m, f); ++i) {
        if (i > 0) out.push_back(',');
        const Message& entry = r.GetRepeatedMessage(m, f, i);
        std::string key_text;
        append_json_scalar(entry, *entry.GetReflection(), key, -1, key_text, depth);
        if (key_text.empty() || key_text.front() != '"') key_text = "\"" + key_text + "\"";
        out += key_text;
        out.push_back(':');
        append_json_scalar(entry, *entry.GetReflection(), value, -1, out, depth);
      }
      out.push_back('}');
    } else if (f->is_repeated()) {
      out.push_back('[');
      for (int i = 0; i < r.FieldSize(m, f); ++i) {
        if (i > 0) out.push_back(',');
        append_json_scalar(m, r, f, i, out, depth);
      }
      out.push_back(']');
    } else {
      append_json_scalar(m, r, f, -1, out, depth);
    }
  }
  out.push_back('}');
}

Status append_scalar_cell(const Message& m, const Reflection& r, const FieldDescriptor* f, Column& column) {
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32: column.append_int(r.GetInt32(m, f)); break;
    case FieldDescriptor::CPPTYPE_INT64: column.append_int(r.GetInt64(m, f)); break;
    case FieldDescriptor::CPPTYPE_UINT32: column.append_int(r.GetUInt32(m, f)); break;
    case FieldDescriptor::CPPTYPE_UINT64: column.append_int(static_cast<int64_t>(r.GetUInt64(m, f))); break;
    case FieldDescriptor::CPPTYPE_FLOAT: column.append_real(r.GetFloat(m, f)); break;
    case FieldDescriptor::CPPTYPE_DOUBLE: column.append_real(r.GetDouble(m, f)); break;
    case FieldDescriptor::CPPTYPE_BOOL: column.append_int(r.GetBool(m, f) ? 1 : 0); break;
    case FieldDescriptor::CPPTYPE_ENUM: {
      int number = r.GetEnumValue(m, f);
      const auto* value = f->enum_type()->FindValueByNumber(number);
      column.append_text(value != nullptr ? value->name() : std::to_string(number));
      break;
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string s = r.GetString(m, f);
      if (f->type() == FieldDescriptor::TYPE_STRING) {
        // proto3 parsing checks UTF-8; proto2 does not, but VARCHAR needs it.
        size_t bad = find_invalid_utf8(s);
        if (bad != std::string::npos) return Status::corruption(fmt::format("string is not UTF-8 (byte {} of it)", bad));
      }
      column.append_text(std::move(s));
      break;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: return Status::internal("message field read as a scalar");
  }
  return Status::ok();
}

Status append_cell(const Message& m, const FieldDescriptor* f, Column& column) {
  const Reflection& r = *m.GetReflection();
  if (f->is_repeated()) {
    std::string text;
    if (f->is_map()) {
      // Reuse the message writer for one field: it writes {"name": {...}}.
      text.push_back('[');
      for (int i = 0; i < r.FieldSize(m, f); ++i) {
        if (i > 0) text.push_back(',');
        append_json_message(r.GetRepeatedMessage(m, f, i), text, 1);
      }
      text.push_back(']');
    } else {
      text.push_back('[');
      for (int i = 0; i < r.FieldSize(m, f); ++i) {
        if (i > 0) text.push_back(',');
        append_json_scalar(m, r, f, i, text, 0);
      }
      text.push_back(']');
    }
    column.append_text(std::move(text));
    return Status::ok();
  }
  if (f->has_presence() && !r.HasField(m, f)) {
    column.append_null();
    return Status::ok();
  }
  if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) return append_scalar_cell(m, r, f, column);
  const Message& sub = r.GetMessage(m, f);
  const Descriptor* d = f->message_type();
  const Reflection& sr = *sub.GetReflection();
  if (is_timestamp(d)) {
    int64_t seconds = sr.GetInt64(sub, d->FindFieldByNumber(1));
    int32_t nanos = sr.GetInt32(sub, d->FindFieldByNumber(2));
    if (seconds > INT64_MAX / 1000000 - 1 || seconds < INT64_MIN / 1000000 + 1 || nanos < 0 || nanos > 999999999) {
      return Status::corruption(fmt::format("Timestamp {}s {}ns out of range", seconds, nanos));
    }
    column.append_int(seconds * 1000000 + nanos / 1000);
    return Status::ok();
  }
  if (is_date(d)) {
    const FieldDescriptor* yf = d->FindFieldByName("year");
    const FieldDescriptor* mf = d->FindFieldByName("month");
    const FieldDescriptor* df = d->FindFieldByName("day");
    if (yf == nullptr || mf == nullptr || df == nullptr) return Status::corruption("google.type.Date without year/month/day");
    std::string text = fmt::format("{:04}-{:02}-{:02}", sr.GetInt32(sub, yf), sr.GetInt32(sub, mf), sr.GetInt32(sub, df));
    int64_t days = 0;
    if (!parse_iso_date(text, days)) return Status::corruption(fmt::format("google.type.Date {} is not a full date", text));
    column.append_int(days);
    return Status::ok();
  }
  if (is_wrapper(d)) return append_scalar_cell(sub, sr, d->field(0), column);
  std::string text;
  append_json_message(sub, text, 1);
  column.append_text(std::move(text));
  return Status::ok();
}

class ProtobufDecoder final : public RecordDecoder {
 public:
  ProtobufDecoder(std::shared_ptr<const registry::ParsedSchema> schema, const Descriptor* descriptor,
                  std::vector<ColumnSpec> columns)
      : RecordDecoder(std::move(columns)), schema_(std::move(schema)), descriptor_(descriptor) {
    prototype_ = factory_.GetPrototype(descriptor_);
  }

 protected:
  Status decode_row(std::string_view payload, ColumnBatch& out) const override {
    std::unique_ptr<Message> message(prototype_->New());
    if (!message->ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
      return Status::corruption(fmt::format("payload of {} bytes is not a valid {} message", payload.size(),
                                            descriptor_->full_name()));
    }
    for (int i = 0; i < descriptor_->field_count(); ++i) {
      Status s = append_cell(*message, descriptor_->field(i), out.column(static_cast<size_t>(i)));
      if (!s.is_ok()) {
        return Status::corruption(fmt::format("Protobuf field '{}': {}", descriptor_->field(i)->name(), s.message()));
      }
    }
    return Status::ok();
  }

 private:
  std::shared_ptr<const registry::ParsedSchema> schema_;  // owns the descriptor pool
  const Descriptor* descriptor_;
  google::protobuf::DynamicMessageFactory factory_;
  const Message* prototype_ = nullptr;
};

}  // namespace

Result<std::shared_ptr<const RecordDecoder>> make_protobuf_decoder(std::shared_ptr<const registry::ParsedSchema> schema,
                                                                   const std::vector<int32_t>& message_indexes) {
  const auto* proto = dynamic_cast<const registry::ProtobufSchema*>(schema.get());
  if (proto == nullptr) return Status::invalid_argument("not a Protobuf schema");
  const Descriptor* descriptor = proto->message_at(message_indexes);
  if (descriptor == nullptr) {
    std::string list;
    for (int32_t i : message_indexes) list += (list.empty() ? "" : ",") + std::to_string(i);
    return Status::invalid_argument(fmt::format("message indexes [{}] designate no message of {}", list,
                                                proto->file().name()));
  }
  std::vector<ColumnSpec> columns;
  for (int i = 0; i < descriptor->field_count(); ++i) columns.push_back(column_for(descriptor->field(i)));
  return std::shared_ptr<const RecordDecoder>(
      std::make_shared<ProtobufDecoder>(std::move(schema), descriptor, std::move(columns)));
}

}  // namespace loch::decode
