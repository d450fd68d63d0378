// Avro schema resolution (Avro specification, "Schema Resolution"), as a
// list of reasons why a reader cannot read a writer's data. The rules and
// the error types are those of Avro's Java SchemaCompatibility, which
// Confluent's registry reports:
//   - primitives: equal, or promoted: int -> long, float, double;
//     long -> float, double; float -> double; string <-> bytes.
//   - records: names match (short name, or a reader alias naming the
//     writer's full name); each reader field is found in the writer by name
//     or by one of its aliases and its type resolves, or else has a default.
//     Writer fields the reader lacks are skipped.
//   - enums: names match; every writer symbol is a reader symbol, unless the
//     reader has a default symbol.
//   - fixed: names and sizes match. arrays / maps: items / values resolve.
//   - unions: every branch of a writer union resolves against the reader;
//     a non-union writer resolves against some branch of a reader union.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <utility>

#include "collect/registry/avro_schema.h"

namespace loch::registry {
namespace {

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool promotes(AvroKind writer, AvroKind reader) {
  switch (writer) {
    case AvroKind::kInt: return reader == AvroKind::kLong || reader == AvroKind::kFloat || reader == AvroKind::kDouble;
    case AvroKind::kLong: return reader == AvroKind::kFloat || reader == AvroKind::kDouble;
    case AvroKind::kFloat: return reader == AvroKind::kDouble;
    case AvroKind::kString: return reader == AvroKind::kBytes;
    case AvroKind::kBytes: return reader == AvroKind::kString;
    default: return false;
  }
}

class AvroResolver {
 public:
  AvroResolver(std::string reader_label, std::string writer_label)
      : reader_(std::move(reader_label)), writer_(std::move(writer_label)) {}

  void check(const AvroNode& reader, const AvroNode& writer, const std::string& path) {
    // A recursive type met again under the same pair is being checked
    // further up; assuming success there is what makes recursion finish.
    const auto pair = std::make_pair(&reader, &writer);
    if (reader.is_named() && writer.is_named()) {
      if (in_progress_.count(pair)) return;
      in_progress_.insert(pair);
    }
    check_node(reader, writer, path);
  }

  std::vector<std::string> take_messages() { return std::move(messages_); }

 private:
  bool resolves(const AvroNode& reader, const AvroNode& writer) {
    AvroResolver probe(reader_, writer_);
    probe.in_progress_ = in_progress_;
    probe.check(reader, writer, "");
    return probe.messages_.empty();
  }

  void add(std::string_view type, const std::string& description, const std::string& info) {
    messages_.push_back(fmt::format("{{errorType:'{}', description:'{}', additionalInfo:'{}'}}", type, description, info));
  }

  static std::string where(const std::string& path) { return path.empty() ? "/" : path; }

  static bool names_match(const AvroNode& reader, const AvroNode& writer) {
    if (reader.short_name() == writer.short_name()) return true;
    return std::find(reader.aliases.begin(), reader.aliases.end(), writer.full_name) != reader.aliases.end();
  }

  void type_mismatch(const AvroNode& reader, const AvroNode& writer, const std::string& path) {
    add("TYPE_MISMATCH",
        fmt::format("The type (path '{}') of a field in the {} schema does not match with the {} schema", where(path),
                    reader_, writer_),
        fmt::format("reader type: {} not compatible with writer type: {}", upper(avro_kind_name(reader.kind)),
                    upper(avro_kind_name(writer.kind))));
  }

