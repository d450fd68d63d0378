// Layouts: doc/kafka-consumer-offsets.md. Integers are big-endian; STRING is
// INT16 length + UTF-8 bytes (length -1: null, for NULLABLE_STRING); BYTES is
// INT32 length + bytes; arrays are INT32 count + elements.
#include "collect/kafka/groups/consumer_offsets_records.h"

#include <fmt/format.h>

namespace loch::kafka::groups {
namespace {

constexpr int16_t kOffsetCommitKeyVersion = 1;      // versions 0 and 1 share the layout
constexpr int16_t kGroupMetadataKeyVersion = 2;
constexpr int16_t kOffsetCommitValueVersion = 3;
constexpr int16_t kGroupMetadataValueVersion = 3;

class ByteWriter {
 public:
  void int16(int16_t v) { big_endian(static_cast<uint16_t>(v), 2); }
  void int32(int32_t v) { big_endian(static_cast<uint32_t>(v), 4); }
  void int64(int64_t v) { big_endian(static_cast<uint64_t>(v), 8); }
  void string(std::string_view s) {
    // Group ids, topics and member ids come from requests whose own STRING
    // fields are INT16-sized, so they always fit.
    int16(static_cast<int16_t>(s.size()));
    out_.append(s);
  }
  void nullable_string(const std::optional<std::string>& s) {
    if (!s) {
      int16(-1);
    } else {
      string(*s);
    }
  }
  void bytes(std::string_view b) {
    int32(static_cast<int32_t>(b.size()));
    out_.append(b);
  }
  std::string take() { return std::move(out_); }

