#include "collect/registry/protobuf_schema.h"

#include <fmt/format.h>
#include <google/protobuf/compiler/parser.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/stubs/logging.h>

#include <map>
#include <optional>
#include <set>

namespace loch::registry {

namespace pb = google::protobuf;

namespace {

// The name the schema's own file gets in its pool; imports never use it.
constexpr std::string_view kMainFileName = "loch_registry_schema.proto";

class TextErrors final : public pb::io::ErrorCollector {
 public:
  void AddError(int line, pb::io::ColumnNumber column, const std::string& message) override {
    // libprotobuf counts from 0; people count from 1.
    errors.push_back(fmt::format("line {}:{}: {}", line + 1, column + 1, message));
  }
  std::vector<std::string> errors;
};

class BuildErrors final : public pb::DescriptorPool::ErrorCollector {
 public:
  void AddError(const std::string& filename, const std::string& element_name, const pb::Message*,
                ErrorLocation, const std::string& message) override {
    errors.push_back(element_name.empty() ? fmt::format("{}: {}", filename, message)
                                          : fmt::format("{}: {}: {}", filename, element_name, message));
  }
  std::vector<std::string> errors;
};

std::string joined(const std::vector<std::string>& errors) { return fmt::format("{}", fmt::join(errors, "; ")); }

Result<pb::FileDescriptorProto> parse_proto(std::string_view text, std::string_view file_name) {
  // Errors come back through the collector; libprotobuf's own log lines
  // (e.g. "No syntax specified") would only be noise on the server's stderr.
  pb::LogSilencer silence;
  pb::io::ArrayInputStream input(text.data(), static_cast<int>(text.size()));
  TextErrors errors;
  pb::io::Tokenizer tokenizer(&input, &errors);
  pb::compiler::Parser parser;
  parser.RecordErrorsTo(&errors);
  pb::FileDescriptorProto proto;
  if (!parser.Parse(&tokenizer, &proto) || !errors.errors.empty()) {
    if (errors.errors.empty()) errors.errors.push_back("cannot parse");
    return Status::invalid_argument(fmt::format("{}: {}", file_name, joined(errors.errors)));
  }
  proto.set_name(std::string(file_name));
  return proto;
}

constexpr std::string_view kBase64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Standard base64 with padding; std::nullopt for anything else (which is
// how .proto text, full of spaces and semicolons, is told apart).
std::optional<std::string> decode_base64(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.remove_suffix(1);
  while (!text.empty() && (text.front() == ' ' || text.front() == '\n')) text.remove_prefix(1);
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  uint32_t buffer = 0;
  int bits = 0;
  size_t padding = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '=') {
      if (i + 2 < text.size()) return std::nullopt;
      ++padding;
      continue;
    }
    if (padding > 0) return std::nullopt;
    const size_t value = kBase64Alphabet.find(c);
    if (value == std::string_view::npos) return std::nullopt;
    buffer = (buffer << 6) | static_cast<uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

std::string encode_base64(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t n = (static_cast<uint8_t>(bytes[i]) << 16) | (static_cast<uint8_t>(bytes[i + 1]) << 8) |
                       static_cast<uint8_t>(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += kBase64Alphabet[(n >> shift) & 0x3F];
  }
  if (i + 1 == bytes.size()) {
    const uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
    out += kBase64Alphabet[(n >> 18) & 0x3F];
    out += kBase64Alphabet[(n >> 12) & 0x3F];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    const uint32_t n = (static_cast<uint8_t>(bytes[i]) << 16) | (static_cast<uint8_t>(bytes[i + 1]) << 8);
    out += kBase64Alphabet[(n >> 18) & 0x3F];
    out += kBase64Alphabet[(n >> 12) & 0x3F];
    out += kBase64Alphabet[(n >> 6) & 0x3F];
    out += '=';
  }
  return out;
}

// A schema text: .proto source, or a base64 FileDescriptorProto.
Result<pb::FileDescriptorProto> parse_schema_text(std::string_view text, std::string_view file_name) {
  if (auto bytes = decode_base64(text)) {
    pb::FileDescriptorProto proto;
    if (proto.ParseFromString(*bytes)) {
      proto.set_name(std::string(file_name));
      return proto;
    }
  }
  return parse_proto(text, file_name);
}

}  // namespace

Result<std::unique_ptr<ProtobufSchema>> ProtobufSchema::parse(std::string_view text,
                                                              const std::vector<ResolvedReference>& references) {
  std::unique_ptr<ProtobufSchema> schema(new ProtobufSchema());
  // The generated pool underlies ours so that imports of the well-known
  // types (google/protobuf/timestamp.proto, ...) resolve without references.
  schema->pool_ = std::make_unique<pb::DescriptorPool>(pb::DescriptorPool::generated_pool());
  for (const ResolvedReference& reference : references) {
    if (pb::DescriptorPool::generated_pool()->FindFileByName(reference.name) != nullptr) continue;
    if (schema->pool_->FindFileByName(reference.name) != nullptr) continue;
    LOCH_ASSIGN_OR_RETURN(pb::FileDescriptorProto proto, parse_schema_text(reference.schema, reference.name));
    BuildErrors errors;
    if (schema->pool_->BuildFileCollectingErrors(proto, &errors) == nullptr) {
      return Status::invalid_argument(fmt::format("reference {}: {}", reference.name, joined(errors.errors)));
    }
  }
  LOCH_ASSIGN_OR_RETURN(pb::FileDescriptorProto proto, parse_schema_text(text, kMainFileName));
  BuildErrors errors;
  schema->file_ = schema->pool_->BuildFileCollectingErrors(proto, &errors);
  if (schema->file_ == nullptr) return Status::invalid_argument(joined(errors.errors));
  return schema;
}

std::string ProtobufSchema::canonical() const { return file_->DebugString(); }

std::string ProtobufSchema::normalized() const { return canonical(); }

std::string ProtobufSchema::formatted(std::string_view format) const {
  if (format != "serialized") return canonical();
  pb::FileDescriptorProto proto;
  file_->CopyTo(&proto);
  return encode_base64(proto.SerializeAsString());
}

const pb::Descriptor* ProtobufSchema::message_at(const std::vector<int32_t>& indexes) const {
  if (indexes.empty()) return file_->message_type_count() > 0 ? file_->message_type(0) : nullptr;
  if (indexes[0] < 0 || indexes[0] >= file_->message_type_count()) return nullptr;
  const pb::Descriptor* message = file_->message_type(indexes[0]);
  for (size_t i = 1; i < indexes.size(); ++i) {
    if (indexes[i] < 0 || indexes[i] >= message->nested_type_count()) return nullptr;
    message = message->nested_type(indexes[i]);
  }
  return message;
}

std::optional<std::vector<int32_t>> ProtobufSchema::indexes_of(std::string_view full_name) const {
  const pb::Descriptor* message = pool_->FindMessageTypeByName(std::string(full_name));
  if (message == nullptr || message->file() != file_) return std::nullopt;
  std::vector<int32_t> indexes;
  for (; message != nullptr; message = message->containing_type()) indexes.insert(indexes.begin(), message->index());
  return indexes;
}

namespace {

enum class ScalarGroup { kGeneralNumber, kSignedNumber, kStringOrBytes, kFixed32, kFixed64, kFloat, kDouble };

ScalarGroup scalar_group(const pb::FieldDescriptor& field) {
  switch (field.type()) {
    case pb::FieldDescriptor::TYPE_INT32:
    case pb::FieldDescriptor::TYPE_INT64:
    case pb::FieldDescriptor::TYPE_UINT32:
    case pb::FieldDescriptor::TYPE_UINT64:
    case pb::FieldDescriptor::TYPE_BOOL:
    case pb::FieldDescriptor::TYPE_ENUM: return ScalarGroup::kGeneralNumber;
    case pb::FieldDescriptor::TYPE_SINT32:
    case pb::FieldDescriptor::TYPE_SINT64: return ScalarGroup::kSignedNumber;
    case pb::FieldDescriptor::TYPE_STRING:
    case pb::FieldDescriptor::TYPE_BYTES: return ScalarGroup::kStringOrBytes;
    case pb::FieldDescriptor::TYPE_FIXED32:
    case pb::FieldDescriptor::TYPE_SFIXED32: return ScalarGroup::kFixed32;
    case pb::FieldDescriptor::TYPE_FIXED64:
    case pb::FieldDescriptor::TYPE_SFIXED64: return ScalarGroup::kFixed64;
    case pb::FieldDescriptor::TYPE_FLOAT: return ScalarGroup::kFloat;
    default: return ScalarGroup::kDouble;
  }
}

enum class FieldKind { kScalar, kMessage, kMap };

FieldKind field_kind(const pb::FieldDescriptor& field) {
  if (field.is_map()) return FieldKind::kMap;
  if (field.message_type() != nullptr) return FieldKind::kMessage;
  return FieldKind::kScalar;  // enums count as numbers, as on the wire
}

// A message's name inside its package ("Outer.Inner").
std::string local_name(const pb::Descriptor& message) {
  const std::string& package = message.file()->package();
  const std::string& full = message.full_name();
  return package.empty() ? full : full.substr(package.size() + 1);
}

const pb::OneofDescriptor* real_oneof(const pb::FieldDescriptor& field) { return field.real_containing_oneof(); }

// Compares the writer's file ("original") with the reader's ("update").
class ProtobufDiff {
 public:
  ProtobufDiff(const pb::FileDescriptor& original_file, const pb::FileDescriptor& update_file, bool update_is_new)
      : original_file_(original_file), update_file_(update_file),
        update_(update_is_new ? "new" : "old"), original_(update_is_new ? "old" : "new") {}

