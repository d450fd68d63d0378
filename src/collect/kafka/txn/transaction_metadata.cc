#include "collect/kafka/txn/transaction_metadata.h"

#include <fmt/format.h>

#include "collect/kafka/log/record_batch_header.h"

namespace loch::kafka::txn {
namespace {

constexpr int16_t kKeyVersion = 0;
constexpr int16_t kValueVersion = 0;

class Writer {
 public:
  void i8(int8_t v) { out_.push_back(static_cast<char>(v)); }
  void i16(int16_t v) { put(v, 2); }
  void i32(int32_t v) { put(static_cast<uint32_t>(v), 4); }
  void i64(int64_t v) { put(static_cast<uint64_t>(v), 8); }
  void str(std::string_view s) {
    i16(static_cast<int16_t>(s.size()));
    out_.append(s);
  }
  void nullable_str(const std::optional<std::string>& s) {
    if (!s) i16(-1);
    else str(*s);
  }
  std::string take() { return std::move(out_); }

 private:
  void put(uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) out_.push_back(static_cast<char>(v >> (8 * i)));
  }
  std::string out_;
};

class Reader {
 public:
  Reader(std::string_view bytes, std::string what) : bytes_(bytes), what_(std::move(what)) {}
  Result<int64_t> integer(int bytes) {
    if (bytes_.size() - pos_ < static_cast<size_t>(bytes)) return truncated(bytes);
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<uint8_t>(bytes_[pos_ + i]);
    pos_ += bytes;
    // sign-extend
    if (bytes < 8 && (v >> (8 * bytes - 1)) != 0) v |= ~uint64_t{0} << (8 * bytes);
    return static_cast<int64_t>(v);
  }
  Result<std::optional<std::string>> nullable_str() {
    LOCH_ASSIGN_OR_RETURN(int64_t length, integer(2));
    if (length < 0) return std::optional<std::string>();
    if (bytes_.size() - pos_ < static_cast<size_t>(length)) return truncated(static_cast<int>(length));
    std::string s(bytes_.substr(pos_, static_cast<size_t>(length)));
    pos_ += static_cast<size_t>(length);
    return std::optional<std::string>(std::move(s));
  }
  Result<std::string> str() {
    LOCH_ASSIGN_OR_RETURN(auto s, nullable_str());
    if (!s) return Status::corruption(fmt::format("{}: null string at byte {}", what_, pos_ - 2));
    return *s;
  }
  Result<int32_t> count() {
    LOCH_ASSIGN_OR_RETURN(int64_t n, integer(4));
    // Each element takes at least 4 bytes: a larger count is a lie.
    if (n < 0 || static_cast<uint64_t>(n) > (bytes_.size() - pos_) / 4) {
      return Status::corruption(fmt::format("{}: count {} at byte {} exceeds the value", what_, n, pos_ - 4));
    }
    return static_cast<int32_t>(n);
  }
  bool at_end() const { return pos_ == bytes_.size(); }
  size_t position() const { return pos_; }

 private:
  Status truncated(int wanted) const {
    return Status::corruption(fmt::format("{}: {} bytes wanted at byte {} of {}", what_, wanted, pos_, bytes_.size()));
  }
  std::string_view bytes_;
  size_t pos_ = 0;
  std::string what_;
};

}  // namespace

std::string_view txn_state_name(TxnState state) {
  switch (state) {
    case TxnState::kEmpty: return "Empty";
    case TxnState::kOngoing: return "Ongoing";
    case TxnState::kPrepareCommit: return "PrepareCommit";
    case TxnState::kPrepareAbort: return "PrepareAbort";
    case TxnState::kCompleteCommit: return "CompleteCommit";
    case TxnState::kCompleteAbort: return "CompleteAbort";
  }
  return "Unknown";
}

std::string encode_txn_key(std::string_view transactional_id) {
  Writer w;
  w.i16(kKeyVersion);
  w.str(transactional_id);
  return w.take();
}

Result<std::string> decode_txn_key(std::string_view key) {
  Reader r(key, "__transaction_state key");
  LOCH_ASSIGN_OR_RETURN(int64_t version, r.integer(2));
  if (version != kKeyVersion) return Status::corruption(fmt::format("__transaction_state key version {}", version));
  LOCH_ASSIGN_OR_RETURN(std::string id, r.str());
  if (!r.at_end()) return Status::corruption("__transaction_state key: bytes after the transactional id");
  return id;
}