 private:
  void big_endian(uint64_t v, int width) {
    for (int i = width - 1; i >= 0; --i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  std::string out_;
};

// Reads fields in order; the first shortfall is remembered and every later
// read returns a zero value, so a decoder checks `error()` once at the end.
class ByteReader {
 public:
  ByteReader(std::string_view bytes, std::string_view what) : in_(bytes), what_(what) {}

  int16_t int16() { return static_cast<int16_t>(big_endian(2)); }
  int32_t int32() { return static_cast<int32_t>(big_endian(4)); }
  int64_t int64() { return static_cast<int64_t>(big_endian(8)); }
  std::string string(const char* field) {
    auto s = nullable_string(field);
    if (!s && status_.is_ok()) fail(fmt::format("{} is null", field));
    return s.value_or("");
  }
  std::optional<std::string> nullable_string(const char* field) {
    int16_t length = int16();
    if (length < 0) return std::nullopt;
    return take(static_cast<size_t>(length), field);
  }
  std::string bytes(const char* field) {
    int32_t length = int32();
    if (length < 0) return {};  // null BYTES: treated as empty, as Kafka's readers do
    return take(static_cast<size_t>(length), field);
  }
  int32_t array_count(const char* field) {
    int32_t count = int32();
    // Each element is at least one byte: a count above what remains is corrupt,
    // and refusing it here keeps a corrupt count from reserving gigabytes.
    if (count < 0 || static_cast<size_t>(count) > in_.size() - pos_) {
      if (status_.is_ok()) fail(fmt::format("{} count {} is impossible", field, count));
      return 0;
    }
    return count;
  }

  Status finish() {
    if (status_.is_ok() && pos_ != in_.size()) {
      fail(fmt::format("{} trailing bytes", in_.size() - pos_));
    }
    return status_;
  }

 private:
  uint64_t big_endian(size_t width) {
    if (!status_.is_ok()) return 0;
    if (in_.size() - pos_ < width) {
      fail(fmt::format("needs {} bytes at byte {}, has {}", width, pos_, in_.size() - pos_));
      return 0;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < width; ++i) v = (v << 8) | static_cast<uint8_t>(in_[pos_ + i]);
    pos_ += width;
    return v;
  }
  std::string take(size_t length, const char* field) {
    if (!status_.is_ok()) return {};
    if (in_.size() - pos_ < length) {
      fail(fmt::format("{} of {} bytes at byte {} runs past the end ({} bytes)", field, length, pos_,
                       in_.size()));
      return {};
    }
    std::string s(in_.substr(pos_, length));
    pos_ += length;
    return s;
  }
  void fail(std::string message) {
    status_ = Status::corruption(fmt::format("__consumer_offsets {}: {}", what_, message));
  }

  std::string_view in_;
  std::string_view what_;
  size_t pos_ = 0;
  Status status_;
};

}  // namespace

std::string encode_offset_commit_key(const OffsetCommitKey& key) {
  ByteWriter w;
  w.int16(kOffsetCommitKeyVersion);
  w.string(key.group);
  w.string(key.topic);
  w.int32(key.partition.value());
  return w.take();
}

std::string encode_offset_commit_value(const OffsetAndMetadata& value) {
  ByteWriter w;
  w.int16(kOffsetCommitValueVersion);
  w.int64(value.offset.value());
  w.int32(value.leader_epoch);
  w.string(value.metadata);
  w.int64(value.commit_timestamp_ms);
  return w.take();
}

std::string encode_group_metadata_key(const GroupMetadataKey& key) {
  ByteWriter w;
  w.int16(kGroupMetadataKeyVersion);
  w.string(key.group);
  return w.take();
}

std::string encode_group_metadata_value(const GroupMetadataSnapshot& value) {
  ByteWriter w;
  w.int16(kGroupMetadataValueVersion);
  w.string(value.protocol_type);
  w.int32(value.generation);
  w.nullable_string(value.protocol);
  w.nullable_string(value.leader);
  w.int64(value.current_state_timestamp_ms);
  w.int32(static_cast<int32_t>(value.members.size()));
  for (const GroupMemberSnapshot& m : value.members) {
    w.string(m.member_id);
    w.nullable_string(m.group_instance_id);
    w.string(m.client_id);
    w.string(m.client_host);
    w.int32(m.rebalance_timeout_ms);
    w.int32(m.session_timeout_ms);
    w.bytes(m.subscription);
    w.bytes(m.assignment);
  }
  return w.take();
}

Result<ConsumerOffsetsKey> decode_consumer_offsets_key(std::string_view bytes) {
  if (bytes.size() < 2) {
    return Status::corruption(fmt::format("__consumer_offsets key of {} bytes has no version", bytes.size()));
  }
  ByteReader r(bytes, "key");
  int16_t version = r.int16();
  ConsumerOffsetsKey key;
  if (version == 0 || version == 1) {
    OffsetCommitKey k;
    k.group = r.string("group");
    k.topic = r.string("topic");
    k.partition = PartitionId(r.int32());
    key = std::move(k);
  } else if (version == 2) {
    key = GroupMetadataKey{r.string("group")};
  } else {
    return ConsumerOffsetsKey(UnknownRecordKey{version});
  }
  LOCH_RETURN_IF_ERROR(r.finish());
  return key;
}

Result<OffsetAndMetadata> decode_offset_commit_value(std::string_view bytes) {
  ByteReader r(bytes, "offset commit value");
  int16_t version = r.int16();
  if (bytes.size() >= 2 && (version < 0 || version > 3)) {
    return Status::not_supported(
        fmt::format("__consumer_offsets offset commit value version {} (loch reads 0-3)", version));
  }
  OffsetAndMetadata v;
  v.offset = Offset(r.int64());
  if (version >= 3) v.leader_epoch = r.int32();
  v.metadata = r.string("metadata");
  v.commit_timestamp_ms = r.int64();
  if (version == 1) r.int64();  // expire_timestamp: retention is the coordinator's policy now
  LOCH_RETURN_IF_ERROR(r.finish());
  return v;
}

Result<GroupMetadataSnapshot> decode_group_metadata_value(std::string_view bytes) {
  ByteReader r(bytes, "group metadata value");
  int16_t version = r.int16();
  if (bytes.size() >= 2 && (version < 0 || version > 3)) {
    return Status::not_supported(
        fmt::format("__consumer_offsets group metadata value version {} (loch reads 0-3)", version));
  }
  GroupMetadataSnapshot g;
  g.protocol_type = r.string("protocol_type");
  g.generation = r.int32();
  g.protocol = r.nullable_string("protocol");
  g.leader = r.nullable_string("leader");
  if (version >= 2) g.current_state_timestamp_ms = r.int64();
  int32_t count = r.array_count("members");
  for (int32_t i = 0; i < count; ++i) {
    GroupMemberSnapshot m;
    m.member_id = r.string("member_id");
    if (version >= 3) m.group_instance_id = r.nullable_string("group_instance_id");
    m.client_id = r.string("client_id");
    m.client_host = r.string("client_host");
    if (version >= 1) m.rebalance_timeout_ms = r.int32();
    m.session_timeout_ms = r.int32();
    if (version == 0) m.rebalance_timeout_ms = m.session_timeout_ms;
    m.subscription = r.bytes("subscription");
    m.assignment = r.bytes("assignment");
    g.members.push_back(std::move(m));
  }
  LOCH_RETURN_IF_ERROR(r.finish());
  return g;
}

int32_t consumer_offsets_partition(std::string_view group_id, int32_t partition_count) {
  // Java's String.hashCode runs over UTF-16 code units: decode UTF-8 and
  // split code points above U+FFFF into surrogate pairs. Invalid UTF-8 bytes
  // count as U+FFFD, which is what Java's decoder makes of them.
  uint32_t hash = 0;
  auto mix = [&hash](uint32_t unit) { hash = hash * 31 + unit; };
  size_t i = 0;
  while (i < group_id.size()) {
    auto byte = [&](size_t k) { return static_cast<uint8_t>(group_id[k]); };
    uint8_t lead = byte(i);
    uint32_t cp = 0xFFFD;
    size_t length = 1;
    if (lead < 0x80) {
      cp = lead;
    } else if ((lead & 0xE0) == 0xC0) {
      length = 2;
      cp = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3;
      cp = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4;
      cp = lead & 0x07;
    }
    bool valid = lead < 0x80 || (length > 1 && i + length <= group_id.size());
    for (size_t k = 1; valid && k < length; ++k) {
      if ((byte(i + k) & 0xC0) != 0x80) valid = false;
      cp = (cp << 6) | (byte(i + k) & 0x3F);
    }
    if (!valid) {
      cp = 0xFFFD;
      length = 1;
    }
    i += length;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      mix(0xD800 + (cp >> 10));
      mix(0xDC00 + (cp & 0x3FF));
    } else {
      mix(cp);
    }
  }
  int32_t positive = static_cast<int32_t>(hash & 0x7fffffffu);
  return positive % partition_count;
}

}  // namespace loch::kafka::groups