  void compare_files() {
    if (original_file_.package() != update_file_.package()) {
      add("PACKAGE_CHANGED", "#/", "The package at '{path}' in the {update} schema does not match the package in the {original} schema");
    }
    std::vector<const pb::Descriptor*> original, update;
    for (int i = 0; i < original_file_.message_type_count(); ++i) original.push_back(original_file_.message_type(i));
    for (int i = 0; i < update_file_.message_type_count(); ++i) update.push_back(update_file_.message_type(i));
    compare_message_lists(original, update, "#/");
  }

  std::vector<std::string> take_messages() { return std::move(messages_); }

 private:
  void add(std::string_view type, const std::string& path, std::string_view description) {
    std::string text(description);
    auto replace = [&](std::string_view key, const std::string& value) {
      for (size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + value.size())) {
        text.replace(at, key.size(), value);
      }
    };
    replace("{path}", path);
    replace("{update}", update_);
    replace("{original}", original_);
    messages_.push_back(fmt::format("{{errorType:'{}', description:'{}'}}", type, text));
  }

  void compare_message_lists(const std::vector<const pb::Descriptor*>& original,
                             const std::vector<const pb::Descriptor*>& update, const std::string& prefix) {
    std::map<std::string, const pb::Descriptor*> update_by_name;
    for (const pb::Descriptor* message : update) update_by_name[message->name()] = message;
    for (const pb::Descriptor* message : original) {
      if (message->options().map_entry()) continue;
      const std::string path = prefix + message->name();
      const auto found = update_by_name.find(message->name());
      if (found == update_by_name.end()) {
        add("MESSAGE_REMOVED", path, "The {update} schema is missing a message at path '{path}' in the {original} schema");
        continue;
      }
      compare_message(*message, *found->second, path);
    }
  }

