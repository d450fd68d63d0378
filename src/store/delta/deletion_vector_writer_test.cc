#include "store/delta/deletion_vector_writer.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <random>

#include "store/delta/actions.h"
#include "store/delta/z85.h"

namespace loch::delta {
namespace {

namespace fs = std::filesystem;

std::vector<uint64_t> round_trip(const std::vector<uint64_t>& rows) {
  auto decoded = decode_roaring_bitmap_array(encode_roaring_bitmap_array(rows));
  EXPECT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  return decoded.is_ok() ? *decoded : std::vector<uint64_t>{};
}

fs::path fresh_dir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("loch_dv_writer_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

TEST(DeletionVectorWriter, ArrayBitmapAndRunContainersRoundTrip) {
  std::vector<uint64_t> rows = {0, 3, 4, 7, 11, 18, 29};  // array container
  EXPECT_EQ(round_trip(rows), rows);

  std::vector<uint64_t> dense;  // > 4096 scattered values: bitmap container
  for (uint64_t v = 0; v < 65536; v += 3) dense.push_back(70000 + v);
  EXPECT_EQ(round_trip(dense), dense);

  std::vector<uint64_t> runs;  // long runs in several containers: run containers with offsets
  for (uint64_t base : {0ull, 1ull << 16, 5ull << 16, 9ull << 16, 12ull << 16}) {
    for (uint64_t v = 100; v < 30000; ++v) runs.push_back(base + v);
  }
  EXPECT_EQ(round_trip(runs), runs);

  std::vector<uint64_t> two_runs;  // fewer than 4 run containers: no offset header
  for (uint64_t v = 10; v < 5000; ++v) two_runs.push_back(v);
  EXPECT_EQ(round_trip(two_runs), two_runs);

  EXPECT_TRUE(round_trip({}).empty());
}

TEST(DeletionVectorWriter, RowsBeyond32BitsGoToTheirOwnBuckets) {
  std::vector<uint64_t> rows = {1, (1ull << 32) + 5, (7ull << 32) + 65536, (7ull << 32) + 65537};
  EXPECT_EQ(round_trip(rows), rows);
}

TEST(DeletionVectorWriter, UnsortedAndDuplicateRowsAreNormalised) {
  EXPECT_EQ(round_trip({9, 2, 9, 5, 2}), (std::vector<uint64_t>{2, 5, 9}));
}

TEST(DeletionVectorWriter, RandomSetsRoundTrip) {
  std::mt19937_64 random(42);
  for (int round = 0; round < 50; ++round) {
    std::vector<uint64_t> rows;
    const uint64_t span = uint64_t{1} << (8 + round % 20);
    const size_t count = random() % 20000;
    for (size_t i = 0; i < count; ++i) rows.push_back(random() % span);
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    EXPECT_EQ(round_trip(rows), rows) << "round " << round;
  }
}

TEST(DeletionVectorWriter, SmallSetsAreInlineAndReadBackThroughTheReader) {
  std::vector<uint64_t> rows = {3, 4, 7, 11, 18, 29, 30};
  auto descriptor = inline_deletion_vector(rows, 64);
  ASSERT_TRUE(descriptor.has_value());
  EXPECT_EQ(descriptor->storage_type, 'i');
  EXPECT_EQ(descriptor->cardinality, 7);
  auto loaded = load_deletion_vector(*descriptor, "/nonexistent");
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  EXPECT_EQ(*loaded, rows);
  EXPECT_FALSE(inline_deletion_vector(rows, 10).has_value());
}

TEST(DeletionVectorWriter, OneFileHoldsSeveralVectorsEachReadableAtItsOffset) {
  const fs::path table = fresh_dir("file");
  DeletionVectorFileWriter writer(table);
  EXPECT_TRUE(writer.empty());
  std::vector<uint64_t> first = {0, 1, 2, 100};
  std::vector<uint64_t> second;
  for (uint64_t v = 0; v < 10000; v += 2) second.push_back(v);
  DeletionVectorDescriptor a = writer.add(first);
  DeletionVectorDescriptor b = writer.add(second);
  ASSERT_TRUE(writer.finish().is_ok());
  EXPECT_EQ(a.offset, 1);
  EXPECT_EQ(b.offset, 1 + 4 + a.size_in_bytes + 4);
  EXPECT_EQ(writer.path().parent_path(), table);
  EXPECT_TRUE(writer.path().filename().string().starts_with("deletion_vector_"));

  // Through the log's JSON, as a reader sees the descriptor.
  nlohmann::json object = {{"storageType", "u"},
                           {"pathOrInlineDv", b.path_or_inline_dv},
                           {"offset", *b.offset},
                           {"sizeInBytes", b.size_in_bytes},
                           {"cardinality", b.cardinality}};
  auto parsed = parse_deletion_vector(object);
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  auto loaded_b = load_deletion_vector(*parsed, table);
  ASSERT_TRUE(loaded_b.is_ok()) << loaded_b.status().to_string();
  EXPECT_EQ(*loaded_b, second);
  auto loaded_a = load_deletion_vector(a, table);
  ASSERT_TRUE(loaded_a.is_ok()) << loaded_a.status().to_string();
  EXPECT_EQ(*loaded_a, first);
  fs::remove_all(table);
}

TEST(DeletionVectorWriter, ACorruptedByteIsCaughtByTheChecksum) {
  const fs::path table = fresh_dir("crc");
  DeletionVectorFileWriter writer(table);
  DeletionVectorDescriptor descriptor = writer.add({1, 2, 3});
  ASSERT_TRUE(writer.finish().is_ok());
  {
    std::fstream file(writer.path(), std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(*descriptor.offset + 4 + 12);
    file.put('\x7f');
  }
  auto loaded = load_deletion_vector(descriptor, table);
  ASSERT_FALSE(loaded.is_ok());
  EXPECT_NE(loaded.status().message().find("CRC"), std::string::npos);
  fs::remove_all(table);
}

TEST(DeletionVectorWriter, UnionOfSortedRowsKeepsEachRowOnce) {
  EXPECT_EQ(union_sorted_rows({1, 3, 5}, {2, 3, 6}), (std::vector<uint64_t>{1, 2, 3, 5, 6}));
}

// Every deletion vector of the real tables (Spark, Databricks, kernel-rs)
// decodes, re-encodes with loch's writer, and decodes to the same rows.
TEST(DeletionVectorWriter, RealTablesVectorsSurviveDecodeEncodeDecode) {
  const char* env = std::getenv("LOCH_DELTA_TESTDATA");
  const fs::path root = env ? fs::path(env) : fs::path("/work/shared/testdata/delta");
  if (!fs::exists(root)) GTEST_SKIP() << "no test data at " << root;
  size_t vectors = 0;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    const fs::path& path = entry.path();
    if (!entry.is_regular_file() || path.extension() != ".json" || path.parent_path().filename() != "_delta_log") continue;
    const fs::path table_root = path.parent_path().parent_path();
    std::ifstream file(path);
    std::string line;
    while (std::getline(file, line)) {
      if (line.find("deletionVector") == std::string::npos) continue;
      auto object = nlohmann::json::parse(line, nullptr, false);
      if (object.is_discarded()) continue;
      for (const char* kind : {"add", "remove"}) {
        if (!object.contains(kind) || !object[kind].contains("deletionVector") ||
            object[kind]["deletionVector"].is_null()) {
          continue;
        }
        auto descriptor = parse_deletion_vector(object[kind]["deletionVector"]);
        ASSERT_TRUE(descriptor.is_ok()) << path;
        auto rows = load_deletion_vector(*descriptor, table_root);
        if (!rows.is_ok()) continue;  // a removed file's vector may be vacuumed
        ASSERT_EQ(static_cast<int64_t>(rows->size()), descriptor->cardinality) << path;
        EXPECT_EQ(round_trip(*rows), *rows) << path;
        ++vectors;
      }
    }
  }
  EXPECT_GT(vectors, 20u);
  std::cout << vectors << " real deletion vectors round-tripped\n";
}

}  // namespace
}  // namespace loch::delta
