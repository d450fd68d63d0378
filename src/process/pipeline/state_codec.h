// Byte encoding of operator state entries (doc/pipelines.md, "Entry format"): fixed
// width big-endian integers, so that keys sort by their numbers in RocksDB,
// IEEE-754 doubles as their bit patterns, and length-prefixed strings.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "common/result.h"

namespace loch::pipeline {

class StateEncoder {
 public:
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u32(uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out_.push_back(static_cast<char>(v >> shift));
  }
  void u64(uint64_t v) {
    for (int shift = 56; shift >= 0; shift -= 8) out_.push_back(static_cast<char>(v >> shift));
  }
  // Signed numbers have their sign bit flipped, so that byte order is numeric order.
  void i64(int64_t v) { u64(static_cast<uint64_t>(v) ^ (1ULL << 63)); }
  void f64(double v) { u64(std::bit_cast<uint64_t>(v)); }
  void str(std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    out_.append(s);
  }
  // Raw bytes without a length: only as the last field of a key.
  void tail(std::string_view s) { out_.append(s); }

  const std::string& bytes() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

// Reads what StateEncoder wrote; every read checks the bounds, and a short
// entry is a Corruption naming `what`.
class StateDecoder {
 public:
  StateDecoder(std::string_view bytes, std::string_view what) : in_(bytes), what_(what) {}

  Result<uint8_t> u8() {
    LOCH_RETURN_IF_ERROR(need(1));
    uint8_t v = static_cast<uint8_t>(in_[pos_]);
    pos_ += 1;
    return v;
  }
  Result<uint32_t> u32() {
    LOCH_RETURN_IF_ERROR(need(4));
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(in_[pos_ + i]);
    pos_ += 4;
    return v;
  }
  Result<uint64_t> u64() {
    LOCH_RETURN_IF_ERROR(need(8));
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(in_[pos_ + i]);
    pos_ += 8;
    return v;
  }
  Result<int64_t> i64() {
    LOCH_ASSIGN_OR_RETURN(uint64_t v, u64());
    return static_cast<int64_t>(v ^ (1ULL << 63));
  }
  Result<double> f64() {
    LOCH_ASSIGN_OR_RETURN(uint64_t v, u64());
    return std::bit_cast<double>(v);
  }
  Result<std::string> str() {
    LOCH_ASSIGN_OR_RETURN(uint32_t n, u32());
    LOCH_RETURN_IF_ERROR(need(n));
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  std::string_view rest() {
    std::string_view r = in_.substr(pos_);
    pos_ = in_.size();
    return r;
  }
  bool at_end() const { return pos_ == in_.size(); }

 private:
  Status need(size_t n) const {
    if (in_.size() - pos_ < n) {
      return Status::corruption(std::string(what_) + ": entry ends at byte " + std::to_string(in_.size()) +
                                ", needs " + std::to_string(n) + " more from byte " + std::to_string(pos_));
    }
    return Status::ok();
  }

  std::string_view in_;
  std::string_view what_;
  size_t pos_ = 0;
};

}  // namespace loch::pipeline