  void compare_message(const pb::Descriptor& original, const pb::Descriptor& update, const std::string& path) {
    if (!compared_.insert({&original, &update}).second) return;
    std::map<int, const pb::FieldDescriptor*> original_by_number;  // outside real oneofs
    std::map<int, const pb::FieldDescriptor*> update_by_number;
    std::map<int, const pb::FieldDescriptor*> original_in_oneof;
    for (int i = 0; i < original.field_count(); ++i) {
      const pb::FieldDescriptor* field = original.field(i);
      (real_oneof(*field) ? original_in_oneof : original_by_number)[field->number()] = field;
    }
    for (int i = 0; i < update.field_count(); ++i) {
      const pb::FieldDescriptor* field = update.field(i);
      if (!real_oneof(*field)) update_by_number[field->number()] = field;
    }
    for (int i = 0; i < update.real_oneof_decl_count(); ++i) {
      const pb::OneofDescriptor& oneof = *update.oneof_decl(i);
      int moved = 0;
      int existing = 0;
      for (int j = 0; j < oneof.field_count(); ++j) {
        const int number = oneof.field(j)->number();
        if (original_by_number.erase(number) > 0) {
          ++moved;
        } else if (original_in_oneof.count(number)) {
          ++existing;
        }
      }
      const std::string oneof_path = path + "/" + oneof.name();
      if (moved > 1) {
        add("MULTIPLE_FIELDS_MOVED_TO_ONEOF", oneof_path,
            "Multiple fields in the oneof at path '{path}' in the {update} schema are outside a oneof in the {original} schema");
      } else if (moved == 1 && existing > 0) {
        add("FIELD_MOVED_TO_EXISTING_ONEOF", oneof_path,
            "A field was moved into the existing oneof at path '{path}' in the {update} schema");
      }
    }
    for (int i = 0; i < original.real_oneof_decl_count(); ++i) {
      const pb::OneofDescriptor& before = *original.oneof_decl(i);
      const pb::OneofDescriptor* after = update.FindOneofByName(before.name());
      if (after == nullptr) continue;  // ONEOF_REMOVED: compatible
      for (int j = 0; j < before.field_count(); ++j) {
        const pb::FieldDescriptor& field = *before.field(j);
        const pb::FieldDescriptor* counterpart = update.FindFieldByNumber(field.number());
        const std::string field_path = fmt::format("{}/{}/{}", path, before.name(), field.number());
        if (counterpart == nullptr || real_oneof(*counterpart) != after) {
          if (counterpart == nullptr) {
            add("ONEOF_FIELD_REMOVED", field_path,
                "The {update} schema is missing a field of a oneof at path '{path}' in the {original} schema");
          }
          continue;
        }
        compare_field(field, *counterpart, field_path);
      }
    }
    std::set<int> numbers;
    for (const auto& [number, field] : original_by_number) numbers.insert(number);
    for (const auto& [number, field] : update_by_number) numbers.insert(number);
    for (int number : numbers) {
      const std::string field_path = fmt::format("{}/{}", path, number);
      const auto before = original_by_number.find(number);
      const auto after = update_by_number.find(number);
      if (after == update_by_number.end()) {
        if (before->second->is_required()) {
          add("REQUIRED_FIELD_REMOVED", field_path,
              "The {update} schema is missing a required field at path '{path}' in the {original} schema");
        }
      } else if (before == original_by_number.end()) {
        if (after->second->is_required()) {
          add("REQUIRED_FIELD_ADDED", field_path,
              "The {update} schema has a new required field at path '{path}' that the {original} schema lacks");
        }
      } else {
        compare_field(*before->second, *after->second, field_path);
      }
    }
    // Fields whose oneof membership changed are compared by number too.
    for (int i = 0; i < original.field_count(); ++i) {
      const pb::FieldDescriptor& field = *original.field(i);
      const pb::FieldDescriptor* counterpart = update.FindFieldByNumber(field.number());
      if (counterpart == nullptr) continue;
      const pb::OneofDescriptor* before = real_oneof(field);
      const pb::OneofDescriptor* after = real_oneof(*counterpart);
      const bool same_place = (before == nullptr && after == nullptr) ||
                              (before != nullptr && after != nullptr && before->name() == after->name());
      if (!same_place) compare_field(field, *counterpart, fmt::format("{}/{}", path, field.number()));
    }
    std::vector<const pb::Descriptor*> original_nested, update_nested;
    for (int i = 0; i < original.nested_type_count(); ++i) original_nested.push_back(original.nested_type(i));
    for (int i = 0; i < update.nested_type_count(); ++i) update_nested.push_back(update.nested_type(i));
    compare_message_lists(original_nested, update_nested, path + "/");
  }

