// decode_bench: records/s of the wire-format decoders (doc/registry-decoding.md),
// one logical record in each format:
//   {id: long, name: string, amount: decimal(10,2) / double, at: timestamp, active: boolean}
// Baseline, in the same run: copying each payload into a std::string (the
// least any decoder must do). Prints records/s per format and the ratio to
// the baseline; rounds alternate formats so that load drift hits all.
//
// Usage: decode_bench [RECORDS] [ROUNDS]   (defaults 200000, 3)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "collect/decode/decoder_cache.h"
#include "collect/registry/wire_format.h"
#include "common/varint.h"

namespace {

using namespace loch;
using Clock = std::chrono::steady_clock;

constexpr const char* kAvro = R"({"type":"record","name":"Order","fields":[
  {"name":"id","type":"long"},{"name":"name","type":"string"},
  {"name":"amount","type":{"type":"bytes","logicalType":"decimal","precision":10,"scale":2}},
  {"name":"at","type":{"type":"long","logicalType":"timestamp-millis"}},{"name":"active","type":"boolean"}]})";
constexpr const char* kJson = R"({"type":"object","properties":{"id":{"type":"integer"},"name":{"type":"string"},
  "amount":{"type":"number"},"at":{"type":"integer"},"active":{"type":"boolean"}},"required":["id","name"]})";
constexpr const char* kProto = R"(syntax = "proto3";
import "google/protobuf/timestamp.proto";
message Order { int64 id = 1; string name = 2; double amount = 3; google.protobuf.Timestamp at = 4; bool active = 5; })";

std::shared_ptr<const registry::ParsedSchema> parse(registry::SchemaType type, const char* text) {
  auto parsed = registry::parse_schema(type, text, {});
  if (!parsed.is_ok()) {
    std::fprintf(stderr, "schema: %s\n", parsed.status().message().c_str());
    std::exit(1);
  }
  return std::shared_ptr<const registry::ParsedSchema>(std::move(parsed).value());
}

void tag(int field, int wire_type, std::string& out) { append_uvarint(static_cast<uint64_t>(field << 3 | wire_type), out); }

std::string avro_record(int64_t i) {
  std::string r;
  registry::append_wire_header(1, r);
  append_varint(i, r);
  std::string name = "customer-" + std::to_string(i % 1000);
  append_varint(static_cast<int64_t>(name.size()), r);
  r += name;
  append_varint(2, r);
  int64_t cents = 1000 + i % 5000;
  r.push_back(static_cast<char>(cents >> 8));
  r.push_back(static_cast<char>(cents & 0xFF));
  append_varint(1700000000000 + i, r);
  r.push_back(static_cast<char>(i & 1));
  return r;
}

std::string json_record(int64_t i) {
  std::string r;
  registry::append_wire_header(2, r);
  r += "{\"id\":" + std::to_string(i) + ",\"name\":\"customer-" + std::to_string(i % 1000) + "\",\"amount\":" +
       std::to_string(10 + i % 5000) + ".25,\"at\":" + std::to_string(1700000000000 + i) +
       ",\"active\":" + (i & 1 ? "true" : "false") + "}";
  return r;
}

std::string proto_record(int64_t i) {
  std::string r;
  registry::append_wire_header(3, r);
  registry::append_message_indexes({0}, r);
  tag(1, 0, r);
  append_uvarint(static_cast<uint64_t>(i), r);
  std::string name = "customer-" + std::to_string(i % 1000);
  tag(2, 2, r);
  append_uvarint(name.size(), r);
  r += name;
  tag(3, 1, r);
  double amount = 10.25 + static_cast<double>(i % 5000);
  char bytes[8];
  std::memcpy(bytes, &amount, 8);
  r.append(bytes, 8);
  std::string ts;
  tag(1, 0, ts);
  append_uvarint(static_cast<uint64_t>(1700000000 + i), ts);
  tag(4, 2, r);
  append_uvarint(ts.size(), r);
  r += ts;
  tag(5, 0, r);
  append_uvarint(static_cast<uint64_t>(i & 1), r);
  return r;
}

double decode_seconds(decode::DecoderCache& cache, const std::vector<std::string>& records) {
  decode::ColumnBatch batch;
  auto start = Clock::now();
  for (const auto& r : records) {
    if (Status s = cache.decode(r, batch); !s.is_ok()) {
      std::fprintf(stderr, "decode: %s\n", s.message().c_str());
      std::exit(1);
    }
    if (batch.rows() == 4096) batch.clear();  // a pipeline flushes its batch
  }
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double copy_seconds(const std::vector<std::string>& records) {
  std::vector<std::string> copies;
  copies.reserve(4096);
  auto start = Clock::now();
  for (const auto& r : records) {
    copies.emplace_back(r.substr(registry::kWireHeaderSize));
    if (copies.size() == 4096) copies.clear();
  }
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  int64_t n = argc > 1 ? std::atoll(argv[1]) : 200000;
  int rounds = argc > 2 ? std::atoi(argv[2]) : 3;
  auto avro = parse(registry::SchemaType::kAvro, kAvro);
  auto json = parse(registry::SchemaType::kJson, kJson);
  auto proto = parse(registry::SchemaType::kProtobuf, kProto);
  decode::DecoderCache cache([&](int32_t id) -> std::shared_ptr<const registry::ParsedSchema> {
    return id == 1 ? avro : id == 2 ? json : id == 3 ? proto : nullptr;
  });
  std::vector<std::string> formats[3];
  for (int64_t i = 0; i < n; ++i) {
    formats[0].push_back(avro_record(i));
    formats[1].push_back(json_record(i));
    formats[2].push_back(proto_record(i));
  }
  const char* names[3] = {"AVRO", "JSON", "PROTOBUF"};
  double best[3] = {1e30, 1e30, 1e30};
  double best_copy = 1e30;
  for (int round = 0; round < rounds; ++round) {
    best_copy = std::min(best_copy, copy_seconds(formats[0]));
    for (int f = 0; f < 3; ++f) best[f] = std::min(best[f], decode_seconds(cache, formats[f]));
  }
  double baseline = static_cast<double>(n) / best_copy;
  std::printf("decode_bench: %lld records per format, best of %d rounds\n", static_cast<long long>(n), rounds);
  std::printf("  %-9s %12.0f records/s (baseline: payload copy)\n", "copy", baseline);
  for (int f = 0; f < 3; ++f) {
    double rate = static_cast<double>(n) / best[f];
    std::printf("  %-9s %12.0f records/s  ratio to copy %.3f\n", names[f], rate, rate / baseline);
  }
  return 0;
}