std::string encode_txn_value(const TxnMetadata& txn) {
  Writer w;
  w.i16(kValueVersion);
  w.i64(txn.producer_id);
  w.i16(txn.producer_epoch);
  w.i32(txn.timeout_ms);
  w.i8(static_cast<int8_t>(txn.state));
  w.i32(static_cast<int32_t>(txn.partitions.size()));
  for (const TopicPartition& tp : txn.partitions) {
    w.str(tp.topic);
    w.i32(tp.partition);
  }
  w.i64(txn.last_update_ms);
  w.i64(txn.start_ms);
  int32_t offsets = 0;
  for (const auto& [group, partitions] : txn.pending_offsets) offsets += static_cast<int32_t>(partitions.size());
  w.i32(offsets);
  for (const auto& [group, partitions] : txn.pending_offsets) {
    for (const auto& [tp, pending] : partitions) {
      w.str(group);
      w.str(tp.topic);
      w.i32(tp.partition);
      w.i64(pending.offset);
      w.i32(pending.leader_epoch);
      w.nullable_str(pending.metadata);
    }
  }
  return w.take();
}

Result<TxnMetadata> decode_txn_value(std::string_view transactional_id, std::string_view value) {
  Reader r(value, fmt::format("__transaction_state value of '{}'", transactional_id));
  TxnMetadata txn;
  txn.transactional_id = std::string(transactional_id);
  LOCH_ASSIGN_OR_RETURN(int64_t version, r.integer(2));
  if (version != kValueVersion) {
    return Status::corruption(fmt::format("__transaction_state value of '{}': version {}", transactional_id, version));
  }
  LOCH_ASSIGN_OR_RETURN(txn.producer_id, r.integer(8));
  LOCH_ASSIGN_OR_RETURN(int64_t epoch, r.integer(2));
  txn.producer_epoch = static_cast<int16_t>(epoch);
  LOCH_ASSIGN_OR_RETURN(int64_t timeout, r.integer(4));
  txn.timeout_ms = static_cast<int32_t>(timeout);
  LOCH_ASSIGN_OR_RETURN(int64_t state, r.integer(1));
  if (state < 0 || state > static_cast<int>(TxnState::kCompleteAbort)) {
    return Status::corruption(fmt::format("__transaction_state value of '{}': state {}", transactional_id, state));
  }
  txn.state = static_cast<TxnState>(state);
  LOCH_ASSIGN_OR_RETURN(int32_t partitions, r.count());
  for (int32_t i = 0; i < partitions; ++i) {
    TopicPartition tp;
    LOCH_ASSIGN_OR_RETURN(tp.topic, r.str());
    LOCH_ASSIGN_OR_RETURN(int64_t p, r.integer(4));
    tp.partition = static_cast<int32_t>(p);
    txn.partitions.insert(std::move(tp));
  }
  LOCH_ASSIGN_OR_RETURN(txn.last_update_ms, r.integer(8));
  LOCH_ASSIGN_OR_RETURN(txn.start_ms, r.integer(8));
  LOCH_ASSIGN_OR_RETURN(int32_t offsets, r.count());
  for (int32_t i = 0; i < offsets; ++i) {
    LOCH_ASSIGN_OR_RETURN(std::string group, r.str());
    TopicPartition tp;
    LOCH_ASSIGN_OR_RETURN(tp.topic, r.str());
    LOCH_ASSIGN_OR_RETURN(int64_t p, r.integer(4));
    tp.partition = static_cast<int32_t>(p);
    PendingOffset pending;
    LOCH_ASSIGN_OR_RETURN(pending.offset, r.integer(8));
    LOCH_ASSIGN_OR_RETURN(int64_t leader_epoch, r.integer(4));
    pending.leader_epoch = static_cast<int32_t>(leader_epoch);
    LOCH_ASSIGN_OR_RETURN(pending.metadata, r.nullable_str());
    txn.pending_offsets[group][tp] = std::move(pending);
  }
  if (!r.at_end()) {
    return Status::corruption(fmt::format("__transaction_state value of '{}': {} bytes after the last field",
                                          transactional_id, value.size() - r.position()));
  }
  return txn;
}

}  // namespace loch::kafka::txn
