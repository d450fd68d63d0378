#include "collect/registry/parsed_schema.h"

#include <gtest/gtest.h>

#include <random>
#include <thread>

#include "collect/registry/schema_store.h"

namespace loch::registry {
namespace {

// Valid schemas of each type, mutated byte by byte: whatever comes out,
// parsing either fails with a message or gives a schema that can be
// printed and compared, and nothing crashes.
TEST(ParsedSchema, MutatedSchemasOfEveryTypeNeverCrashTheParsersOrTheChecks) {
  const std::pair<SchemaType, std::string> seeds[] = {
      {SchemaType::kAvro,
       R"({"type":"record","name":"R","fields":[{"name":"a","type":["null",{"type":"array","items":"long"}],"default":null},{"name":"e","type":{"type":"enum","name":"E","symbols":["X","Y"]}}]})"},
      {SchemaType::kAvro,
       R"({"type":"record","name":"a.R","doc":"d","aliases":["Q"],"fields":[{"name":"n","type":{"type":"record","name":"N","namespace":"","fields":[{"name":"t","type":{"type":"long","logicalType":"timestamp-millis"},"order":"ignore"}]}},{"name":"m","type":{"type":"map","values":"a.R"}},{"name":"f","type":{"type":"fixed","name":"F","size":2},"aliases":["g"],"x":[1]}]})"},
      {SchemaType::kProtobuf,
       "syntax = \"proto2\";\nmessage M { required int64 id = 1; optional E e = 2 [default = B]; enum E { A = 0; B = 1; } reserved 5 to 9; extensions 100 to 200; repeated M children = 3; }\n"},
      {SchemaType::kJson,
       R"({"type":"object","properties":{"a":{"type":"array","items":{"$ref":"#/definitions/d"}},"b":{"enum":[1,2]}},"required":["a"],"additionalProperties":false,"definitions":{"d":{"type":"string","maxLength":3}}})"},
      {SchemaType::kProtobuf,
       "syntax = \"proto3\";\npackage p;\nmessage M { oneof o { string a = 1; int32 b = 2; } map<string, M> c = 3; enum E { Z = 0; } E e = 4; }\n"},
  };
  std::mt19937 random(20261125);
  const std::string alphabet = "{}[]\":,0aZ \\/.;=<>-1\x00\xff";
  for (const auto& [type, seed] : seeds) {
    auto original = parse_schema(type, seed, {});
    ASSERT_TRUE(original.is_ok()) << original.status().to_string();
    int parsed = 0;
    for (int round = 0; round < 600; ++round) {
      std::string mutated = seed;
      const int edits = 1 + static_cast<int>(random() % 4);
      for (int i = 0; i < edits && !mutated.empty(); ++i) {
        const size_t at = random() % mutated.size();
        switch (random() % 3) {
          case 0: mutated[at] = alphabet[random() % alphabet.size()]; break;
          case 1: mutated.erase(at, 1 + random() % 8); break;
          default: mutated.insert(at, 1, alphabet[random() % alphabet.size()]); break;
        }
      }
      auto result = parse_schema(type, mutated, {});
      if (!result.is_ok()) {
        EXPECT_FALSE(result.status().message().empty());
        continue;
      }
      ++parsed;
      // What the store keeps must parse back to itself, or a restart would
      // lose the schema.
      const std::string canonical = (*result)->canonical();
      auto reparsed = parse_schema(type, canonical, {});
      ASSERT_TRUE(reparsed.is_ok()) << mutated << "\n" << canonical << "\n" << reparsed.status().to_string();
      EXPECT_EQ((*reparsed)->canonical(), canonical) << mutated;
      const std::string normalized = (*result)->normalized();
      auto renormalized = parse_schema(type, normalized, {});
      ASSERT_TRUE(renormalized.is_ok()) << normalized;
      EXPECT_EQ((*renormalized)->normalized(), normalized);
      (void)(*result)->read_differences(**original, true);
      (void)(*original)->read_differences(**result, false);
    }
    EXPECT_GT(parsed, 0) << "some mutations should still parse";
    EXPECT_LT(parsed, 600) << "mutations should break some schemas";
  }
}

TEST(ParsedSchema, SchemasOfDifferentTypesAreNeverCompatible) {
  auto avro = parse_schema(SchemaType::kAvro, R"("string")", {});
  auto json = parse_schema(SchemaType::kJson, R"({"type":"string"})", {});
  ASSERT_TRUE(avro.is_ok() && json.is_ok());
  EXPECT_FALSE((*avro)->read_differences(**json, true).empty());
  EXPECT_FALSE((*json)->read_differences(**avro, true).empty());
}

TEST(SchemaStoreConcurrency, ConcurrentRegistrationsGetDistinctIdsAndAllLand) {
  MemoryRecordSink sink;
  SchemaStore store(&sink);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 25;
  std::vector<std::vector<int32_t>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string schema = R"({"type":"enum","name":"E","symbols":["S)" + std::to_string(t * 1000 + i) + R"("]})";
        auto outcome = store.register_schema("subject-" + std::to_string(t) + "-" + std::to_string(i),
                                             SchemaRequest{schema, SchemaType::kAvro, {}, false, {}, {}});
        if (outcome.is_ok()) ids[t].push_back(outcome->id);
        (void)store.list_subjects(false);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::set<int32_t> distinct;
  for (const auto& list : ids) distinct.insert(list.begin(), list.end());
  EXPECT_EQ(distinct.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(*distinct.begin(), 1);
  EXPECT_EQ(*distinct.rbegin(), kThreads * kPerThread);
  EXPECT_EQ(sink.records().size(), static_cast<size_t>(kThreads * kPerThread));
}

}  // namespace
}  // namespace loch::registry
