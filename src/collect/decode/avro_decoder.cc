// Avro binary encoding (Avro specification 1.11, "Binary Encoding") decoded
// into columns; logical types per "Logical Types". Every length and count is
// checked against the bytes left, so hostile input ends in an error naming
// the field and the byte offset, never in a read past the payload.
#include <fmt/format.h>

#include <cmath>
#include <cstring>

#include "collect/decode/format_decoders.h"
#include "collect/decode/text_encoding.h"
#include "collect/registry/avro_schema.h"

namespace loch::decode {
namespace {

using registry::AvroKind;
using registry::AvroNode;

constexpr int kMaxNesting = 64;

class AvroReader {
 public:
  explicit AvroReader(std::string_view in) : in_(in) {}

  size_t position() const { return pos_; }
  bool at_end() const { return pos_ == in_.size(); }

  Status read_long(int64_t& v) {
    uint64_t result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) return truncated("a long");
      auto b = static_cast<uint8_t>(in_[pos_++]);
      result |= uint64_t{b & 0x7Fu} << shift;
      if ((b & 0x80) == 0) {
        v = static_cast<int64_t>(result >> 1) ^ -static_cast<int64_t>(result & 1);
        return Status::ok();
      }
    }
    return Status::corruption(fmt::format("varint longer than 10 bytes at byte {}", pos_));
  }
  Status read_int(int64_t& v) {
    size_t at = pos_;
    LOCH_RETURN_IF_ERROR(read_long(v));
    if (v < INT32_MIN || v > INT32_MAX) return Status::corruption(fmt::format("int {} out of range at byte {}", v, at));
    return Status::ok();
  }
  Status read_bytes(size_t count, std::string_view& out) {
    if (count > in_.size() - pos_) {
      return Status::corruption(fmt::format("{} bytes wanted at byte {}, {} left", count, pos_, in_.size() - pos_));
    }
    out = in_.substr(pos_, count);
    pos_ += count;
    return Status::ok();
  }
  Status read_length_prefixed(std::string_view& out) {
    int64_t n = 0;
    size_t at = pos_;
    LOCH_RETURN_IF_ERROR(read_long(n));
    if (n < 0) return Status::corruption(fmt::format("negative length {} at byte {}", n, at));
    return read_bytes(static_cast<size_t>(n), out);
  }
  Status read_string(std::string_view& out) {
    LOCH_RETURN_IF_ERROR(read_length_prefixed(out));
    size_t bad = find_invalid_utf8(out);
    if (bad != std::string_view::npos) {
      return Status::corruption(fmt::format("string is not UTF-8 (byte {} of it)", bad));
    }
    return Status::ok();
  }
  Status read_boolean(bool& v) {
    std::string_view b;
    LOCH_RETURN_IF_ERROR(read_bytes(1, b));
    if (b[0] != 0 && b[0] != 1) return Status::corruption(fmt::format("boolean byte {} at byte {}", int(b[0]), pos_ - 1));
    v = b[0] == 1;
    return Status::ok();
  }
  Status read_float(double& v) {
    std::string_view b;
    LOCH_RETURN_IF_ERROR(read_bytes(4, b));
    uint32_t bits = 0;
    for (int i = 3; i >= 0; --i) bits = (bits << 8) | static_cast<uint8_t>(b[static_cast<size_t>(i)]);
    float f = 0;
    std::memcpy(&f, &bits, 4);
    v = f;
    return Status::ok();
  }
  Status read_double(double& v) {
    std::string_view b;
    LOCH_RETURN_IF_ERROR(read_bytes(8, b));
    uint64_t bits = 0;
    for (int i = 7; i >= 0; --i) bits = (bits << 8) | static_cast<uint8_t>(b[static_cast<size_t>(i)]);
    std::memcpy(&v, &bits, 8);
    return Status::ok();
  }
  // Array and map blocks: a count (negative: followed by the block's byte
  // size), 0 ends the list.
  Status read_block_count(int64_t& count) {
    size_t at = pos_;
    LOCH_RETURN_IF_ERROR(read_long(count));
    if (count < 0) {
      if (count == INT64_MIN) return Status::corruption(fmt::format("block count out of range at byte {}", at));
      count = -count;
      int64_t bytes = 0;
      LOCH_RETURN_IF_ERROR(read_long(bytes));
    }
    // Every item takes at least one byte unless it is null: a count larger
    // than what is left cannot be honest, except for nulls, which we cap.
    if (count > static_cast<int64_t>(in_.size() - pos_) + 1024) {
      return Status::corruption(fmt::format("block of {} items at byte {} exceeds the {} bytes left", count, at,
                                            in_.size() - pos_));
    }
    return Status::ok();
  }

