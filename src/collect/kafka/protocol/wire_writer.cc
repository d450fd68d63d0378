#include "collect/kafka/protocol/wire_writer.h"

#include <algorithm>
#include <cstring>
#include <limits>

namespace loch::kafka {

void WireWriter::write_float64(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  write_big_endian(bits, 8);
}

void WireWriter::write_uvarint(uint64_t v) {
  while (v >= 0x80) {
    out_ += static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  out_ += static_cast<char>(v);
}

void WireWriter::write_string(std::string_view v, bool compact) {
  if (compact) {
    v = v.substr(0, std::numeric_limits<uint32_t>::max() - 1);
    write_uvarint(v.size() + 1);
  } else {
    v = v.substr(0, std::numeric_limits<int16_t>::max());
    write_int16(static_cast<int16_t>(v.size()));
  }
  out_.append(v);
}

void WireWriter::write_nullable_string(const std::optional<std::string>& v, bool compact) {
  if (v) return write_string(*v, compact);
  if (compact) {
    write_uvarint(0);
  } else {
    write_int16(-1);
  }
}

void WireWriter::write_bytes(std::string_view v, bool compact) {
  if (compact) {
    v = v.substr(0, std::numeric_limits<uint32_t>::max() - 1);
    write_uvarint(v.size() + 1);
  } else {
    v = v.substr(0, std::numeric_limits<int32_t>::max());
    write_int32(static_cast<int32_t>(v.size()));
  }
  out_.append(v);
}

void WireWriter::write_nullable_bytes(const std::optional<std::string>& v, bool compact) {
  if (v) return write_bytes(*v, compact);
  if (compact) {
    write_uvarint(0);
  } else {
    write_int32(-1);
  }
}

void WireWriter::write_records(const std::optional<std::string>& v, bool compact) {
  if (reservations_ == nullptr || reservations_->positions.size() >= reservations_->sizes.size()) {
    return write_nullable_bytes(v, compact);
  }
  const std::optional<size_t> size = reservations_->sizes[reservations_->positions.size()];
  if (!size) {
    reservations_->positions.push_back(std::string::npos);
    return write_nullable_bytes(v, compact);
  }
  if (compact) {
    write_uvarint(*size + 1);
  } else {
    write_int32(static_cast<int32_t>(*size));
  }
  reservations_->positions.push_back(out_.size());
  out_.resize(out_.size() + *size);
}

void WireWriter::write_array_length(size_t count, bool compact) {
  if (compact) {
    write_uvarint(count + 1);
  } else {
    write_int32(static_cast<int32_t>(count));
  }
}

void WireWriter::write_null_array(bool compact) {
  if (compact) {
    write_uvarint(0);
  } else {
    write_int32(-1);
  }
}

void WireWriter::write_tagged_fields(const std::vector<RawTaggedField>& fields) {
  write_uvarint(fields.size());
  for (const RawTaggedField& field : fields) {
    write_uvarint(field.tag);
    write_uvarint(field.data.size());
    out_.append(field.data);
  }
}

}  // namespace loch::kafka