  void compare_field(const pb::FieldDescriptor& original, const pb::FieldDescriptor& update, const std::string& path) {
    const FieldKind before = field_kind(original);
    const FieldKind after = field_kind(update);
    if (before != after) {
      add("FIELD_KIND_CHANGED", path, "The kind of a field at path '{path}' in the {update} schema does not match its kind in the {original} schema");
      return;
    }
    if (before == FieldKind::kMap) {
      compare_field(*original.message_type()->map_key(), *update.message_type()->map_key(), path);
      compare_field(*original.message_type()->map_value(), *update.message_type()->map_value(), path);
      return;
    }
    if (original.is_repeated() != update.is_repeated() && before == FieldKind::kScalar &&
        scalar_group(original) != ScalarGroup::kStringOrBytes) {
      add("FIELD_NUMERIC_LABEL_CHANGED", path,
          "The label of a numeric field at path '{path}' in the {update} schema does not match its label in the {original} schema");
    }
    if (before == FieldKind::kScalar) {
      if (scalar_group(original) != scalar_group(update)) {
        add("FIELD_SCALAR_KIND_CHANGED", path,
            "The kind of a SCALAR field at path '{path}' in the {update} schema does not match its kind in the {original} schema");
      }
      return;
    }
    const pb::Descriptor& original_type = *original.message_type();
    const pb::Descriptor& update_type = *update.message_type();
    if (local_name(original_type) != local_name(update_type)) {
      add("FIELD_NAMED_TYPE_CHANGED", path,
          "The type of a MESSAGE field at path '{path}' in the {update} schema does not match its type in the {original} schema");
      return;
    }
    // Types defined in the compared files are compared by name elsewhere;
    // types from references (or well-known types) are compared here.
    if (original_type.file() != &original_file_ || update_type.file() != &update_file_) {
      ProtobufDiff nested(original_file_, update_file_, update_ == "new");
      nested.compared_ = compared_;
      nested.compare_message(original_type, update_type, "#/" + local_name(update_type));
      if (!nested.messages_.empty()) {
        messages_.insert(messages_.end(), nested.messages_.begin(), nested.messages_.end());
        add("FIELD_NAMED_TYPE_CHANGED", path,
            "The type of a MESSAGE field at path '{path}' in the {update} schema does not match its type in the {original} schema");
      }
    }
  }

  const pb::FileDescriptor& original_file_;
  const pb::FileDescriptor& update_file_;
  std::string update_;
  std::string original_;
  std::set<std::pair<const pb::Descriptor*, const pb::Descriptor*>> compared_;
  std::vector<std::string> messages_;
};

}  // namespace

std::vector<std::string> ProtobufSchema::read_differences(const ParsedSchema& writer, bool reader_is_new) const {
  const auto* original = dynamic_cast<const ProtobufSchema*>(&writer);
  if (original == nullptr) {
    return {fmt::format("{{errorType:'FIELD_KIND_CHANGED', description:'The other schema is {}, not PROTOBUF'}}",
                        schema_type_name(writer.type()))};
  }
  ProtobufDiff diff(*original->file_, *file_, reader_is_new);
  diff.compare_files();
  return diff.take_messages();
}

}  // namespace loch::registry