 private:
  Status truncated(std::string_view what) const {
    return Status::corruption(fmt::format("payload ends at byte {} inside {}", pos_, what));
  }
  std::string_view in_;
  size_t pos_ = 0;
};

std::string logical_type(const AvroNode& node) {
  auto it = node.props.find("logicalType");
  return it != node.props.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int int_prop(const AvroNode& node, const char* name, int fallback) {
  auto it = node.props.find(name);
  return it != node.props.end() && it->is_number_integer() ? it->get<int>() : fallback;
}

// How one column's value is read: the node read and how to convert it.
enum class Conversion {
  kAsIs,            // the base type's natural column
  kMillisToMicros,  // time-millis, timestamp-millis, local-timestamp-millis
  kNanosToMicros,   // timestamp-nanos, local-timestamp-nanos
  kDecimalBytes,    // bytes or fixed holding a two's-complement big-endian unscaled value
  kUuidFixed,       // fixed(16) uuid
  kUuidString,      // string uuid, checked
  kEnumSymbol,      // enum: the symbol's name
  kJson,            // records, arrays, maps, unions of several types
};

struct ColumnPlan {
  const AvroNode* node = nullptr;  // the value's type (the non-null branch for ["null", T])
  int null_branch = -1;            // for a two-branch union with null: its index; -1 otherwise
  Conversion conversion = Conversion::kAsIs;
  int scale = 0;
};

Result<ColumnSpec> plan_column(std::string name, const AvroNode* node, ColumnPlan& plan) {
  ColumnSpec spec;
  spec.name = std::move(name);
  spec.nullable = false;
  if (node->kind == AvroKind::kUnion && node->branches.size() == 2 &&
      (node->branches[0]->kind == AvroKind::kNull) != (node->branches[1]->kind == AvroKind::kNull)) {
    plan.null_branch = node->branches[0]->kind == AvroKind::kNull ? 0 : 1;
    node = node->branches[plan.null_branch == 0 ? 1 : 0];
    spec.nullable = true;
  }
  plan.node = node;
  const std::string logical = logical_type(*node);
  switch (node->kind) {
    case AvroKind::kNull: spec.type = ColumnType::kJson, spec.nullable = true, plan.conversion = Conversion::kJson; break;
    case AvroKind::kBoolean: spec.type = ColumnType::kBoolean; break;
    case AvroKind::kInt:
      if (logical == "date") {
        spec.type = ColumnType::kDate;
      } else if (logical == "time-millis") {
        spec.type = ColumnType::kTimeMicros, plan.conversion = Conversion::kMillisToMicros;
      } else {
        spec.type = ColumnType::kInt32;
      }
      break;
    case AvroKind::kLong:
      if (logical == "time-micros") {
        spec.type = ColumnType::kTimeMicros;
      } else if (logical == "timestamp-millis" || logical == "timestamp-micros" || logical == "timestamp-nanos") {
        spec.type = ColumnType::kTimestampMicros;
      } else if (logical == "local-timestamp-millis" || logical == "local-timestamp-micros" ||
                 logical == "local-timestamp-nanos") {
        spec.type = ColumnType::kTimestampNtzMicros;
      } else {
        spec.type = ColumnType::kInt64;
      }
      if (logical.ends_with("-millis")) plan.conversion = Conversion::kMillisToMicros;
      if (logical.ends_with("-nanos")) plan.conversion = Conversion::kNanosToMicros;
      break;
    case AvroKind::kFloat: spec.type = ColumnType::kFloat; break;
    case AvroKind::kDouble: spec.type = ColumnType::kDouble; break;
    case AvroKind::kBytes:
    case AvroKind::kFixed:
      if (logical == "decimal") {
        int precision = int_prop(*node, "precision", 0);
        int scale = int_prop(*node, "scale", 0);
        if (precision < 1 || precision > 38 || scale < 0 || scale > precision) {
          return Status::not_supported(fmt::format(
              "column '{}': decimal({}, {}) has no DECIMAL column type (precision 1 to 38, scale 0 to precision)",
              spec.name, precision, scale));
        }
        spec.type = ColumnType::kDecimal, spec.precision = precision, spec.scale = scale;
        plan.conversion = Conversion::kDecimalBytes, plan.scale = scale;
      } else if (logical == "uuid" && node->kind == AvroKind::kFixed && node->size == 16) {
        spec.type = ColumnType::kUuid, plan.conversion = Conversion::kUuidFixed;
      } else {
        spec.type = ColumnType::kBinary;
      }
      break;
    case AvroKind::kString:
      if (logical == "uuid") {
        spec.type = ColumnType::kUuid, plan.conversion = Conversion::kUuidString;
      } else {
        spec.type = ColumnType::kString;
      }
      break;
    case AvroKind::kEnum: spec.type = ColumnType::kString, plan.conversion = Conversion::kEnumSymbol; break;
    case AvroKind::kRecord:
    case AvroKind::kArray:
    case AvroKind::kMap:
    case AvroKind::kUnion:
      spec.type = ColumnType::kJson, plan.conversion = Conversion::kJson;
      // A union may pick its null branch: the column is then NULL.
      if (node->kind == AvroKind::kUnion) spec.nullable = true;
      break;
  }
  return spec;
}

// Any Avro value as JSON text: records as objects, unions as the chosen
// branch's value (not Avro's {"type": value} wrapping), bytes and fixed as
// base64, enums as their symbol, logical types as their base value.
Status append_json(const AvroNode& node, AvroReader& in, std::string& out, int depth) {
  if (depth > kMaxNesting) return Status::corruption("values nested more than 64 deep");
  switch (node.kind) {
    case AvroKind::kNull: out += "null"; return Status::ok();
    case AvroKind::kBoolean: {
      bool v = false;
      LOCH_RETURN_IF_ERROR(in.read_boolean(v));
      out += v ? "true" : "false";
      return Status::ok();
    }
    case AvroKind::kInt:
    case AvroKind::kLong: {
      int64_t v = 0;
      LOCH_RETURN_IF_ERROR(node.kind == AvroKind::kInt ? in.read_int(v) : in.read_long(v));
      out += std::to_string(v);
      return Status::ok();
    }
    case AvroKind::kFloat:
    case AvroKind::kDouble: {
      double v = 0;
      LOCH_RETURN_IF_ERROR(node.kind == AvroKind::kFloat ? in.read_float(v) : in.read_double(v));
      // JSON has no NaN or infinities.
      out += std::isfinite(v) ? fmt::format("{}", v) : "null";
      return Status::ok();
    }
    case AvroKind::kString: {
      std::string_view s;
      LOCH_RETURN_IF_ERROR(in.read_string(s));
      append_json_string(s, out);
      return Status::ok();
    }
    case AvroKind::kBytes:
    case AvroKind::kFixed: {
      std::string_view b;
      if (node.kind == AvroKind::kBytes) {
        LOCH_RETURN_IF_ERROR(in.read_length_prefixed(b));
      } else {
        LOCH_RETURN_IF_ERROR(in.read_bytes(static_cast<size_t>(node.size), b));
      }
      out.push_back('"');
      append_base64(b, out);
      out.push_back('"');
      return Status::ok();
    }
    case AvroKind::kEnum: {
      int64_t index = 0;
      LOCH_RETURN_IF_ERROR(in.read_int(index));
      if (index < 0 || static_cast<size_t>(index) >= node.symbols.size()) {
        return Status::corruption(fmt::format("enum {} has no symbol {}", node.full_name, index));
      }
      append_json_string(node.symbols[static_cast<size_t>(index)], out);
      return Status::ok();
    }
    case AvroKind::kUnion: {
      int64_t index = 0;
      LOCH_RETURN_IF_ERROR(in.read_long(index));
      if (index < 0 || static_cast<size_t>(index) >= node.branches.size()) {
        return Status::corruption(fmt::format("union branch {} of {}", index, node.branches.size()));
      }
      return append_json(*node.branches[static_cast<size_t>(index)], in, out, depth + 1);
    }
    case AvroKind::kRecord: {
      out.push_back('{');
      bool first = true;
      for (const auto& field : node.fields) {
        if (!first) out.push_back(',');
        first = false;
        append_json_string(field.name, out);
        out.push_back(':');
        Status s = append_json(*field.type, in, out, depth + 1);
        if (!s.is_ok()) return Status::corruption(fmt::format("{}.{}: {}", node.short_name(), field.name, s.message()));
      }
      out.push_back('}');
      return Status::ok();
    }
    case AvroKind::kArray:
    case AvroKind::kMap: {
      bool is_map = node.kind == AvroKind::kMap;
      out.push_back(is_map ? '{' : '[');
      bool first = true;
      while (true) {
        int64_t count = 0;
        LOCH_RETURN_IF_ERROR(in.read_block_count(count));
        if (count == 0) break;
        for (int64_t i = 0; i < count; ++i) {
          if (!first) out.push_back(',');
          first = false;
          if (is_map) {
            std::string_view key;
            LOCH_RETURN_IF_ERROR(in.read_string(key));
            append_json_string(key, out);
            out.push_back(':');
          }
          LOCH_RETURN_IF_ERROR(append_json(is_map ? *node.values : *node.items, in, out, depth + 1));
        }
      }
      out.push_back(is_map ? '}' : ']');
      return Status::ok();
    }
  }
  return Status::internal("unknown Avro kind");
}

// Sign-extends a two's-complement big-endian integer of 1 to 16 bytes.
Status read_unscaled(std::string_view bytes, __int128& out) {
  if (bytes.empty() || bytes.size() > 16) {
    return Status::corruption(fmt::format("decimal of {} bytes (1 to 16 fit a DECIMAL(38))", bytes.size()));
  }
  unsigned __int128 v = (static_cast<uint8_t>(bytes[0]) & 0x80) != 0 ? ~static_cast<unsigned __int128>(0) : 0;
  for (char c : bytes) v = (v << 8) | static_cast<uint8_t>(c);
  out = static_cast<__int128>(v);
  return Status::ok();
}

Status read_value(const ColumnPlan& plan, AvroReader& in, Column& column) {
  if (plan.null_branch >= 0) {
    int64_t branch = 0;
    LOCH_RETURN_IF_ERROR(in.read_long(branch));
    if (branch != 0 && branch != 1) return Status::corruption(fmt::format("union branch {} of 2", branch));
    if (branch == plan.null_branch) {
      column.append_null();
      return Status::ok();
    }
  }
  const AvroNode& node = *plan.node;
  switch (plan.conversion) {
    case Conversion::kJson: {
      if (node.kind == AvroKind::kNull) {
        column.append_null();
        return Status::ok();
      }
      if (node.kind == AvroKind::kUnion) {
        // Peek the branch: a null branch is a NULL cell, not the text "null".
        int64_t index = 0;
        LOCH_RETURN_IF_ERROR(in.read_long(index));
        if (index < 0 || static_cast<size_t>(index) >= node.branches.size()) {
          return Status::corruption(fmt::format("union branch {} of {}", index, node.branches.size()));
        }
        const AvroNode& branch = *node.branches[static_cast<size_t>(index)];
        if (branch.kind == AvroKind::kNull) {
          column.append_null();
          return Status::ok();
        }
        std::string text;
        LOCH_RETURN_IF_ERROR(append_json(branch, in, text, 1));
        column.append_text(std::move(text));
        return Status::ok();
      }
      std::string text;
      LOCH_RETURN_IF_ERROR(append_json(node, in, text, 0));
      column.append_text(std::move(text));
      return Status::ok();
    }
    case Conversion::kDecimalBytes: {
      std::string_view bytes;
      if (node.kind == AvroKind::kBytes) {
        LOCH_RETURN_IF_ERROR(in.read_length_prefixed(bytes));
      } else {
        LOCH_RETURN_IF_ERROR(in.read_bytes(static_cast<size_t>(node.size), bytes));
      }
      __int128 unscaled = 0;
      LOCH_RETURN_IF_ERROR(read_unscaled(bytes, unscaled));
      int precision = column.spec().precision;
      __int128 limit = 1;
      for (int i = 0; i < precision; ++i) limit *= 10;
      if (unscaled >= limit || unscaled <= -limit) {
        return Status::corruption(fmt::format("decimal {} has more than {} digits",
                                              decimal_to_string(unscaled, plan.scale), precision));
      }
      column.append_decimal(unscaled);
      return Status::ok();
    }
    case Conversion::kUuidFixed: {
      std::string_view bytes;
      LOCH_RETURN_IF_ERROR(in.read_bytes(16, bytes));
      column.append_text(uuid_text(bytes));
      return Status::ok();
    }
    case Conversion::kUuidString: {
      std::string_view text;
      LOCH_RETURN_IF_ERROR(in.read_string(text));
      if (!is_uuid_text(text)) return Status::corruption(fmt::format("'{}' is not a UUID", text));
      std::string lower(text);
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      column.append_text(std::move(lower));
      return Status::ok();
    }
    case Conversion::kEnumSymbol: {
      int64_t index = 0;
      LOCH_RETURN_IF_ERROR(in.read_int(index));
      if (index < 0 || static_cast<size_t>(index) >= node.symbols.size()) {
        return Status::corruption(fmt::format("enum {} has no symbol {}", node.full_name, index));
      }
      column.append_text(node.symbols[static_cast<size_t>(index)]);
      return Status::ok();
    }
    case Conversion::kMillisToMicros:
    case Conversion::kNanosToMicros:
    case Conversion::kAsIs: break;
  }
  switch (node.kind) {
    case AvroKind::kBoolean: {
      bool v = false;
      LOCH_RETURN_IF_ERROR(in.read_boolean(v));
      column.append_int(v ? 1 : 0);
      return Status::ok();
    }
    case AvroKind::kInt:
    case AvroKind::kLong: {
      int64_t v = 0;
      LOCH_RETURN_IF_ERROR(node.kind == AvroKind::kInt ? in.read_int(v) : in.read_long(v));
      if (plan.conversion == Conversion::kMillisToMicros) {
        if (v > INT64_MAX / 1000 || v < INT64_MIN / 1000) return Status::corruption(fmt::format("{} ms out of range", v));
        v *= 1000;
      } else if (plan.conversion == Conversion::kNanosToMicros) {
        v /= 1000;
      }
      column.append_int(v);
      return Status::ok();
    }
    case AvroKind::kFloat:
    case AvroKind::kDouble: {
      double v = 0;
      LOCH_RETURN_IF_ERROR(node.kind == AvroKind::kFloat ? in.read_float(v) : in.read_double(v));
      column.append_real(v);
      return Status::ok();
    }
    case AvroKind::kString: {
      std::string_view s;
      LOCH_RETURN_IF_ERROR(in.read_string(s));
      column.append_text(std::string(s));
      return Status::ok();
    }
    case AvroKind::kBytes: {
      std::string_view b;
      LOCH_RETURN_IF_ERROR(in.read_length_prefixed(b));
      column.append_text(std::string(b));
      return Status::ok();
    }
    case AvroKind::kFixed: {
      std::string_view b;
      LOCH_RETURN_IF_ERROR(in.read_bytes(static_cast<size_t>(node.size), b));
      column.append_text(std::string(b));
      return Status::ok();
    }
    default: return Status::internal(fmt::format("no column reader for Avro {}", registry::avro_kind_name(node.kind)));
  }
}

class AvroDecoder final : public RecordDecoder {
 public:
  AvroDecoder(std::shared_ptr<const registry::ParsedSchema> schema, std::vector<ColumnSpec> columns,
              std::vector<ColumnPlan> plans)
      : RecordDecoder(std::move(columns)), schema_(std::move(schema)), plans_(std::move(plans)) {}

 protected:
  Status decode_row(std::string_view payload, ColumnBatch& out) const override {
    AvroReader in(payload);
    for (size_t i = 0; i < plans_.size(); ++i) {
      Status s = read_value(plans_[i], in, out.column(i));
      if (!s.is_ok()) return Status::corruption(fmt::format("Avro field '{}': {}", columns()[i].name, s.message()));
    }
    if (!in.at_end()) {
      return Status::corruption(fmt::format("Avro record ends at byte {} of a {}-byte payload", in.position(),
                                            payload.size()));
    }
    return Status::ok();
  }

 private:
  std::shared_ptr<const registry::ParsedSchema> schema_;  // keeps the nodes plans_ point to alive
  std::vector<ColumnPlan> plans_;
};

}  // namespace

Result<std::shared_ptr<const RecordDecoder>> make_avro_decoder(std::shared_ptr<const registry::ParsedSchema> schema) {
  const auto* avro = dynamic_cast<const registry::AvroSchema*>(schema.get());
  if (avro == nullptr) return Status::invalid_argument("not an Avro schema");
  std::vector<ColumnSpec> columns;
  std::vector<ColumnPlan> plans;
  const AvroNode& root = avro->root();
  if (root.kind == AvroKind::kRecord) {
    for (const auto& field : root.fields) {
      ColumnPlan plan;
      LOCH_ASSIGN_OR_RETURN(ColumnSpec spec, plan_column(field.name, field.type, plan));
      columns.push_back(std::move(spec));
      plans.push_back(plan);
    }
  } else {
    ColumnPlan plan;
    LOCH_ASSIGN_OR_RETURN(ColumnSpec spec, plan_column("value", &root, plan));
    columns.push_back(std::move(spec));
    plans.push_back(plan);
  }
  return std::shared_ptr<const RecordDecoder>(
      std::make_shared<AvroDecoder>(std::move(schema), std::move(columns), std::move(plans)));
}

}  // namespace loch::decode