  void check_node(const AvroNode& reader, const AvroNode& writer, const std::string& path) {
    if (writer.kind == AvroKind::kUnion && reader.kind != AvroKind::kUnion) {
      for (size_t i = 0; i < writer.branches.size(); ++i) check(reader, *writer.branches[i], fmt::format("{}/{}", path, i));
      return;
    }
    if (reader.kind == AvroKind::kUnion && writer.kind != AvroKind::kUnion) {
      for (const AvroNode* branch : reader.branches) {
        if (resolves(*branch, writer)) return;
      }
      add("MISSING_UNION_BRANCH",
          fmt::format("The {} schema is missing a type inside a union field at path '{}' in the {} schema", reader_,
                      where(path), writer_),
          fmt::format("reader union lacking writer type: {}", upper(avro_kind_name(writer.kind))));
      return;
    }
    if (reader.kind != writer.kind) {
      if (!promotes(writer.kind, reader.kind)) type_mismatch(reader, writer, path);
      return;
    }
    switch (reader.kind) {
      case AvroKind::kUnion:
        for (size_t i = 0; i < writer.branches.size(); ++i) {
          const AvroNode& branch = *writer.branches[i];
          const bool found = std::any_of(reader.branches.begin(), reader.branches.end(),
                                         [&](const AvroNode* candidate) { return resolves(*candidate, branch); });
          if (!found) {
            add("MISSING_UNION_BRANCH",
                fmt::format("The {} schema is missing a type inside a union field at path '{}/{}' in the {} schema",
                            reader_, path, i, writer_),
                fmt::format("reader union lacking writer type: {}", upper(avro_kind_name(branch.kind))));
          }
        }
        return;
      case AvroKind::kRecord: return check_record(reader, writer, path);
      case AvroKind::kEnum: {
        if (!names_match(reader, writer)) return name_mismatch(writer, path);
        if (reader.enum_default) return;
        std::vector<std::string> missing;
        for (const std::string& symbol : writer.symbols) {
          if (std::find(reader.symbols.begin(), reader.symbols.end(), symbol) == reader.symbols.end()) {
            missing.push_back(symbol);
          }
        }
        if (!missing.empty()) {
          const std::string list = fmt::format("[{}]", fmt::join(missing, ", "));
          add("MISSING_ENUM_SYMBOLS",
              fmt::format("The {} schema is missing enum symbols '{}' at path '{}' in the {} schema", reader_, list,
                          where(path) + (path.empty() ? "symbols" : "/symbols"), writer_),
              list);
        }
        return;
      }
      case AvroKind::kFixed:
        if (!names_match(reader, writer)) return name_mismatch(writer, path);
        if (reader.size != writer.size) {
          add("FIXED_SIZE_MISMATCH",
              fmt::format("The size of FIXED type field at path '{}' in the {} schema does not match with the {} schema",
                          where(path) + (path.empty() ? "size" : "/size"), reader_, writer_),
              fmt::format("expected: {}, found: {}", writer.size, reader.size));
        }
        return;
      case AvroKind::kArray: return check(*reader.items, *writer.items, path + "/items");
      case AvroKind::kMap: return check(*reader.values, *writer.values, path + "/values");
      default: return;  // equal primitives
    }
  }

  void name_mismatch(const AvroNode& writer, const std::string& path) {
    add("NAME_MISMATCH", fmt::format("The name of the schema has changed (path '{}')", where(path) + (path.empty() ? "name" : "/name")),
        fmt::format("expected: {}", writer.full_name));
  }

  void check_record(const AvroNode& reader, const AvroNode& writer, const std::string& path) {
    if (!names_match(reader, writer)) return name_mismatch(writer, path);
    for (size_t i = 0; i < reader.fields.size(); ++i) {
      const AvroField& field = reader.fields[i];
      const AvroField* source = nullptr;
      for (const AvroField& candidate : writer.fields) {
        if (candidate.name == field.name) source = &candidate;
      }
      if (source == nullptr) {
        for (const AvroField& candidate : writer.fields) {
          if (std::find(field.aliases.begin(), field.aliases.end(), candidate.name) != field.aliases.end()) {
            source = &candidate;
            break;
          }
        }
      }
      const std::string field_path = fmt::format("{}/fields/{}", path, i);
      if (source == nullptr) {
        if (!field.default_value) {
          add("READER_FIELD_MISSING_DEFAULT_VALUE",
              fmt::format("The field '{}' at path '{}' in the {} schema has no default value and is missing in the {} schema",
                          field.name, field_path, reader_, writer_),
              field.name);
        }
        continue;
      }
      check(*field.type, *source->type, field_path + "/type");
    }
  }

  std::string reader_;
  std::string writer_;
  std::set<std::pair<const AvroNode*, const AvroNode*>> in_progress_;
  std::vector<std::string> messages_;
};

}  // namespace

std::vector<std::string> AvroSchema::read_differences(const ParsedSchema& writer, bool reader_is_new) const {
  const auto* other = dynamic_cast<const AvroSchema*>(&writer);
  if (other == nullptr) {
    return {fmt::format("{{errorType:'TYPE_MISMATCH', description:'The {} schema is AVRO, the {} schema is {}'}}",
                        reader_is_new ? "new" : "old", reader_is_new ? "old" : "new", schema_type_name(writer.type()))};
  }
  AvroResolver resolver(reader_is_new ? "new" : "old", reader_is_new ? "old" : "new");
  resolver.check(*root_, *other->root_, "");
  return resolver.take_messages();
}

}  // namespace loch::registry
