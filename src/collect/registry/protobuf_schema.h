// ProtobufSchema: a .proto file (proto2 or proto3) parsed by libprotobuf's
// own compiler front end (google::protobuf::compiler::Parser) and built into
// descriptors, so decoders can make dynamic messages from it.
//
// The text may also be a base64-encoded FileDescriptorProto, which is how
// Confluent's newer serializers (the JavaScript and Go clients) register
// Protobuf schemas; both spellings of one file get the same canonical text.
//
// Imports resolve against the schema's references (by import path) and the
// well-known types linked into libprotobuf (google/protobuf/*.proto).
//
// Compatibility follows Confluent's Protobuf SchemaDiff: fields are matched
// by number. Incompatible: PACKAGE_CHANGED, MESSAGE_REMOVED,
// FIELD_KIND_CHANGED (scalar/enum vs message vs map),
// FIELD_SCALAR_KIND_CHANGED (outside the wire-compatible groups
// {int32, uint32, int64, uint64, bool, enums}, {sint32, sint64},
// {string, bytes}, {fixed32, sfixed32}, {fixed64, sfixed64}, {float},
// {double}), FIELD_NAMED_TYPE_CHANGED, FIELD_NUMERIC_LABEL_CHANGED
// (repeated <-> singular for numbers), REQUIRED_FIELD_ADDED / _REMOVED,
// ONEOF_FIELD_REMOVED, MULTIPLE_FIELDS_MOVED_TO_ONEOF,
// FIELD_MOVED_TO_EXISTING_ONEOF. Compatible (not reported): messages
// added, fields added or removed (so a field renumbered to a fresh number
// is compatible, as in Confluent, while moving it onto another field's
// number is judged by the types), fields renamed, enums and enum values
// added, removed or renamed, oneofs added or removed, a field added to a
// oneof, repeated <-> singular for string, bytes and messages.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/descriptor.h>

#include "collect/registry/parsed_schema.h"

namespace loch::registry {

class ProtobufSchema final : public ParsedSchema {
 public:
  // InvalidArgument with the parser's or the descriptor builder's messages
  // ("line 3:10: Expected \";\"."), several joined by "; ".
  static Result<std::unique_ptr<ProtobufSchema>> parse(std::string_view text,
                                                       const std::vector<ResolvedReference>& references);

  SchemaType type() const override { return SchemaType::kProtobuf; }
  // The file printed back by libprotobuf (FileDescriptor::DebugString()):
  // comments and layout dropped, declarations kept in their order.
  std::string canonical() const override;
  std::string normalized() const override;  // same as canonical()
  std::vector<std::string> read_differences(const ParsedSchema& writer, bool reader_is_new) const override;
  // "serialized": base64 of the file's FileDescriptorProto.
  std::string formatted(std::string_view format) const override;

  const google::protobuf::FileDescriptor& file() const { return *file_; }
  const google::protobuf::DescriptorPool& pool() const { return *pool_; }

  // The message a wire-format index list designates ({} or {0}: the first
  // top-level message); nullptr when out of range.
  const google::protobuf::Descriptor* message_at(const std::vector<int32_t>& indexes) const;
  // The index list of a message by full name ("pkg.Outer.Inner").
  std::optional<std::vector<int32_t>> indexes_of(std::string_view full_name) const;

 private:
  ProtobufSchema() = default;

  std::unique_ptr<google::protobuf::DescriptorPool> pool_;
  const google::protobuf::FileDescriptor* file_ = nullptr;
};

}  // namespace loch::registry
